"""The clock, aware UTC datetimes on every backend, and the audit log."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.core import audit
from consult.core import time as clock
from consult.core.audit import AuditEvent
from consult.core.time import ensure_utc
from consult.core.time import freeze
from consult.core.time import now_utc

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIDSUMMER = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


# --- the clock ---------------------------------------------------------------------------


def test_now_is_aware_utc_and_current():
    before = datetime.now(UTC)
    now = now_utc()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_freeze_pins_the_clock_and_releases_it():
    with freeze(MIDSUMMER):
        assert now_utc() == MIDSUMMER
        assert now_utc() == MIDSUMMER  # it does not move
    assert abs(now_utc() - datetime.now(UTC)) < timedelta(minutes=1)


def test_freezes_nest_and_unwind_in_order():
    later = MIDSUMMER + timedelta(hours=5)
    with freeze(MIDSUMMER):
        with freeze(later):
            assert now_utc() == later
        assert now_utc() == MIDSUMMER


def test_freeze_is_released_even_when_the_block_fails():
    with pytest.raises(KeyError), freeze(MIDSUMMER):
        raise KeyError("boom")
    assert abs(now_utc() - datetime.now(UTC)) < timedelta(minutes=1)


def test_freeze_accepts_any_zone_and_keeps_utc():
    with freeze(datetime(2026, 7, 1, 8, 0, tzinfo=SHANGHAI)):
        assert now_utc() == MIDSUMMER
        assert now_utc().tzinfo is UTC


def test_freeze_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="naive"), freeze(datetime(2026, 7, 1)):
        pass


def test_the_frozen_fixture_pins_the_clock(frozen):
    frozen(datetime(2026, 7, 1, tzinfo=UTC))
    assert now_utc() == MIDSUMMER
    frozen(datetime(2026, 7, 2))  # the fixture reads a naive time as UTC
    assert now_utc() == MIDSUMMER + timedelta(days=1)


def test_an_offset_moves_the_running_clock():
    try:
        clock.set_offset(timedelta(days=40))
        assert now_utc() - datetime.now(UTC) > timedelta(days=39)
    finally:
        clock.set_offset(timedelta(0))
    assert abs(now_utc() - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime(2026, 7, 1, 8, 0, tzinfo=SHANGHAI), MIDSUMMER),
        (datetime(2026, 6, 30, 20, 0, tzinfo=ZoneInfo("America/New_York")), MIDSUMMER),
        (MIDSUMMER, MIDSUMMER),
    ],
)
def test_ensure_utc_converts_aware_times(value, expected):
    result = ensure_utc(value)
    assert result == expected
    assert result.tzinfo is UTC


def test_ensure_utc_refuses_naive_times():
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 7, 1))


@pytest.mark.parametrize(
    "instant, local_day",
    [
        (datetime(2026, 6, 30, 15, 59, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2026, 6, 30, 16, 0, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_today_is_the_date_in_the_given_zone(frozen, instant, local_day):
    frozen(instant)
    assert clock.today_in(SHANGHAI) == local_day
    assert clock.today_in(clock.local_zone()) == local_day


@pytest.mark.parametrize(
    "instant, local_day",
    [
        (datetime(2026, 8, 31, 15, 59, tzinfo=UTC), date(2026, 8, 31)),
        (datetime(2026, 8, 31, 16, 0, tzinfo=UTC), date(2026, 9, 1)),
    ],
)
def test_the_local_date_follows_the_configured_zone(app, instant, local_day):
    with app.app_context():
        assert app.config["TIMEZONE"] == "Asia/Shanghai"
        assert clock.local_date_of(instant) == local_day


# --- UTCDateTime on the database ---------------------------------------------------------


def _event(**overrides) -> AuditEvent:
    data = {
        "occurred_at": MIDSUMMER,
        "object_type": "test",
        "object_id": 1,
        "action": "noted",
        "details": {},
        **overrides,
    }
    return AuditEvent(**data)


def test_an_aware_time_comes_back_as_the_same_instant_in_utc(db):
    event = _event(occurred_at=datetime(2026, 7, 1, 8, 0, tzinfo=SHANGHAI))
    db.session.add(event)
    db.session.flush()
    db.session.expire_all()
    loaded = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.id == event.id))
    assert loaded.occurred_at == MIDSUMMER
    assert loaded.occurred_at.utcoffset() == timedelta(0)
    assert loaded.occurred_at.tzinfo is UTC


def test_times_are_stored_as_utc(db):
    event = _event(occurred_at=datetime(2026, 7, 1, 8, 0, tzinfo=SHANGHAI))
    db.session.add(event)
    db.session.flush()
    raw = db.session.execute(
        sa.text("SELECT occurred_at FROM audit_event WHERE id = :id"), {"id": event.id}
    ).scalar_one()
    if db.engine.dialect.name == "sqlite":
        # SQLite has no zones: the column holds naive UTC.
        assert str(raw).startswith("2026-07-01 00:00:00")
    else:
        assert raw == MIDSUMMER


def test_comparisons_with_aware_times_work_across_zones(db):
    early = _event(occurred_at=datetime(2026, 7, 1, 7, 0, tzinfo=SHANGHAI), object_id=11)
    late = _event(occurred_at=datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI), object_id=12)
    db.session.add_all([early, late])
    db.session.flush()
    # 08:00 Shanghai is midnight UTC; the bound must be compared as the same instant.
    bound = datetime(2026, 6, 30, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    found = db.session.scalars(
        sa.select(AuditEvent.object_id).where(
            AuditEvent.object_type == "test", AuditEvent.occurred_at > bound
        )
    ).all()
    assert found == [12]


def test_a_naive_time_is_refused_on_the_way_in(db):
    with pytest.raises(sa.exc.StatementError, match="naive") as exc:  # noqa: SIM117
        with db.session.begin_nested():
            db.session.add(_event(occurred_at=datetime(2026, 7, 1, 8, 0)))
    assert isinstance(exc.value.orig, ValueError)


def test_a_naive_time_is_refused_in_a_query(db):
    with pytest.raises(sa.exc.StatementError, match="naive"):
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.occurred_at < datetime(2026, 7, 1))
        )


def test_null_times_stay_null(db, create_user):
    user = create_user("resident")
    db.session.flush()
    db.session.expire(user)
    assert user.last_login_at is None


# --- the audit log -----------------------------------------------------------------------


def test_record_writes_who_did_what_to_which_object_and_when(db, create_user, frozen):
    frozen(MIDSUMMER)
    actor = create_user("admin")
    event = audit.record(actor, "inspected", actor=actor, details={"why": "测试"})
    db.session.flush()
    assert (event.object_type, event.object_id) == ("user", actor.id)
    assert (event.action, event.actor_id, event.details) == ("inspected", actor.id, {"why": "测试"})
    assert event.occurred_at == MIDSUMMER


def test_record_flushes_a_new_object_to_learn_its_id(db):
    from consult.accounts.models import Department

    dept = Department(name="新部门", short_name="新")
    db.session.add(dept)
    event = audit.record(dept, "created", actor=SYSTEM)
    assert dept.id is not None
    assert event.object_id == dept.id
    assert event.actor_id is None
    assert event.details == {}


def test_events_come_back_in_the_order_they_happened(db):
    for action, at in (("b", MIDSUMMER), ("a", MIDSUMMER - timedelta(days=1)), ("c", MIDSUMMER)):
        audit.record_key("catalogue_year", 2026, action, actor=SYSTEM, now=at)
    audit.record_key("catalogue_year", 2027, "other", actor=SYSTEM, now=MIDSUMMER)
    db.session.flush()
    assert [e.action for e in audit.events_for("catalogue_year", 2026)] == ["a", "b", "c"]


def test_an_event_cannot_be_rewritten(db):
    event = audit.record_key("catalogue_year", 2026, "published", actor=SYSTEM, now=MIDSUMMER)
    db.session.flush()
    event.details = {"matters": 99}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_an_event_cannot_be_backdated(db):
    event = audit.record_key("catalogue_year", 2026, "published", actor=SYSTEM, now=MIDSUMMER)
    db.session.flush()
    event.occurred_at = MIDSUMMER - timedelta(days=30)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_an_event_cannot_be_removed(db):
    event = audit.record_key("catalogue_year", 2026, "published", actor=SYSTEM, now=MIDSUMMER)
    db.session.flush()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


# --- the test harness itself -------------------------------------------------------------


def test_the_per_test_session_runs_on_the_rolled_back_connection(db):
    """Otherwise whatever a view or the API commits would outlive the test."""
    connection = db.session.session_factory.kw["bind"]
    assert db.session.connection() is connection
    db.session.commit()
    assert db.session.connection() is connection
    assert connection.in_transaction()


def test_a_new_row_stamped_with_columns_it_lacks_is_refused(db):
    from consult.accounts.models import Department

    with pytest.raises(AttributeError, match="Department has no column published_at"):
        audit.added(
            Department(name="测试局", short_name="测"), "created", stamp="published", actor=SYSTEM
        )
