"""Account commands: `flask --app consult create-admin`, `create-user`, `issue-token`."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask

from consult.accounts import services
from consult.accounts.models import SYSTEM
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.core.errors import RuleViolation
from consult.extensions import db


def _fail(exc: RuleViolation) -> None:
    db.session.rollback()
    field = f"{exc.field}: " if exc.field else ""
    click.echo(f"error: {field}{exc.message}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", "display_name", default="区政府办公室管理员", show_default=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def create_admin(email: str, display_name: str, password: str) -> None:
        """Create a government-office (admin) account."""
        try:
            user = services.create_user(
                {
                    "email": email,
                    "display_name": display_name,
                    "password": password,
                    "role": Role.ADMIN.value,
                },
                actor=SYSTEM,
            )
        except RuleViolation as exc:
            _fail(exc)
        db.session.commit()
        click.echo(f"created admin {user.email} (id {user.id})")

    @app.cli.command("issue-token")
    @click.argument("email")
    @click.option("--name", default="CLI", show_default=True)
    def issue_token(email: str, name: str) -> None:
        """Issue an API bearer token for a staff account and print it once."""
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            click.echo(f"error: no account {email}", err=True)
            sys.exit(1)
        try:
            _token, secret = services.issue_token(user, name, actor=SYSTEM)
        except RuleViolation as exc:
            _fail(exc)
        db.session.commit()
        click.echo(secret)
