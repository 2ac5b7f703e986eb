"""Catalogue commands: `flask --app consult import-catalogue FILE --year YYYY`.

The import reads the same columns the CSV export writes, so an exported catalogue (or a
spreadsheet a department filled in) can be loaded into a year. Every row goes through
`services.create_matter`, the same gate as the web form; the command only translates
spreadsheet cells (department names, 是/否, procedure names) into the service's input.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import NoReturn

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask_babel import force_locale

from consult.accounts.models import SYSTEM
from consult.accounts.models import Department
from consult.catalogue import services
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import ProcedureKind
from consult.core.errors import RuleViolation
from consult.extensions import db

# A header cell matches a column by its English word, its Chinese word or both
# ("决策事项 title", the export's form). Other columns (code, status, ...) are ignored.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "决策事项", "事项名称"),
    "lead_department": ("lead_department", "承办部门", "department"),
    "planned_time": ("planned_time", "决策时间"),
    "hearing": ("hearing", "是否听证"),
    "summary": ("summary", "摘要", "事项简介"),
    "procedures": ("procedures", "法定程序", "决策程序"),
}
REQUIRED_COLUMNS = ("title", "lead_department", "planned_time", "hearing")

# The service names its fields after the model; the user knows the CSV's column names.
FIELD_TO_COLUMN = {"department_id": "lead_department"}

YES = frozenset({"是", "yes", "y", "true", "1"})
NO = frozenset({"否", "no", "n", "false", "0"})

PROCEDURE_NAMES = {
    "公众参与": ProcedureKind.PUBLIC_PARTICIPATION.value,
    "专家论证": ProcedureKind.EXPERT_ARGUMENTATION.value,
    "风险评估": ProcedureKind.RISK_ASSESSMENT.value,
    "合法性审查": ProcedureKind.LEGALITY_REVIEW.value,
    "集体讨论决定": ProcedureKind.COLLECTIVE_DISCUSSION.value,
    "集体讨论": ProcedureKind.COLLECTIVE_DISCUSSION.value,
}

_TOKEN_SPLIT = re.compile(r"[\s/|()（）:：,，]+")
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")


class ImportFailed(Exception):
    """The file as a whole cannot be read (encoding, header); nothing is imported."""


@dataclass
class RowError:
    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"row {self.row}: {field}{self.message}"


def _norm(text: str) -> str:
    return " ".join((text or "").split()).lower()


def map_header(header: list[str]) -> dict[str, int]:
    """Column name → position. Raises ImportFailed on missing or repeated columns."""
    found: dict[str, int] = {}
    for position, cell in enumerate(header):
        norm = _norm(cell.lstrip("\ufeff"))
        tokens = {norm, *(t for t in _TOKEN_SPLIT.split(norm) if t)}
        for column, aliases in COLUMNS.items():
            if tokens & set(aliases):
                if column in found:
                    raise ImportFailed(
                        f"column {column!r} appears twice (columns {found[column] + 1} "
                        f"and {position + 1})"
                    )
                found[column] = position
                break
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        raise ImportFailed(
            "missing column(s) / 缺少列: " + ", ".join(f"{COLUMNS[c][1]} {c}" for c in missing)
        )
    return found


def read_rows(raw: bytes) -> tuple[dict[str, int], list[tuple[int, list[str]]], list[str]]:
    """Decode a UTF-8 CSV (with or without BOM). Returns the column map, the data rows
    numbered as in a spreadsheet (the header is row 1) and the ignored header cells."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"the file is not UTF-8 text (byte {exc.start}); save it as “CSV UTF-8”"
        ) from None
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise ImportFailed("the file is empty")
    header = records[0]
    columns = map_header(header)
    used = set(columns.values())
    ignored = [cell for i, cell in enumerate(header) if i not in used and cell.strip()]
    rows = [
        (number, cells)
        for number, cells in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in cells)  # spreadsheets leave blank lines at the end
    ]
    return columns, rows, ignored


def parse_hearing(value: str) -> Any:
    """是/否/yes/no/true/false/1/0, also the export's "是 yes". Anything else is passed on
    unchanged, so the service refuses it with its own message."""
    tokens = set(_TOKEN_SPLIT.split(_norm(value))) - {""}
    if tokens and tokens <= YES:
        return True
    if tokens and tokens <= NO:
        return False
    return value


def parse_procedures(value: str) -> list[str]:
    """Semicolon-separated kinds, English values or Chinese names. Unknown names are passed
    on for the service to refuse."""
    kinds = []
    for item in _LIST_SPLIT.split(value or ""):
        item = item.strip()
        if not item:
            continue
        kind = PROCEDURE_NAMES.get(item) or item.lower().replace(" ", "_").replace("-", "_")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _cell(columns: dict[str, int], cells: list[str], column: str) -> str:
    position = columns.get(column)
    if position is None or position >= len(cells):
        return ""
    return cells[position].strip()


def _department_index() -> dict[str, Department]:
    index: dict[str, Department] = {}
    for dept in db.session.scalars(sa.select(Department)):
        index.setdefault(dept.short_name.strip(), dept)
        index[dept.name.strip()] = dept  # a full name wins over another's short name
    return index


def import_rows(
    columns: dict[str, int], rows: list[tuple[int, list[str]]], year: int, reason: str | None
) -> tuple[list[DecisionMatter], list[RowError]]:
    """Create one matter per row, each in its own savepoint, and collect every row's error.
    The caller commits only if there are no errors."""
    departments = _department_index()
    created: list[DecisionMatter] = []
    errors: list[RowError] = []
    for number, cells in rows:

        def cell(column: str, cells: list[str] = cells) -> str:
            return _cell(columns, cells, column)

        dept_text = cell("lead_department")
        dept = departments.get(dept_text)
        if dept_text and dept is None:
            errors.append(
                RowError(number, "lead_department", f"未知部门 unknown department “{dept_text}”")
            )
            continue
        data = {
            "year": year,
            "title": cell("title"),
            "summary": cell("summary"),
            "department_id": dept.id if dept else None,
            "planned_time": cell("planned_time"),
            "hearing": parse_hearing(cell("hearing")),
            "procedures": parse_procedures(cell("procedures")),
            "reason": reason,
        }
        savepoint = db.session.begin_nested()
        try:
            matter = services.create_matter(data, actor=SYSTEM)
        except RuleViolation as exc:
            savepoint.rollback()
            field = FIELD_TO_COLUMN.get(exc.field or "", exc.field)
            errors.append(RowError(number, field, str(exc.message)))
            continue
        savepoint.commit()
        created.append(matter)
    return created, errors


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    @app.cli.command("import-catalogue")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--year", required=True, type=int, help="The catalogue year to import into.")
    @click.option(
        "--reason",
        default=None,
        help="Required when the year's catalogue is already published: every imported "
        "row becomes a public adjustment with this reason.",
    )
    def import_catalogue(file: Path, year: int, reason: str | None) -> None:
        """Import decision matters from a UTF-8 CSV file into a year's catalogue.

        Columns (English, Chinese or both, as the export writes them): title 决策事项,
        lead_department 承办部门 (full or short name), planned_time 决策时间 (2026-07,
        2026-Q3, 2026年7月, 2026年第三季度), hearing 是否听证 (是/否, yes/no), and optionally
        summary 摘要 and procedures 法定程序 (separated by ";"). Rows are numbered as in a
        spreadsheet, the header being row 1. If any row is wrong, nothing is imported.
        """
        # Services speak lazy strings, which need a locale; a command has no request to
        # choose one from, so it speaks the platform's default language.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            _import(file, year, reason)


def _import(file: Path, year: int, reason: str | None) -> None:
    try:
        columns, rows, ignored = read_rows(file.read_bytes())
    except ImportFailed as exc:
        _fail(str(exc))
    if not rows:
        _fail("the file has a header but no rows")
    try:
        cat = services.get_or_create_year(year, actor=SYSTEM)
    except RuleViolation as exc:
        _fail(f"year: {exc.message}")
    reason = (reason or "").strip() or None
    if cat.is_published and reason is None:
        _fail(
            f"the {year} catalogue is already published: every imported row is a public "
            'adjustment, so give its reason with --reason "..."'
        )
    if not cat.is_published and reason is not None:
        click.echo(f"note: the {year} catalogue is not published yet; --reason is not needed")
    if ignored:
        click.echo(
            "note: ignoring column(s) "
            + ", ".join(ignored)
            + " (imported matters always start as planned)"
        )

    created, errors = import_rows(columns, rows, year, reason if cat.is_published else None)
    if errors:
        db.session.rollback()
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(
            f"error: {len(errors)} of {len(rows)} row(s) have problems; nothing was "
            "imported / 未导入任何事项",
            err=True,
        )
        sys.exit(1)
    db.session.commit()
    for matter in created:
        click.echo(f"{matter.code}  {matter.title}")
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(DecisionMatter).where(DecisionMatter.year == year)
    )
    state = "published: added as adjustments" if cat.is_published else "draft"
    click.echo(
        f"imported {len(created)} matter(s) into the {year} catalogue ({state}); "
        f"it now has {total}. 已导入 {len(created)} 项。"
    )
