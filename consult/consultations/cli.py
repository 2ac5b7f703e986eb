"""Consultation commands: `flask --app consult tick` (run from cron every minute)."""

from __future__ import annotations

import click
from flask import Flask

from consult.consultations.services import activate_due
from consult.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("tick")
    def tick() -> None:
        """Record the opening of consultations whose time has come (matters move to consulting)."""
        count = activate_due()
        db.session.commit()
        click.echo(f"activated {count} consultation(s)")
