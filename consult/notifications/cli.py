"""Notification commands. `flask tick` runs the same send after its housekeeping."""

from __future__ import annotations

import click
from flask import Flask

from consult.notifications.rules import KIND_VALUES


def describe(sent: dict[str, int]) -> str:
    """`mails sent: consultation_opened 2, closing_soon 0, …` for the cron log."""
    return "mails sent: " + ", ".join(f"{kind} {sent.get(kind, 0)}" for kind in KIND_VALUES)


def register(app: Flask) -> None:
    @app.cli.command("send-notifications")
    @click.option(
        "--kind",
        "kinds",
        multiple=True,
        type=click.Choice(KIND_VALUES),
        help="Only this kind (repeatable); all kinds by default.",
    )
    def send_notifications(kinds: tuple[str, ...]) -> None:
        """Send the notification mails that are due and were never sent."""
        from consult.notifications.services import send_due_notifications

        click.echo(describe(send_due_notifications(kinds=kinds or None)))
