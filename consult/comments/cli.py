"""Comment commands: `flask --app consult import-comments FILE --consultation ID`.

The 12345 hotline's records, letters and the comments of other platforms arrive as a CSV or
XLSX file. Every row goes through `services.import_comments`, the same gate as a staff
member's offline entry; the command reads the cells with the parser the browser's import
uses (comments.intake) and reports each refused row.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask_babel import force_locale

from consult.accounts.models import SYSTEM
from consult.accounts.models import Actor
from consult.accounts.models import User
from consult.comments import grouping
from consult.comments import intake
from consult.comments import services
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.core.time import configured_zone_name
from consult.extensions import db


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    @app.cli.command("import-comments")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--consultation", "consultation_id", type=int, required=True)
    @click.option(
        "--as",
        "email",
        default=None,
        help="The staff account the import is recorded for (default: the system).",
    )
    def import_comments(file: Path, consultation_id: int, email: str | None) -> None:
        """Import comments from a CSV (UTF-8 or GB18030) or XLSX file with a header: source,
        submitted_at, author_name, body; optionally show_name, contact, clause, consent,
        activity_id, in English or Chinese. Every row is checked; if any is refused, nothing
        is imported."""
        # A command has no request to pick a language from: the platform's default.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            _import(file, consultation_id, email)

    @app.cli.command("group-comments")
    def group_comments() -> None:
        """Group every comment still waiting for its duplicate group (`flask tick` does it
        too; the web processes do it a moment after each submission)."""
        count = grouping.group_all()
        db.session.commit()
        click.echo(f"grouped {count} comment(s)")


def _import(file: Path, consultation_id: int, email: str | None) -> None:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        _fail(f"no consultation {consultation_id} / 没有该征求意见")
    actor: Actor = SYSTEM
    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None or not user.is_staff:
            _fail(f"{email} is not a staff account / 不是工作人员账号")
        actor = user
    try:
        sheet = intake.read_sheet(file.read_bytes(), configured_zone_name())
    except intake.ImportFailed as exc:
        _fail(str(exc.message))
    if not sheet.records:
        _fail("the file has a header but no rows / 文件没有数据行")
    if sheet.ignored:
        click.echo("note: ignoring column(s) " + ", ".join(sheet.ignored))
    errors = list(sheet.errors)
    receipts: list[str] = []
    if not errors:
        try:
            receipts = services.import_comments(consultation, sheet.records, actor=actor)
        except RuleViolations as exc:
            errors = [
                intake.RowError(sheet.rows[v.index], v.field, str(v.message))
                for v in exc.violations
            ]
        except (RuleViolation, Forbidden) as exc:
            db.session.rollback()
            _fail(str(exc.message))
    if errors:
        db.session.rollback()
        for error in errors:
            click.echo(str(error), err=True)
        rows = len({e.row for e in errors})
        _fail(
            f"{rows} of {len(sheet.records)} row(s) have problems; nothing was imported "
            "/ 未导入任何意见"
        )
    db.session.commit()
    grouped = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.receipt.in_(receipts[:1000]), Comment.duplicate_group_id.is_not(None))
    )
    click.echo(
        f"imported {len(receipts)} comment(s) into consultation {consultation_id}, receipts "
        f"{receipts[0]} … {receipts[-1]}; of the first {min(len(receipts), 1000)}, {grouped} "
        f"are in duplicate groups. 已导入 {len(receipts)} 条意见。"
    )
