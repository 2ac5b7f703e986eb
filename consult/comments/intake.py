"""Reading comments gathered elsewhere from a spreadsheet (CSV, UTF-8 with or without BOM):
the 12345 hotline's export, letters typed in, another platform's comments.

This module only turns cells into the records `services.import_comments` takes (a source,
an aware time, booleans, a clause number); every rule is checked there. What cannot even be
read (a time that is no time, a cell a spreadsheet would run as a formula) is reported here
for its row, and the import is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consult.comments.models import CommentSource
from consult.core.time import local_zone

# A header cell matches a column by its English or its Chinese name ("意见内容 body", as the
# open-data export writes them, or either alone).
COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "渠道", "来源"),
    "submitted_at": ("submitted_at", "received_at", "提交时间", "收到时间", "时间"),
    "author_name": ("author_name", "name", "署名", "姓名", "意见人"),
    "show_name": ("show_name", "公开署名", "显示姓名"),
    "contact": ("contact", "联系方式", "电话"),
    "body": ("body", "意见内容", "内容", "意见"),
    "clause": ("clause", "条款"),
    "consent": ("consent", "同意发布", "同意"),
    "activity_id": ("activity_id", "活动编号"),
}
REQUIRED = ("source", "submitted_at", "author_name", "body")
BOOLEANS = ("show_name", "consent")

SOURCE_NAMES = {
    "网上": CommentSource.ONLINE,
    "在线": CommentSource.ONLINE,
    "网站": CommentSource.ONLINE,
    "座谈会": CommentSource.SYMPOSIUM,
    "听证会": CommentSource.HEARING,
    "实地走访": CommentSource.FIELD_VISIT,
    "走访": CommentSource.FIELD_VISIT,
    "调研": CommentSource.FIELD_VISIT,
    "12345": CommentSource.HOTLINE,
    "热线": CommentSource.HOTLINE,
    "12345热线": CommentSource.HOTLINE,
    "来信": CommentSource.LETTER,
    "信件": CommentSource.LETTER,
    "信箱": CommentSource.MAILBOX,
    "意见箱": CommentSource.MAILBOX,
    "会议": CommentSource.MEETING,
    "政府会议": CommentSource.MEETING,
}
YES = frozenset({"是", "yes", "y", "true", "1", "同意"})
NO = frozenset({"否", "no", "n", "false", "0", "不同意", ""})
LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_SPLIT = re.compile(r"[\s/|()（）:：,，]+")


class ImportFailed(Exception):
    """The file as a whole cannot be read (encoding, header); nothing is imported."""


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str | None
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"row {self.row} / 第{self.row}行: {field}{self.message}"


@dataclass
class Sheet:
    records: list[dict[str, Any]]
    rows: list[int]  # the spreadsheet row of each record
    errors: list[RowError]
    ignored: list[str]  # header cells that name no column


def _norm(text: str) -> str:
    return " ".join((text or "").split()).lower()


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    ignored = []
    for position, cell in enumerate(header):
        norm = _norm(cell.lstrip("\ufeff"))
        tokens = {norm, *(t for t in _SPLIT.split(norm) if t)}
        column = next((c for c, names in COLUMNS.items() if tokens & set(names)), None)
        if column is None:
            if norm:
                ignored.append(cell.strip())
            continue
        if column in found:
            raise ImportFailed(
                f"column {column!r} appears twice (columns {found[column] + 1} and "
                f"{position + 1}) / 列重复"
            )
        found[column] = position
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ImportFailed(
            "missing column(s) / 缺少列: " + ", ".join(f"{COLUMNS[c][1]} {c}" for c in missing)
        )
    return found, ignored


def _formula(value: str) -> bool:
    """Whether a spreadsheet would run the cell as a formula (OWASP's CSV injection list). A
    number with its sign ("+86 139…", "-3") is not one; the export's leading apostrophe
    marks text that only looks like one."""
    if not value or value[0] not in "=+-@\t\r":
        return False
    return not (value[0] in "+-" and value[1:2].isdigit())


def _time(value: str, zone_name: str) -> datetime:
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
        for pattern in LOCAL_FORMATS:
            try:
                moment = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValueError(value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone(zone_name))
    return moment


def read_sheet(raw: bytes, zone_name: str = "Asia/Shanghai") -> Sheet:
    """The records of a CSV file, with the cells that cannot be read reported per row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            f"the file is not UTF-8 text (line {line}, byte {exc.start}); save it as “CSV UTF-8” "
            "/ 文件不是UTF-8编码，请另存为“CSV UTF-8”"
        ) from None
    table = list(csv.reader(io.StringIO(text, newline="")))
    if not table:
        raise ImportFailed("the file is empty / 文件为空")
    columns, ignored = _columns(table[0])
    sheet = Sheet([], [], [], ignored)
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank lines at the end
        record, problems = _record(columns, cells, number, zone_name)
        sheet.errors.extend(problems)
        sheet.records.append(record)
        sheet.rows.append(number)
    return sheet


def _record(columns: dict[str, int], cells: list[str], number: int, zone_name: str):
    record: dict[str, Any] = {}
    problems: list[RowError] = []
    for column, position in columns.items():
        value = cells[position] if position < len(cells) else ""
        if value.startswith("'"):
            value = value[1:]  # the export's mark: text, not a formula
        elif _formula(value):
            problems.append(
                RowError(
                    number,
                    column,
                    "starts like a spreadsheet formula; put an apostrophe (') before it "
                    "if it is text / 单元格以公式符号开头",
                )
            )
            continue
        if column == "source":
            value = value.strip()
            record[column] = SOURCE_NAMES.get(value, value.lower())
        elif column == "submitted_at":
            try:
                record[column] = _time(value, zone_name)
            except ValueError:
                problems.append(
                    RowError(
                        number,
                        column,
                        f"“{value}” is not a time: use 2026-11-05 09:30 (Beijing time) or ISO "
                        "8601 / 时间格式不正确",
                    )
                )
        elif column in BOOLEANS:
            word = _norm(value)
            if word in YES or word in NO:
                record[column] = word in YES
            else:
                record[column] = value  # the service says what it expects
        elif column in ("clause", "activity_id"):
            record[column] = value.strip() or None
        else:
            record[column] = value
    return record, problems
