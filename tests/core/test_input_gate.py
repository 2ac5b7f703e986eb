"""The services are the gate: whatever a caller puts in `data` (the CLI, a form, a job, a
program), they answer with a RuleViolation (or Forbidden / NotFound), never a TypeError,
an OverflowError or a database error. Property-based: hypothesis fills the fields with
values of every JSON type and worse (huge numbers, NaN, NUL, lone surrogates, year 9999)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from tests.helpers import NOW

REFUSALS = (RuleViolation, Forbidden, NotFound)

anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["\x00", "\ud800", "a\x00b", " ", "2026-13-45", "9999-12-31T23:59:59-12:00"])
    | st.datetimes(timezones=st.just(UTC))
    | st.datetimes()
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
CHECKED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _refused_or_done(db, call) -> None:
    nested = db.session.begin_nested()
    try:
        call()
    except REFUSALS:
        pass
    finally:
        nested.rollback()


# --- core.values --------------------------------------------------------------------------


@given(anything)
@CHECKED
def test_text_is_text_or_a_refusal(value):
    try:
        result = values.text(value, "f", 20)
    except RuleViolation as exc:
        assert exc.field == "f"
    else:
        assert isinstance(result, str) and len(result) <= 20 and not values.unstorable(result)


@given(anything)
@CHECKED
def test_a_moment_is_an_aware_time_within_bounds_or_a_refusal(value):
    try:
        result = values.moment(value, "t")
    except RuleViolation as exc:
        assert exc.field == "t"
    else:
        assert result.tzinfo is not None and values.TIME_MIN <= result <= values.TIME_MAX
        # Shown in any zone, moved by a feedback period: never an OverflowError.
        result.astimezone(UTC) + timedelta(days=400)


@given(anything)
@CHECKED
def test_a_whole_number_fits_the_database_or_is_refused(value):
    try:
        result = values.whole(value, "n", minimum=1)
    except RuleViolation as exc:
        assert exc.field == "n"
    else:
        assert type(result) is int and 1 <= result <= values.INT_MAX


@pytest.mark.parametrize("value", ["--5", "+-3", "²", "٣", "1_000", "12.5", " "])
def test_text_that_is_not_a_decimal_whole_number_is_refused_not_a_500(value):
    with pytest.raises(RuleViolation) as refused:
        values.whole(value, "n", minimum=1)
    assert refused.value.field == "n"


def test_the_bounds_are_refused_just_outside():
    assert values.moment("2100-12-31T23:59:59+00:00", "t") == values.TIME_MAX
    for outside in (
        "2101-01-01T00:00:00+00:00",
        "1999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-12:00",
    ):
        with pytest.raises(RuleViolation):
            values.moment(outside, "t")
    with pytest.raises(RuleViolation):
        values.day(date(2101, 1, 1), "d")
    with pytest.raises(RuleViolation):
        values.moment(datetime(2026, 1, 1), "t")  # no zone


# --- the services -------------------------------------------------------------------------


@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: anything
            for k in (
                "year",
                "title",
                "summary",
                "department_id",
                "planned_time",
                "hearing",
                "procedures",
                "reason",
            )
        },
    )
)
@CHECKED
def test_creating_a_matter_refuses_whatever_it_cannot_take(district, db, data):
    from consult.catalogue import services

    _refused_or_done(db, lambda: services.create_matter(data, actor=district.admin))


@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: anything
            for k in ("title", "draft", "explanation", "contact", "opens_at", "closes_at")
        },
    )
)
@CHECKED
def test_opening_a_consultation_refuses_whatever_it_cannot_take(district, db, data):
    from consult.consultations import services

    matter = district.matters["waste"]
    _refused_or_done(db, lambda: services.open_consultation(matter, data, actor=district.admin))


@given(anything, anything)
@CHECKED
def test_changing_a_closing_time_refuses_whatever_it_cannot_take(district, db, closes_at, reason):
    from consult.consultations import services

    b = district.consultations["b"]
    _refused_or_done(
        db, lambda: services.change_closing(b, closes_at, reason, actor=district.admin)
    )


@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: anything
            for k in (
                "source",
                "activity_id",
                "received_at",
                "clause",
                "author_name",
                "show_name",
                "contact",
                "body",
            )
        },
    )
)
@CHECKED
def test_an_offline_comment_refuses_whatever_it_cannot_take(district, db, data):
    from consult.comments import services

    b = district.consultations["b"]
    _refused_or_done(db, lambda: services.enter_offline_comment(b, data, actor=district.admin))


@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: anything
            for k in ("author_name", "show_name", "contact", "body", "clause", "consent")
        },
    )
)
@CHECKED
def test_a_resident_comment_refuses_whatever_it_cannot_take(district, db, data):
    from consult.comments import services

    b = district.consultations["b"]

    def submit():
        services.store_comment(services.check_comment(b.id, data, ip="203.0.113.9"))

    _refused_or_done(db, submit)


@given(st.lists(anything, max_size=3))
@CHECKED
def test_an_import_refuses_whatever_it_cannot_take(district, db, records):
    from consult.comments import services

    b = district.consultations["b"]
    _refused_or_done(db, lambda: services.import_comments(b, records, actor=district.admin))


@given(anything, anything, anything)
@CHECKED
def test_answering_a_comment_refuses_whatever_it_cannot_take(
    district, db, disposition, reason, ref
):
    from consult.feedback import services

    comment = district.comments["a1"]
    data = {"disposition": disposition, "reason": reason, "duplicate_of": ref}
    _refused_or_done(db, lambda: services.correct_disposition(comment, data, actor=district.admin))


@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: anything
            for k in (
                "kind",
                "title",
                "place",
                "starts_at",
                "ends_at",
                "registration_deadline",
                "seats",
                "department_id",
                "agenda",
            )
        },
    )
)
@CHECKED
def test_scheduling_a_meeting_refuses_whatever_it_cannot_take(district, db, data):
    from consult.meetings import services

    _refused_or_done(db, lambda: services.create_meeting(data, actor=district.admin))


@given(anything, anything)
@CHECKED
def test_a_draw_refuses_whatever_it_cannot_take(district, db, seed, quotas):
    from consult.meetings import services

    meeting = district.meetings["m2"]
    _refused_or_done(
        db,
        lambda: services.run_draw(meeting, {"seed": seed, "quotas": quotas}, actor=district.admin),
    )


@given(anything)
@CHECKED
def test_a_check_in_refuses_whatever_it_cannot_take(district, db, code):
    from consult.meetings import services

    meeting = district.meetings["m1"]
    _refused_or_done(db, lambda: services.check_in(meeting, code, actor=district.admin))


@given(anything, anything)
@CHECKED
def test_logging_in_refuses_whatever_it_cannot_take(district, db, email, password):
    from consult.accounts import services

    _refused_or_done(db, lambda: services.authenticate(email, password, now=NOW))


@pytest.mark.parametrize("title", ["停车\x00设施", "\ud800"])
def test_the_flush_refuses_what_a_service_missed(district, db, title):
    """The backstop: whatever reaches the session unchecked is refused at the flush, with
    the column's name, instead of failing in the driver (PostgreSQL refuses NUL)."""
    matter = district.matters["waste"]
    nested = db.session.begin_nested()
    matter.title = title
    with pytest.raises(RuleViolation) as refusal:
        db.session.flush()
    assert refusal.value.field == "title"
    nested.rollback()


def test_the_flush_refuses_a_time_past_the_bounds(district, db):
    b = district.consultations["b"]
    nested = db.session.begin_nested()
    b.closes_at = datetime(9999, 12, 31, tzinfo=UTC)
    with pytest.raises(RuleViolation) as refusal:
        db.session.flush()
    assert refusal.value.field == "closes_at"
    nested.rollback()
