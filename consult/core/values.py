"""What any stored value must be, whatever the entry point (web form, API, CLI, job).

The services call these on what they are given, so a list where text belongs, a time in the
year 9999, a NUL or a lone surrogate is a RuleViolation with the field's name, never a
TypeError, an OverflowError or a database error. `schemas.py` modules state the same bounds
to API clients by importing them from here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.core.errors import RuleViolation

# Times a service accepts. Wide enough for any plan, narrow enough that showing one in any
# time zone, or adding a feedback period to it, stays within what datetime can hold.
TIME_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIME_MAX = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
DATE_MIN = TIME_MIN.date()
DATE_MAX = TIME_MAX.date()
# Ids, counts and page numbers fit the databases' 32-bit INTEGER.
INT_MAX = 2**31 - 1
# A whole number as text: ASCII digits (not "²" or "٣", which isdigit() takes), one sign.
_WHOLE = re.compile(r"\s*[+-]?[0-9]{1,19}\s*")
# Whitespace that text may contain; every other control character is refused.
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def unstorable(text: str) -> bool:
    """Whether `text` holds what no database stores faithfully: NUL and other control
    characters (PostgreSQL refuses NUL), lone surrogates (not UTF-8 at all)."""
    return any(
        unicodedata.category(ch) in ("Cc", "Cs") and ch not in _ALLOWED_CONTROLS for ch in text
    )


def text(
    value: Any,
    field: str,
    limit: int,
    *,
    required: bool = False,
    minimum: int = 0,
    message=None,
) -> str:
    """Trimmed text of at most `limit` characters ("" when empty and not required)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RuleViolation(field, _l("Enter text."))
    cleaned = value.strip()
    if required and not cleaned:
        raise RuleViolation(field, message or _l("This field is required."))
    if cleaned and len(cleaned) < minimum:
        raise RuleViolation(field, _l("Write at least %(n)d characters.", n=minimum))
    if len(cleaned) > limit:
        raise RuleViolation(field, _l("At most %(n)d characters.", n=limit))
    if unstorable(cleaned):
        raise RuleViolation(field, _l("The text contains characters that cannot be stored."))
    return cleaned


def required_text(data: dict[str, Any], field: str, limit: int, message) -> str:
    """`data[field]` as `text`, which must be given: `message` says what to enter."""
    return text(data.get(field), field, limit, required=True, message=message)


def texts(data: dict[str, Any], fields: Iterable[tuple[str, int, Any]]) -> dict[str, str]:
    """Each of `fields`, (name, limit, message), from `data` as `text`, in their order:
    required with `message` saying what to enter, optional where the message is None."""
    return {
        name: text(data.get(name), name, limit, required=message is not None, message=message)
        for name, limit, message in fields
    }


def optional_text(value: Any, field: str, limit: int) -> str | None:
    return text(value, field, limit) or None


def search_query(value: Any, limit: int) -> str:
    """A search box's text: trimmed; too long or unstorable is refused, not cut."""
    return text(value, "q", limit)


def moment(value: Any, field: str, *, required: bool = True) -> datetime | None:
    """An aware datetime (or ISO 8601 text with a UTC offset) between TIME_MIN and TIME_MAX,
    returned in UTC."""
    value = _parsed(value, field, required, datetime.fromisoformat, _ISO_TIME)
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(field, _ISO_TIME)
    # Compared before converting: 9999-12-31T23:59:59-12:00 cannot be converted at all.
    if not _within(value):
        raise RuleViolation(field, _time_range_message())
    return value.astimezone(UTC)


_ISO_TIME = _l("Use ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00+08:00.")
_ISO_DATE = _l("Use a date as YYYY-MM-DD.")


def _parsed(value: Any, field: str, required: bool, parse, message) -> Any:
    """None for an empty value (refused if required), text parsed, anything else as given."""
    if value is None or value == "":
        if required:
            raise RuleViolation(field, _l("This field is required."))
        return None
    if isinstance(value, str):
        try:
            return parse(value.strip())
        except ValueError:
            raise RuleViolation(field, message) from None
    return value


def _within(value: datetime) -> bool:
    try:
        return TIME_MIN <= value <= TIME_MAX
    except OverflowError:
        return False


def day(value: Any, field: str, *, required: bool = True) -> date | None:
    """A calendar date (or YYYY-MM-DD text) between DATE_MIN and DATE_MAX."""
    value = _parsed(value, field, required, date.fromisoformat, _ISO_DATE)
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise RuleViolation(field, _ISO_DATE)
    if not DATE_MIN <= value <= DATE_MAX:
        raise RuleViolation(field, _time_range_message())
    return value


def whole(
    value: Any,
    field: str,
    *,
    minimum: int | None = None,
    maximum: int = INT_MAX,
    required: bool = True,
    message=None,
) -> int | None:
    """A whole number within bounds: an int, an integral float (1.0, as JSON may send it) or
    its decimal text. Booleans, 1e300, Infinity and NaN are refused."""
    if value is None or value == "":
        if required:
            raise RuleViolation(field, message or _l("This field is required."))
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value) if abs(value) <= 2**53 else None
    elif isinstance(value, str) and _WHOLE.fullmatch(value):
        number = int(value)
    if number is None:
        raise RuleViolation(field, message or _l("Enter a whole number."))
    low = -INT_MAX - 1 if minimum is None else minimum
    if not low <= number <= maximum:
        raise RuleViolation(
            field, message or _l("Enter a number from %(low)d to %(high)d.", low=low, high=maximum)
        )
    return number


def _time_range_message():
    return _l(
        "Enter a time between %(start)s and %(end)s.",
        start=DATE_MIN.isoformat(),
        end=DATE_MAX.isoformat(),
    )


# --- the backstop ---------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _refuse_unstorable_values(session: Session, _ctx, _instances) -> None:
    """Whatever a service missed, no text the databases would refuse or change (PostgreSQL
    refuses NUL, neither stores a lone surrogate) and no time outside the bounds reaches an
    INSERT or UPDATE: the flush raises the RuleViolation instead of the driver's error."""
    for obj in (*session.new, *session.dirty):
        state = sa.inspect(obj)
        new = obj in session.new
        for attr in state.mapper.column_attrs:
            if attr.key not in state.dict:
                continue
            if not new and not state.attrs[attr.key].history.has_changes():
                continue
            value = state.dict[attr.key]
            if isinstance(value, str):
                if unstorable(value):
                    raise RuleViolation(
                        attr.key, _l("The text contains characters that cannot be stored.")
                    )
            elif isinstance(value, datetime):
                if value.tzinfo is not None and not _within(value):
                    raise RuleViolation(attr.key, _time_range_message())
            elif isinstance(value, date) and not DATE_MIN <= value <= DATE_MAX:
                raise RuleViolation(attr.key, _time_range_message())
