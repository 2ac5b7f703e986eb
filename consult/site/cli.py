"""Site commands: `flask --app consult seed-demo [--reset]`."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask import current_app
from flask_babel import force_locale

from consult import demo
from consult.core.errors import DomainError
from consult.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--reset",
        is_flag=True,
        help="Delete ALL rows from every table first, then seed. The schema stays.",
    )
    @click.option("--yes", is_flag=True, help="Do not ask before --reset deletes everything.")
    @click.option(
        "--allow-production",
        is_flag=True,
        help="Seed even though CONSULT_ENV is production (a public demo site).",
    )
    def seed_demo(reset: bool, yes: bool, allow_production: bool) -> dict | None:
        """Fill the database with demo data for 东湖区: departments, one account per role, last
        year's and this year's catalogues and a draft for next year. Demo use only.
        (Returns the summary it prints, for a caller that invokes it without standalone mode.)"""
        if os.environ.get("CONSULT_ENV") == "production" and not allow_production:
            click.echo(
                "error: CONSULT_ENV is production; the demo's accounts share a published "
                "password. Use --allow-production only for a public demo site.",
                err=True,
            )
            sys.exit(1)
        if reset:
            if not yes:
                click.confirm("--reset deletes every row in the database. Continue?", abort=True)
            demo.clear_database()
        elif demo.database_has_data():
            click.echo(
                "The database already holds data; nothing was done. "
                "Run `flask --app consult seed-demo --reset` to replace it with the demo."
            )
            _remind_demo_accounts()
            return
        try:
            result = demo.seed_demo()
        except demo.StoryError as exc:  # a story file says what cannot be replayed
            db.session.rollback()
            click.echo(f"error: the demo's story: {exc}", err=True)
            sys.exit(1)
        except DomainError as exc:  # a service refused one of the demo's steps: a bug here
            db.session.rollback()
            field = f"{exc.field}: " if getattr(exc, "field", None) else ""
            # A command has no request to pick a language from: use the platform's default.
            with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
                message = str(exc.message)
            click.echo(f"error: the demo could not be seeded: {field}{message}", err=True)
            sys.exit(1)
        db.session.commit()
        _report(result)
        return result


def _remind_demo_accounts() -> None:
    """On later runs of `make run`, show the demo logins again if they are still there."""
    import sqlalchemy as sa

    from consult.accounts.models import User

    emails = list(
        db.session.scalars(
            sa.select(User.email).where(User.email.like("%@donghu.example")).order_by(User.id)
        )
    )
    if emails:
        click.echo(
            f"Demo accounts / 演示账号 (password {demo.DEMO_PASSWORD}): " + ", ".join(emails)
        )


def _report(result: dict) -> None:
    click.echo(
        f"seeded the 东湖区 demo: {result['departments']} departments, "
        f"{result['matters']} decision matters"
    )
    for year, info in result["years"].items():
        state = "published" if info["published"] else "draft"
        click.echo(f"  {year} catalogue ({state}): {info['matters']} matters")
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in result["statuses"].items()))
    if "consultations" in result:
        click.echo(
            f"  consultations: {result['consultations']}"
            + (
                " ("
                + ", ".join(f"{k} {v}" for k, v in result.get("consultation_statuses", {}).items())
                + ")"
            )
            + f"; comments: {result.get('comments', 0)}"
        )
    if result.get("answers"):
        answers = result["answers"]
        imports = ", ".join(f"{k} {v}" for k, v in sorted(result["comment_imports"].items()))
        click.echo(
            f"  answers: drafted {answers['drafted']}, answered {answers['answered']}; "
            f"assigned {answers['assigned']}; files uploaded: {imports or 'none'}"
        )
    click.echo(
        "  adjustments: "
        + (", ".join(f"{k} {v}" for k, v in sorted(result["adjustments"].items())) or "none")
    )
    click.echo("")
    click.echo("Demo accounts / 演示账号:")
    for account in result["users"]:
        dept = f"  {account['department']}" if account["department"] else ""
        role = f"{account['role']} (head)" if account.get("department_head") else account["role"]
        click.echo(
            f"  {role:<15} {account['email']:<32} {account['password']}  {account['name']}{dept}"
        )
    click.echo("")
    click.echo(
        click.style(
            "WARNING: these accounts share a published demo password. Demo use only: never seed "
            "them into a real deployment. 仅供演示使用。",
            fg="yellow",
        ),
        err=True,
    )
