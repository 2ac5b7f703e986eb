"""The files of comments the demo's staff upload in the browser (story/comments.toml,
`uploads`): the 12345 hotline's export of the month's work orders as an XLSX workbook, the
letters from the community mailboxes as a CSV, each row drawn by a seeded random generator from
the story's words (the same file every time), with the cells the story says were typed wrong.

The files are what the hotline's system and a street office's spreadsheet would produce: the
columns the import reads under their Chinese names, and a few it does not (the work order's
number, the department handling it), which the preview lists as ignored."""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

from consult.comments import intake
from consult.demo.story import schema

# The file's columns, in order: the import's (by the headings the template writes) and the
# export's own, which the import does not read.
COLUMNS = ("source", "submitted_at", "author_name", "contact", "body", "clause", "show_name")
SOURCE_CELLS = {"hotline": "12345热线", "mailbox": "意见箱", "letter": "来信"}
_PHONE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "186")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    rows: int


def _heading(column: str) -> str:
    return intake.HEADINGS[column]


def rows(
    upload: schema.Upload,
    words: schema.RowWordsOf,
    opens_at: datetime,
    zone: tzinfo,
    until: datetime,
) -> list[dict[str, str]]:
    """The file's rows as cells (text, as a spreadsheet holds them), received from the
    upload's `first_day` until just before `until`, in the order received."""
    r = random.Random(upload.seed)
    topics = [t for t in words.topics for _ in range(t.weight)]
    openings = words.openings.get(upload.source) or [""]
    first_day = opens_at.astimezone(zone).date() + timedelta(days=upload.first_day)
    start = max(datetime.combine(first_day, time(8), tzinfo=zone), opens_at.astimezone(zone))
    end = until.astimezone(zone)
    span = max(int((end - start).total_seconds() // 60) - 1, upload.rows)
    moments = sorted(start + timedelta(minutes=r.randrange(span)) for _ in range(upload.rows))
    out = []
    for moment in moments:
        if not 8 <= moment.hour < 21:  # the hotline's operators take calls 8:00–21:00
            moment = moment.replace(hour=8 + moment.hour % 13)
        moment = max(min(moment, end - timedelta(minutes=1)), start)
        estate = r.choice(words.estates)
        topic = r.choice(topics)
        asks = r.sample(topic.asks, min(len(topic.asks), 2 if r.random() < 0.5 else 1))
        body = (
            r.choice(openings).format(e=estate)
            + r.choice(topic.reports).format(e=estate)
            + r.choice(words.details).format(e=estate)
            + words.ask.get(upload.source, "")
            + words.also.join(a.format(e=estate) for a in asks)
        )
        phone = f"{r.choice(_PHONE_PREFIXES)}****{r.randrange(10_000):04d}"
        out.append(
            {
                "source": SOURCE_CELLS[upload.source],
                "submitted_at": moment.strftime("%Y-%m-%d %H:%M"),
                "author_name": r.choice(words.surnames) + r.choice(words.titles),
                "contact": phone,
                "body": body,
                "clause": str(topic.clause) if topic.clause else "",
                "show_name": "否",
            }
        )
    out.sort(key=lambda row: row["submitted_at"])
    for cell in upload.broken:
        row = out[cell.row - 2]
        received = datetime.strptime(row["submitted_at"], "%Y-%m-%d %H:%M")
        row[cell.column] = cell.value.format(m=received.month, d=received.day)
    return out


def build(
    upload: schema.Upload,
    words: schema.RowWordsOf,
    opens_at: datetime,
    zone: tzinfo,
    uploaded_at: datetime,
) -> Upload:
    """The file as it is uploaded: an XLSX workbook or a CSV (UTF-8 with a BOM, as Excel
    saves "CSV UTF-8"), by the name the story gives it."""
    cells = rows(upload, words, opens_at, zone, uploaded_at)
    broken = {cell.row - 2 for cell in upload.broken if cell.column == "submitted_at"}
    months = Counter(row["submitted_at"][5:7] for n, row in enumerate(cells) if n not in broken)
    filename = upload.filename.replace("{m}", str(int(months.most_common(1)[0][0])))
    header = [_heading(c) for c in COLUMNS] + list(words.extra_columns)
    day_of = uploaded_at.astimezone(zone).strftime("%Y%m%d")
    table = [[row[c] for c in COLUMNS] + _extra(words, day_of, n) for n, row in enumerate(cells, 1)]
    if filename.endswith(".xlsx"):
        data = _xlsx(header, table)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(table)
        data = codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
    return Upload(filename, data, len(cells))


def _extra(words: schema.RowWordsOf, day_of: str, n: int) -> list[str]:
    """The export's own columns: the work order's number, who handles it, its state."""
    values = {
        "工单编号": f"DH{day_of}{n:05d}",
        "承办单位": words.handled_by,
        "办理状态": "已转办",
    }
    return [values.get(column, "") for column in words.extra_columns]


def _xlsx(header: list[str], table: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单明细")
    sheet.append(header)
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
