"""Reading comments gathered elsewhere from a spreadsheet: the 12345 hotline's export, letters
typed in, another platform's comments. One parser for the command line (`flask
import-comments`) and the browser (comments.imports).

A file is a CSV (UTF-8 with or without BOM, or GB18030/GBK as Chinese Excel saves "CSV";
comma- or tab-separated) or an XLSX workbook (its first sheet, read with openpyxl in
read-only mode, row by row). What it is, its content decides, never its name.

This module only turns cells into the records `services.import_comments` takes (a source,
an aware time, booleans, a clause number); every rule is checked there. What cannot even be
read (a time that is no time, a cell a spreadsheet would run as a formula) is reported here
for its row, with a translatable message; what spoils the whole file (its kind, encoding,
header, size) raises `ImportFailed` on the field "file".
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.comments import rules
from consult.comments.models import CommentSource
from consult.core import files
from consult.core.errors import RuleViolation
from consult.core.time import local_zone

KIND_CSV = "csv"
KIND_XLSX = "xlsx"

# A header cell matches a column by its English or its Chinese name ("意见内容 body", as the
# open-data export and the template write them, or either alone).
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
# The Chinese name the template heads each column with (beside the English one).
HEADINGS = {
    "source": "渠道",
    "submitted_at": "收到时间",
    "author_name": "姓名",
    "show_name": "公开署名",
    "contact": "联系方式",
    "body": "意见内容",
    "clause": "条款",
    "consent": "同意发布",
    "activity_id": "活动编号",
}
BOOLEANS = ("show_name", "consent")

# What each column holds, for the page that documents the template and for row errors.
COLUMN_LABELS = {
    "source": _l("Source"),
    "submitted_at": _l("Received at"),
    "author_name": _l("Name of the person"),
    "show_name": _l("Name may be shown"),
    "contact": _l("Phone or email"),
    "body": _l("Comment"),
    "clause": _l("Clause"),
    "consent": _l("Agreed to the publication rules"),
    "activity_id": _l("Activity number"),
}

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
    "12345 hotline": CommentSource.HOTLINE,
    "来信": CommentSource.LETTER,
    "信件": CommentSource.LETTER,
    "信箱": CommentSource.MAILBOX,
    "意见箱": CommentSource.MAILBOX,
    "会议": CommentSource.MEETING,
    "政府会议": CommentSource.MEETING,
    "field visit": CommentSource.FIELD_VISIT,
}
YES = frozenset({"是", "yes", "y", "true", "1", "同意"})
NO = frozenset({"否", "no", "n", "false", "0", "不同意", ""})
LOCAL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_SPLIT = re.compile(r"[\s/|()（）:：,，]+")
# Excel 97–2003 (.xls) and other OLE2 compound files.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A UTF-8 file that turns invalid after this many bytes of Chinese text is a mix of two
# encodings (lines pasted from a GBK file), not a GB18030 file.
_MIXED_AFTER = 16


class ImportFailed(RuleViolation):
    """The file as a whole cannot be read (kind, encoding, header, size); nothing is
    imported. A RuleViolation on the field "file", so that a form shows it there."""

    def __init__(self, message: Any, code: str = "file_unreadable"):
        super().__init__("file", message, code)


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str | None
    message: Any  # a (lazy) translatable message

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"row {self.row} / 第{self.row}行: {field}{self.message}"


@dataclass
class Row:
    number: int  # the spreadsheet's row number
    record: dict[str, Any]
    problems: list[RowError] = field(default_factory=list)


@dataclass
class Sheet:
    """A whole file read at once (the command line; small files)."""

    records: list[dict[str, Any]]
    rows: list[int]  # the spreadsheet row of each record
    errors: list[RowError]
    ignored: list[str]  # header cells that name no column


def _norm(text: str) -> str:
    return " ".join((text or "").split()).lower()


def _columns(
    header: list[str], required: tuple[str, ...] = REQUIRED
) -> tuple[dict[str, int], list[str]]:
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
                _l(
                    "The column “%(column)s” appears twice (columns %(first)d and %(second)d).",
                    column=column_heading(column),
                    first=found[column] + 1,
                    second=position + 1,
                ),
                code="column_twice",
            )
        found[column] = position
    missing = [c for c in required if c not in found]
    if missing:
        raise ImportFailed(
            _l(
                "The first row must name the columns; missing: %(columns)s. Download the "
                "template to see them.",
                columns="、".join(column_heading(c) for c in missing),
            ),
            code="missing_columns",
        )
    return found, ignored


def column_heading(column: str) -> str:
    """A column's heading as the template writes it: its Chinese and English names."""
    return f"{HEADINGS[column]} {column}"


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


# --- what the file is ----------------------------------------------------------------------


def _not_a_table() -> ImportFailed:
    return ImportFailed(
        _l("This file is not a CSV or XLSX table. Save it from Excel or WPS as CSV or XLSX."),
        code="not_a_table",
    )


def file_kind(raw: bytes) -> str:
    """KIND_CSV or KIND_XLSX, as the content shows; anything else is refused."""
    if not raw:
        raise ImportFailed(_l("The file is empty."), code="empty")
    if len(raw) > rules.MAX_IMPORT_BYTES:
        raise ImportFailed(too_big_message(), code="too_big")
    if raw.startswith(_OLE2):
        raise ImportFailed(
            _l(
                "This is an old Excel file (.xls), which is not read. Open it in Excel or WPS "
                "and save it as XLSX or CSV."
            ),
            code="old_excel",
        )
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                names = set(zf.namelist())
                unpacked = sum(info.file_size for info in zf.infolist())
        except (zipfile.BadZipFile, OSError):
            raise _not_a_table() from None
        if "xl/workbook.xml" not in names:
            raise _not_a_table()
        if unpacked > rules.MAX_IMPORT_UNPACKED_BYTES:
            raise ImportFailed(too_big_message(), code="too_big")
        return KIND_XLSX
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return KIND_CSV  # text with NULs in it: see decode()
    if files.sniff(raw) is not None or b"\x00" in raw[:4096]:
        raise _not_a_table()  # a PDF, an image, other binary data
    return KIND_CSV


def too_big_message():
    return _l(
        "The file is larger than %(mb)d MB. Split it into several files.",
        mb=rules.MAX_IMPORT_BYTES // (1024 * 1024),
    )


def decode(raw: bytes) -> tuple[str, str]:
    """A CSV file's text and its encoding: UTF-8 (with or without BOM), UTF-16 with its BOM
    (Excel's "Unicode text"), else GB18030, the superset of the GBK that Chinese Excel and WPS
    write by default. A file that is none of them, or mixes two, is refused with its line."""
    if raw.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GB18030")]
    for codec, name in candidates:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError as exc:
            prefix = raw[: exc.start]
            line = prefix.count(b"\n") + 1
            if codec == "gb18030":
                message = _l(
                    "Line %(line)d cannot be read as text (neither UTF-8 nor GB18030). Save "
                    "the file again as “CSV UTF-8”.",
                    line=line,
                )
            elif codec == "utf-8" and len(prefix) - len(prefix.decode(codec)) < _MIXED_AFTER:
                continue  # no Chinese text in UTF-8 before the fault: try GB18030
            else:
                message = _l(
                    "Line %(line)d is not in the same text encoding as the lines before it "
                    "(%(encoding)s). Save the whole file again as “CSV UTF-8”.",
                    line=line,
                    encoding=name,
                )
            raise ImportFailed(message, code="encoding") from None
    raise AssertionError("unreachable")  # pragma: no cover


# --- the rows --------------------------------------------------------------------------------


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time (io.StringIO would copy the whole
    text into a buffer of four bytes a character). The csv module joins a quoted cell's
    lines itself."""
    # Old Excel for Mac ("CSV (Macintosh)") ends lines with a carriage return alone.
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    start, end = 0, len(text)
    while start < end:
        stop = text.find(newline, start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def _csv_rows(text: str) -> Iterator[list[str]]:
    first_line = next(_lines(text), "")
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(_lines(text), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFailed(
            _l(
                "Line %(line)d cannot be read as CSV (%(problem)s).",
                line=reader.line_num,
                problem=str(exc),
            ),
            code="csv",
        ) from None


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(raw: bytes) -> tuple[int | None, Iterator[list[str]]]:
    """The first sheet's rows, streamed, and how many rows the sheet says it has."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        estimate = sheet.max_row if sheet is not None else 0
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise _not_a_table() from None

    def rows() -> Iterator[list[str]]:
        try:
            if sheet is not None:
                for cells in sheet.iter_rows(values_only=True):
                    yield [_cell_text(v) for v in cells]
        except Exception:  # a sheet damaged further in
            raise _not_a_table() from None
        finally:
            workbook.close()

    return (estimate - 1 if estimate else None), rows()


class SheetReader:
    """A file opened for reading: its kind, its columns, then its rows one by one (a
    100,000-row file is never held as one list of rows)."""

    def __init__(
        self,
        raw: bytes,
        *,
        zone_name: str = "Asia/Shanghai",
        default_source: str | None = None,
        max_rows: int | None = None,
    ):
        self.kind = file_kind(raw)
        self.encoding: str | None = None
        # How many rows there will be, roughly (a progress bar's end; blank lines count).
        self.estimated_rows: int | None
        if self.kind == KIND_CSV:
            text, self.encoding = decode(raw)
            self.estimated_rows = max((text.count("\n") or text.count("\r")) - 1, 1)
            self._table = _csv_rows(text)
        else:
            self.estimated_rows, self._table = _xlsx_rows(raw)
        self.zone_name = zone_name
        self.default_source = default_source
        self.max_rows = max_rows or rules.MAX_IMPORT_ROWS
        header = next(self._table, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportFailed(
                _l("The file is empty: its first row must name the columns."), code="empty"
            )
        required = tuple(c for c in REQUIRED if not (c == "source" and default_source))
        self.columns, self.ignored = _columns(header, required)

    def rows(self) -> Iterator[Row]:
        """Every row that has a cell filled in, as a record and the problems of its cells."""
        count = 0
        for number, cells in enumerate(self._table, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave blank lines at the end
            count += 1
            if count > self.max_rows:
                raise ImportFailed(
                    _l(
                        "The file has more than %(n)s rows. Split it into several files.",
                        n=f"{self.max_rows:,}",
                    ),
                    code="too_many_rows",
                )
            yield self._row(number, cells)

    def _row(self, number: int, cells: list[str]) -> Row:
        row = Row(number, {})
        record = row.record
        for column, position in self.columns.items():
            value = cells[position] if position < len(cells) else ""
            if self.kind == KIND_CSV:
                if value.startswith("'"):
                    value = value[1:]  # the export's mark: text, not a formula
                elif _formula(value):
                    row.problems.append(
                        RowError(
                            number,
                            column,
                            _l(
                                "The cell starts like a spreadsheet formula; put an apostrophe "
                                "(') before it if it is text."
                            ),
                        )
                    )
                    continue
            if column == "source":
                value = value.strip()
                record[column] = SOURCE_NAMES.get(_norm(value), _norm(value).replace(" ", "_"))
            elif column == "submitted_at":
                try:
                    record[column] = _time(value, self.zone_name)
                except ValueError:
                    row.problems.append(
                        RowError(
                            number,
                            column,
                            _l(
                                "“%(value)s” is not a time: write it as 2026-11-05 09:30 "
                                "(Beijing time).",
                                value=value[:40],
                            ),
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
        if self.default_source and not record.get("source"):
            record["source"] = self.default_source
        return row


def read_sheet(
    raw: bytes, zone_name: str = "Asia/Shanghai", default_source: str | None = None
) -> Sheet:
    """The records of a whole file, with the cells that cannot be read reported per row."""
    reader = SheetReader(raw, zone_name=zone_name, default_source=default_source)
    sheet = Sheet([], [], [], reader.ignored)
    for row in reader.rows():
        sheet.errors.extend(row.problems)
        sheet.records.append(row.record)
        sheet.rows.append(row.number)
    return sheet


# --- the template ------------------------------------------------------------------------------

TEMPLATE_COLUMNS = (
    "source",
    "submitted_at",
    "author_name",
    "show_name",
    "contact",
    "body",
    "clause",
    "consent",
)
TEMPLATE_ROWS = (
    (
        "12345热线",
        "2026-03-03 09:30",
        "张女士",
        "否",
        "139 0000 0000",
        "建议在小区东门增设非机动车停放区，方便居民出行。",
        "2",
        "是",
    ),
    (
        "来信",
        "2026-03-04 15:00",
        "李先生",
        "是",
        "",
        "改造期间请保留临时停车位，并提前张贴施工公告。",
        "",
        "是",
    ),
)


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a BOM, so that Excel opens the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column_heading(c) for c in TEMPLATE_COLUMNS])
    writer.writerows(TEMPLATE_ROWS)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an XLSX workbook (every cell text, so Excel keeps the times and the
    phone numbers as written)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("意见 comments")
    sheet.append([column_heading(c) for c in TEMPLATE_COLUMNS])
    for row in TEMPLATE_ROWS:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
