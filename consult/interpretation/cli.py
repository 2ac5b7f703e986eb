"""`flask --app consult decide-matter ID --date YYYY-MM-DD --document URL --title T --text T`:
record a decision with the policy interpretation published together with it. The same gate
as the web form and the API (catalogue.services.change_status): without an interpretation the
decision is refused and nothing changes."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask_babel import force_locale

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.core.errors import DomainError
from consult.core.errors import RuleViolation
from consult.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("decide-matter")
    @click.argument("matter_id", type=int)
    @click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--document", required=True, help="Link to the published decision document.")
    @click.option("--title", default=None, help="Title of the policy interpretation.")
    @click.option("--text", default=None, help="The interpretation's text.")
    @click.option(
        "--text-file",
        default=None,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="The interpretation's text from a UTF-8 file (instead of --text).",
    )
    @click.option(
        "--form",
        "forms",
        multiple=True,
        type=click.Choice(["text", "illustrated", "video", "press_conference"]),
        help="A form of the interpretation besides its text (repeatable); needs --link.",
    )
    @click.option("--link", default=None, help="The graphic, video or press conference.")
    def decide_matter(matter_id, day, document, title, text, text_file, forms, link) -> None:
        """Mark a deliberated matter decided, publishing its interpretation with it (acting as
        the system)."""
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            body = text_file.read_text("utf-8") if text_file else text
            interpretation = (
                {"title": title, "body": body, "forms": list(forms), "link": link}
                if title or body
                else None
            )
            try:
                matter = catalogue.get_matter(matter_id)
                catalogue.change_status(
                    matter,
                    "decided",
                    {
                        "decision_date": date(day.year, day.month, day.day),
                        "decision_document_url": document,
                        "interpretation": interpretation,
                    },
                    actor=SYSTEM,
                )
            except DomainError as exc:
                db.session.rollback()
                fields = getattr(exc, "violations", [exc])
                for violation in fields:
                    where = getattr(violation, "field", None)
                    prefix = f"{where}: " if isinstance(violation, RuleViolation) and where else ""
                    click.echo(f"error: {prefix}{violation.message or exc}", err=True)
                sys.exit(1)
            db.session.commit()
            click.echo(f"{matter.code} {matter.title}: decided on {matter.decision_date}")
