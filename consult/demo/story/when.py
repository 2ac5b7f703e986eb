"""When things happen in the story: one small grammar for every date and time in its files, all
of them counted from the day the demo is seeded.

A day:
- ``"04-15"``: 15 April of the year of its table: the catalogue's year in a catalogue and in its
  matters' consultations, this year everywhere else; ``"{Y-1}-11-16"``, ``"{Y+1}-01-16"``: of
  the year before or after that one;
- ``"today"``, ``"today-10d"``, ``"today+3d"``: days from today;
- ``"thursday next week"`` (any weekday), ``"thursday next week -2d"``.

A moment is a day and a time of day, Beijing time (the platform's ``TIMEZONE``):
``"04-15 10:00"``, ``"today-3d 14:30"``; or a moment counted from now in days, hours and minutes:
``"now-12min"``, ``"next half-hour -1d-2h"`` (the first full or half hour after now).

Within a consultation, days are counted from its opening day: ``day = 3`` and ``at = "07:55"``.
Texts name years the same way: ``"（{Y}—{Y+4}年）"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WHEN = re.compile(
    r"(?:(?P<today>today)|(?P<now>now)|(?P<half>next half-hour)"
    rf"|(?P<weekday>{'|'.join(WEEKDAYS)}) next week"
    r"|(?:\{Y(?P<year>[+-]\d+)?\}-)?(?P<month>\d\d)-(?P<day>\d\d))"
    r"(?P<offsets>(?: ?[+-]\d+(?:d|h|min))*)"
    r"(?: (?P<time>\d\d:\d\d))?"
)
_OFFSET = re.compile(r"([+-]\d+)(d|h|min)")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "min": timedelta(minutes=1)}
_YEAR = re.compile(r"\{Y([+-]\d+)?\}")
EXAMPLES = (
    "write e.g. '04-15', '{Y-1}-04-15', 'today-10d', 'thursday next week', with ' 14:30' for a "
    "time of day; or 'now-12min', 'next half-hour -1d'"
)


class StoryError(ValueError):
    """A story file says something the demo cannot replay; the message names the file and the
    entry."""


def local(day: date, hhmm_text: str, zone: tzinfo) -> datetime:
    """A local day and "HH:MM" → UTC."""
    return datetime.combine(day, hhmm(hhmm_text), zone).astimezone(UTC)


def hhmm(text: str) -> time:
    """ "14:30" → 14:30."""
    if not re.fullmatch(r"\d\d:\d\d", text):
        raise ValueError(f"{text!r} is not a time of day: write 'HH:MM', e.g. '09:30'")
    hour, minute = int(text[:2]), int(text[3:])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day")
    return time(hour, minute)


@dataclass(frozen=True)
class When:
    """A parsed date or moment; `Clock.day` and `Clock.moment` resolve it."""

    text: str
    anchor: str  # "calendar" | "today" | "weekday" | "now" | "half-hour"
    year: int = 0  # calendar: years after the table's year
    month: int = 0
    day: int = 0
    weekday: int = 0
    offset: timedelta = timedelta()
    at: time | None = None
    where: str = field(default="", compare=False)  # file and entry, for errors

    @property
    def is_moment(self) -> bool:
        return self.at is not None or self.anchor in ("now", "half-hour")


def parse(text: object, *, moment: bool) -> When:
    """Read one date (`moment=False`) or moment; a ValueError says what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date: {EXAMPLES}")
    m = _WHEN.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a date: {EXAMPLES}")
    offsets = _OFFSET.findall(m["offsets"])
    offset = sum((int(n) * _UNITS[unit] for n, unit in offsets), timedelta())
    at = hhmm(m["time"]) if m["time"] else None
    if m["now"] or m["half"]:
        if at is not None:
            raise ValueError(f"{text!r}: a moment counted from now takes no time of day")
        when = When(text, "now" if m["now"] else "half-hour", offset=offset)
    else:
        if any(unit != "d" for _n, unit in offsets):
            raise ValueError(f"{text!r}: hours and minutes count from 'now' or 'next half-hour'")
        if m["month"]:
            if offsets:
                raise ValueError(f"{text!r}: a calendar day takes no offset; write the day")
            month, day = int(m["month"]), int(m["day"])
            try:
                date(2000, month, day)  # a leap year: 02-29 is a day (in leap years)
            except ValueError:
                raise ValueError(f"{text!r}: there is no such day") from None
            when = When(text, "calendar", int(m["year"] or 0), month, day, at=at)
        elif m["weekday"]:
            when = When(text, "weekday", weekday=WEEKDAYS.index(m["weekday"]), offset=offset, at=at)
        else:
            when = When(text, "today", offset=offset, at=at)
    if moment and not when.is_moment:
        raise ValueError(f"{text!r} is a day; a moment needs a time of day, e.g. '{text} 10:00'")
    if not moment and when.is_moment:
        raise ValueError(f"{text!r} is a moment; write a day, without a time")
    return when


def check_years(text: str) -> str:
    """A text may name years as {Y}, {Y+1}, {Y-1}; any other {…} is a mistake."""
    for brace in re.findall(r"\{[^{}]*\}", text):
        if not _YEAR.fullmatch(brace):
            raise ValueError(f"{brace} in a text: write years as {{Y}}, {{Y+1}} or {{Y-1}}")
    return text


@dataclass(frozen=True)
class Clock:
    """The moment the demo is seeded, and the year its dates and texts are counted from."""

    now: datetime  # aware, UTC
    zone: tzinfo
    year: int

    @classmethod
    def seeded(cls, now: datetime, zone: tzinfo) -> Clock:
        return cls(now, zone, now.astimezone(zone).year)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def of_year(self, offset: int) -> Clock:
        """The clock of a table dated `offset` years from this year."""
        return replace(self, year=self.today.year + offset)

    def day(self, when: When) -> date:
        if when.anchor == "calendar":
            try:
                return date(self.year + when.year, when.month, when.day)
            except ValueError:
                raise StoryError(
                    f"{when.where}: {when.text!r} is no day in {self.year + when.year}"
                ) from None
        if when.anchor == "weekday":
            monday = self.today - timedelta(days=self.today.weekday())
            return monday + timedelta(days=7 + when.weekday) + when.offset
        if when.anchor == "today":
            return self.today + when.offset
        raise StoryError(f"{when.where}: {when.text!r} is a moment, not a day")

    def moment(self, when: When) -> datetime:
        if when.anchor == "now":
            return self.now + when.offset
        if when.anchor == "half-hour":
            hour = self.now.replace(minute=0, second=0, microsecond=0)
            return hour + timedelta(minutes=30 * (self.now.minute // 30 + 1)) + when.offset
        if when.at is None:
            raise StoryError(f"{when.where}: {when.text!r} is a day, not a moment")
        return datetime.combine(self.day(when), when.at, self.zone).astimezone(UTC)

    def text(self, text: str) -> str:
        """{Y}, {Y+1}, {Y-1} → the years they name."""
        return _YEAR.sub(lambda m: str(self.year + int(m[1] or 0)), text)
