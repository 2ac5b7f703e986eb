"""Consultation commands: `flask --app consult tick` (run from cron every minute)."""

from __future__ import annotations

import click
from flask import Flask

from consult.consultations.services import activate_due
from consult.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("tick")
    def tick() -> None:
        """Housekeeping by the clock: open due consultations, end expired representative terms,
        group the comments still waiting (a web process that stopped before grouping them);
        then, after the commit, send the notification mails that became due."""
        from consult.comments.grouping import group_all
        from consult.notifications.cli import describe
        from consult.notifications.services import send_due_notifications
        from consult.representatives.services import end_expired_terms

        count = activate_due()
        ended = end_expired_terms()
        db.session.commit()
        grouped = group_all()
        db.session.commit()
        click.echo(
            f"activated {count} consultation(s); ended {ended} representative term(s); "
            f"grouped {grouped} waiting comment(s)"
        )
        click.echo(describe(send_due_notifications()))
