"""The only clock. Tests move it with `freeze(...)`; everything else calls `now_utc()`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

_frozen: datetime | None = None
_offset = timedelta(0)


def now_utc() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


@contextlib.contextmanager
def freeze(at: datetime) -> Iterator[None]:
    """Pin the clock at `at` (aware) for the duration of the block."""
    global _frozen
    previous = _frozen
    _frozen = ensure_utc(at)
    try:
        yield
    finally:
        _frozen = previous


def set_offset(delta: timedelta) -> None:
    """Shift the running clock (used by the browser journeys that move past a deadline)."""
    global _offset
    _offset = delta


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: every time in Consult carries its zone")
    return value.astimezone(UTC)


def local_zone(name: str = "Asia/Shanghai") -> ZoneInfo:
    return ZoneInfo(name)


def today_in(zone: ZoneInfo) -> date:
    return now_utc().astimezone(zone).date()


def configured_zone_name() -> str:
    """The name of the zone the deployment shows times in: its TIMEZONE (Asia/Shanghai by
    default, and outside an app)."""
    from flask import current_app
    from flask import has_app_context

    if has_app_context():
        return current_app.config.get("TIMEZONE", "Asia/Shanghai")
    return "Asia/Shanghai"


def configured_zone() -> ZoneInfo:
    """The configured zone (`configured_zone_name`) itself."""
    return local_zone(configured_zone_name())


def local_date_of(moment: datetime) -> date:
    """The calendar date of `moment` in the configured zone."""
    return moment.astimezone(configured_zone()).date()


def local_today() -> date:
    """Today's date in the configured zone."""
    return local_date_of(now_utc())


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend; SQLite has no zone, so it stores naive UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = ensure_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def from_local(naive: datetime | None, zone_name: str = "Asia/Shanghai") -> datetime | None:
    """A wall-clock time typed in a form (local zone) as an aware UTC datetime."""
    if naive is None:
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC)


def to_local_input(value: datetime | None, zone_name: str = "Asia/Shanghai") -> datetime | None:
    """An aware datetime as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None, second=0, microsecond=0)


def require_aware(value: object, field: str) -> datetime:
    """A date and time with its zone, as services need it; anything else is refused on `field`."""
    from flask_babel import lazy_gettext as _l

    from consult.core.errors import RuleViolation

    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise RuleViolation(field, _l("Enter a date and time."))
    from consult.core import values

    return values.moment(value, field)
