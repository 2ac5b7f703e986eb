"""Working days (工作日): the calendar that deadlines counted in working days use.

A working day is a day the government offices are open: Monday to Friday, less the public
holidays, plus the weekend days worked in exchange (调休), as the State Council publishes them
each year. `chinese_calendar` (MIT) carries those published schedules; for a year it does not
know yet (the schedule comes out in the November before), a deployment states it in its
configuration (DAYS_OFF, WEEKEND_WORKDAYS: ISO dates, comma-separated) until the package
carries it; stated days win over the package's. A year known to neither counts Monday to
Friday.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from functools import lru_cache

import chinese_calendar


def _configured(key: str) -> frozenset[date]:
    from flask import current_app
    from flask import has_app_context

    return _dates(tuple(current_app.config.get(key) or ())) if has_app_context() else frozenset()


@lru_cache(maxsize=8)
def _dates(days: tuple[date, ...]) -> frozenset[date]:
    return frozenset(days)


def is_working_day(day: date) -> bool:
    if day in _configured("DAYS_OFF"):
        return False
    if day in _configured("WEEKEND_WORKDAYS"):
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year whose schedule the package does not carry
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself does not count): a question
    asked on a Friday with 1 working day is due on the Monday."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if `end` is not
    after `start`): answered the next working day is 1."""
    if end <= start:
        return 0
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(n)))
