"""Consultation rules: the comment window, clause numbering. Pure functions and constants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.consultations.models import ActivityKind
from consult.consultations.models import ConsultationStatus
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind

# Rule 1: a call for comments runs no fewer than 30 days (一般不少于30日). A deployment may
# configure a longer minimum, never a shorter one.
MIN_COMMENT_WINDOW = timedelta(days=30)
# A form filled in a little before the hour it names is not "in the past".
OPENING_GRACE = timedelta(minutes=5)

MAX_TITLE = 200
MAX_TEXT = 200_000
MAX_CONTACT = 200
MAX_REASON = 2000  # why a closing time moved
MAX_PLACE = 200  # where an offline activity was held
MAX_PARTICIPANTS = 100_000
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

STATUS_LABELS, ACTIVITY_LABELS = labels_by_kind(
    (
        ConsultationStatus,
        ActivityKind,
    ),
    {
        ConsultationStatus.SCHEDULED: _l("Upcoming"),
        ConsultationStatus.OPEN: _l("Open for comments"),
        ConsultationStatus.CLOSED: _l("Closed"),
        ConsultationStatus.FEEDBACK_PUBLISHED: _l("Feedback published"),
        ActivityKind.SYMPOSIUM: _l("Symposium"),
        ActivityKind.HEARING: _l("Hearing"),
        ActivityKind.FIELD_VISIT: _l("Field visit"),
    },
)


def minimum_window(configured: timedelta | int | None) -> timedelta:
    """The window a deployment enforces: its configured value, but never below 30 days."""
    if configured is None:
        return MIN_COMMENT_WINDOW
    if isinstance(configured, int | float):
        configured = timedelta(days=configured)
    return max(MIN_COMMENT_WINDOW, configured)


def _days(window: timedelta) -> int:
    return int(window.total_seconds() // 86400)


def _check_length(opens_at: datetime, closes_at: datetime, minimum: timedelta) -> None:
    """Rule 1: the window lasts at least `minimum`."""
    if closes_at - opens_at < minimum:
        raise RuleViolation(
            "closes_at",
            _l(
                "The comment window must last at least %(days)d days (closing minus opening).",
                days=_days(minimum),
            ),
        )


def check_window(
    opens_at: datetime, closes_at: datetime, now: datetime, minimum: timedelta
) -> None:
    """A new window: opens now or later, closes after it opens, lasts at least `minimum`."""
    if opens_at < now - OPENING_GRACE:
        raise RuleViolation("opens_at", _l("The opening time is in the past."))
    if closes_at <= opens_at:
        raise RuleViolation("closes_at", _l("The closing time must be after the opening time."))
    _check_length(opens_at, closes_at, minimum)


def check_new_closing(
    opens_at: datetime,
    old_closes_at: datetime,
    new_closes_at: datetime,
    now: datetime,
    minimum: timedelta,
) -> None:
    """Moving the closing time of a window: never into the past, never below the minimum."""
    if old_closes_at <= now:
        raise RuleViolation("closes_at", _l("This consultation has already closed."))
    if new_closes_at <= now:
        raise RuleViolation("closes_at", _l("The new closing time is in the past."))
    _check_length(opens_at, new_closes_at, minimum)


def time_left(closes_at: datetime, now: datetime) -> tuple[int, int]:
    """(days, hours) until closing, rounded down; (0, 0) once closed."""
    remaining = max(closes_at - now, timedelta(0))
    seconds = int(remaining.total_seconds())
    return seconds // 86400, (seconds % 86400) // 3600


_CN_NUMERALS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_NUMERALS:
            current = _CN_NUMERALS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            raise ValueError(text)
    return total + current


_CLAUSE = re.compile(r"^\s*(第([零〇一二两三四五六七八九十百千\d]+)条)[\s　]*", re.MULTILINE)


@dataclass(frozen=True)
class DraftClause:
    number: int
    heading: str
    text: str


def split_draft(text: str) -> tuple[str, list[DraftClause]]:
    """Split a draft into its preamble and numbered clauses (第一条 …).

    Clauses must be numbered 1, 2, 3 … in order; a draft without any 第…条 is all preamble
    (comments then address the draft as a whole)."""
    text = (text or "").replace("\r\n", "\n").strip()
    matches = list(_CLAUSE.finditer(text))
    if not matches:
        return text, []
    preamble = text[: matches[0].start()].strip()
    clauses = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        number = chinese_number(match.group(2))
        if number != i + 1:
            raise RuleViolation(
                "draft",
                _l(
                    "The clauses must be numbered in order: expected article %(expected)d, found “%(found)s”.",
                    expected=i + 1,
                    found=match.group(1),
                ),
            )
        body = text[match.end() : end].strip()
        if not body:
            raise RuleViolation("draft", _l("“%(heading)s” has no text.", heading=match.group(1)))
        clauses.append(DraftClause(number, match.group(1), body))
    return preamble, clauses


# Item markers inside a clause: （一） (一) （1） (1) 1. 1． 1、 一、. A marker starts an item
# only at the start of the text or after a line break, a space or the punctuation that ends
# a lead-in or an item (：；。:;); "依照本条第（一）项" or "3.2万户" therefore stay as written.
_ITEM = re.compile(
    r"(?:(?<=^)|(?<=[\n：；。:;\s]))"
    r"(?=(?:[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2})[）)])"
    r"|(?:\d{1,2}[.．、](?!\d))"
    r"|(?:[一二三四五六七八九十]{1,3}、))",
    re.M,
)


@dataclass(frozen=True)
class ClauseLine:
    text: str
    item: bool  # starts with an item marker (（一）, 1. …)


def clause_lines(text: str | None) -> list[ClauseLine]:
    """A clause's text as the lines a reader expects: its lead-in, then each item
    (（一）…（二）…, 1. 2. …) on its own line, also when they were typed in one paragraph.
    The stored text is not changed; only its display is."""
    lines: list[ClauseLine] = []
    for paragraph in (text or "").replace("\r\n", "\n").split("\n"):
        cuts = [m.start() for m in _ITEM.finditer(paragraph)]
        bounds = sorted({0, *cuts, len(paragraph)})
        for start, end in zip(bounds, bounds[1:], strict=False):
            piece = paragraph[start:end].strip()
            if piece:
                lines.append(ClauseLine(piece, start in cuts))
    return lines
