"""Pure feedback rules (rule 3): a disposition for every comment, a reason for every one not
adopted, the adoption rate, and the deadline for answering. No database; the configured
FEEDBACK_PERIOD_DAYS is read through the service, so that one test uses the app."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace

import pytest

from consult.comments.models import Answer
from consult.comments.models import Disposition
from consult.core.errors import RuleViolation
from consult.feedback import rules

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
CLOSED = NOW - 10 * DAY

ALL = [d.value for d in Disposition]
NEEDS_REASON = ["partly_adopted", "not_adopted", "not_applicable"]


# --- check_disposition -------------------------------------------------------------------


def test_the_four_dispositions_are_the_api_enum():
    assert ALL == ["adopted", "partly_adopted", "not_adopted", "not_applicable"]
    assert set(rules.DISPOSITION_LABELS) == set(Disposition)


@pytest.mark.parametrize(
    ("disposition", "reason", "cleaned"),
    [
        ("adopted", None, None),
        ("adopted", "", None),
        ("adopted", "   ", None),
        ("adopted", " 已在第二条中增加非机动车停放区。 ", "已在第二条中增加非机动车停放区。"),
        (
            "partly_adopted",
            "部分采纳：东门增设，西门场地不足。",
            "部分采纳：东门增设，西门场地不足。",
        ),
        ("not_adopted", "\n与上位法规定不符。\t", "与上位法规定不符。"),
        ("not_applicable", "不属于本办法调整范围。", "不属于本办法调整范围。"),
    ],
)
def test_a_disposition_with_what_it_needs_is_accepted_and_its_reason_cleaned(
    disposition, reason, cleaned
):
    assert rules.check_disposition(disposition, reason) == cleaned


@pytest.mark.parametrize("disposition", NEEDS_REASON)
@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t "])
def test_every_disposition_but_adopted_needs_a_reason(disposition, reason):
    with pytest.raises(RuleViolation) as info:
        rules.check_disposition(disposition, reason)
    assert info.value.field == "reason"


@pytest.mark.parametrize(
    ("disposition", "needs"),
    [("adopted", False), ("partly_adopted", True), ("not_adopted", True), ("not_applicable", True)],
)
def test_needs_reason(disposition, needs):
    assert rules.needs_reason(disposition) is needs


@pytest.mark.parametrize("disposition", [None, "", "rejected", "ADOPTED", "adopted ", "declined"])
@pytest.mark.parametrize("reason", [None, "理由"])
def test_an_unknown_disposition_is_refused_on_the_disposition_field(disposition, reason):
    with pytest.raises(RuleViolation) as info:
        rules.check_disposition(disposition, reason)
    assert info.value.field == "disposition"


@pytest.mark.parametrize("disposition", ALL)
@pytest.mark.parametrize(
    ("length", "ok"), [(rules.MAX_REASON, True), (rules.MAX_REASON + 1, False)]
)
def test_a_reason_is_at_most_max_reason_characters(disposition, length, ok):
    reason = "理" * length
    if ok:
        assert rules.check_disposition(disposition, reason) == reason
    else:
        with pytest.raises(RuleViolation) as info:
            rules.check_disposition(disposition, reason)
        assert info.value.field == "reason"


# --- closing_problems --------------------------------------------------------------------


def comment(receipt: str, disposition: str | None, reason: str | None = None):
    answer = Answer(disposition, reason, False, None, None, False) if disposition else None
    return SimpleNamespace(receipt=receipt, answer=answer)


@pytest.mark.parametrize(
    ("disposition", "reason", "problem"),
    [
        (None, None, rules.Problem.NO_DISPOSITION),
        (None, "理由但无处理", rules.Problem.NO_DISPOSITION),
        ("adopted", None, None),
        ("adopted", "采纳", None),
        ("partly_adopted", None, rules.Problem.NO_REASON),
        ("partly_adopted", "  ", rules.Problem.NO_REASON),
        ("partly_adopted", "部分采纳", None),
        ("not_adopted", None, rules.Problem.NO_REASON),
        ("not_adopted", "", rules.Problem.NO_REASON),
        ("not_adopted", "不符合上位法", None),
        ("not_applicable", None, rules.Problem.NO_REASON),
        ("not_applicable", "重复意见", None),
    ],
)
def test_closing_problems_per_comment(disposition, reason, problem):
    c = comment("ZX-1", disposition, reason)
    expected = [] if problem is None else [(c, problem)]
    assert rules.closing_problems([c]) == expected


def test_closing_problems_lists_exactly_the_comments_at_fault_in_order():
    comments = [
        comment("A", "adopted"),
        comment("B", None),
        comment("C", "not_adopted", "理由"),
        comment("D", "not_applicable", ""),
        comment("E", "partly_adopted", "理由"),
        comment("F", None),
    ]
    problems = rules.closing_problems(comments)
    assert [(c.receipt, p) for c, p in problems] == [
        ("B", rules.Problem.NO_DISPOSITION),
        ("D", rules.Problem.NO_REASON),
        ("F", rules.Problem.NO_DISPOSITION),
    ]
    assert rules.closing_problems([]) == []
    assert rules.closing_problems(c for c in comments if c.receipt in "ACE") == []


def test_every_problem_has_a_label():
    assert set(rules.PROBLEM_LABELS) == {
        rules.Problem.NO_DISPOSITION,
        rules.Problem.NO_REASON,
        rules.Problem.DRAFT,
    }


# --- adoption_rate -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "rate"),
    [
        ({}, 0.0),
        ({"adopted": 3}, 1.0),
        ({"not_adopted": 3}, 0.0),
        ({"adopted": 1, "partly_adopted": 1, "not_adopted": 2}, 0.5),
        # not applicable (out of scope, duplicates) is left out of the denominator
        ({"adopted": 1, "partly_adopted": 2, "not_adopted": 1, "not_applicable": 6}, 0.75),
        ({"adopted": 1, "not_applicable": 99}, 1.0),
        ({"not_applicable": 5}, 0.0),
        ({"adopted": 0, "partly_adopted": 0, "not_adopted": 0, "not_applicable": 0}, 0.0),
        ({Disposition.ADOPTED: 2, Disposition.NOT_APPLICABLE: 2, Disposition.NOT_ADOPTED: 2}, 0.5),
    ],
)
def test_adoption_rate_excludes_not_applicable(counts, rate):
    assert rules.adoption_rate(counts) == pytest.approx(rate)


# --- the feedback deadline ---------------------------------------------------------------


def test_the_default_feedback_period_is_thirty_days():
    assert rules.FEEDBACK_PERIOD.days == 30 and not rules.FEEDBACK_PERIOD.seconds
    assert rules.feedback_due(CLOSED) == CLOSED + timedelta(days=30)


@pytest.mark.parametrize("days", [1, 15, 30, 60])
def test_feedback_due_with_a_period(days):
    assert rules.feedback_due(CLOSED, timedelta(days=days)) == CLOSED + days * DAY


@pytest.mark.parametrize(
    ("now", "published_at", "overdue"),
    [
        (CLOSED - DAY, None, False),  # still open
        (CLOSED, None, False),
        (CLOSED + 30 * DAY - SECOND, None, False),
        (CLOSED + 30 * DAY, None, False),  # due at this instant: not yet late
        (CLOSED + 30 * DAY + SECOND, None, True),
        (CLOSED + 400 * DAY, None, True),
        (CLOSED + 400 * DAY, CLOSED + 100 * DAY, False),  # published late: no longer flagged
        (CLOSED + 31 * DAY, CLOSED + DAY, False),
    ],
)
def test_is_overdue_with_the_default_period(now, published_at, overdue):
    assert rules.is_overdue(CLOSED, published_at, now) is overdue


@pytest.mark.parametrize(
    ("period", "after_close", "overdue"),
    [
        (timedelta(days=10), 10 * DAY, False),
        (timedelta(days=10), 10 * DAY + SECOND, True),
        (timedelta(days=10), 20 * DAY, True),
        (timedelta(days=60), 31 * DAY, False),
        (timedelta(days=60), 60 * DAY + SECOND, True),
    ],
)
def test_is_overdue_with_a_configured_period(period, after_close, overdue):
    assert rules.is_overdue(CLOSED, None, CLOSED + after_close, period) is overdue


@pytest.mark.parametrize(("configured", "period"), [(30, 30 * DAY), (10, 10 * DAY), (60, 60 * DAY)])
def test_feedback_period_days_configures_the_deadline(app, monkeypatch, configured, period):
    from consult.feedback import services

    monkeypatch.setitem(app.config, "FEEDBACK_PERIOD_DAYS", configured)
    with app.app_context():
        assert services.feedback_period() == period
        due = rules.feedback_due(CLOSED, services.feedback_period())
        assert due == CLOSED + period
        assert not rules.is_overdue(CLOSED, None, due, services.feedback_period())
        assert rules.is_overdue(CLOSED, None, due + SECOND, services.feedback_period())


@pytest.mark.parametrize("configured", [None, 0])
def test_an_unset_feedback_period_falls_back_to_thirty_days(app, monkeypatch, configured):
    from consult.feedback import services

    monkeypatch.setitem(app.config, "FEEDBACK_PERIOD_DAYS", configured)
    with app.app_context():
        assert services.feedback_period() == rules.FEEDBACK_PERIOD
