"""Catalogue rules: planned times, the status lifecycle, completion, reasons. Pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from consult.catalogue import rules
from consult.catalogue.models import MatterStatus
from consult.catalogue.rules import Completion
from consult.catalogue.rules import PlannedTime
from consult.catalogue.rules import completion
from consult.catalogue.rules import parse_planned_time
from consult.core.errors import RuleViolation

# --- planned decision time ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, precision, index, code",
    [
        ("2026-07", "month", 7, "2026-07"),
        ("2026-7", "month", 7, "2026-07"),
        ("2026/12", "month", 12, "2026-12"),
        ("2026.01", "month", 1, "2026-01"),
        ("2026年7月", "month", 7, "2026-07"),
        ("2026 年 11 月份", "month", 11, "2026-11"),
        ("2026-Q3", "quarter", 3, "2026-Q3"),
        ("2026q1", "quarter", 1, "2026-Q1"),
        ("2026年第三季度", "quarter", 3, "2026-Q3"),
        ("2026年第3季度", "quarter", 3, "2026-Q3"),
        ("2026年第四季度", "quarter", 4, "2026-Q4"),
        ("  2026-Q2  ", "quarter", 2, "2026-Q2"),
    ],
)
def test_planned_time_is_read_in_its_usual_forms(text, precision, index, code):
    planned = parse_planned_time(text, 2026)
    assert planned == PlannedTime(2026, precision, index)
    assert planned.code == code


@pytest.mark.parametrize("text", ["2027-01", "2025-12", "2027年第一季度", "2025-Q4", "2027年1月"])
def test_planned_time_outside_the_catalogue_year_is_refused(text):
    with pytest.raises(RuleViolation) as exc:
        parse_planned_time(text, 2026)
    assert exc.value.field == "planned_time"
    assert "2026" in str(exc.value.message)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        "next spring",
        "明年春天",
        "2026-13",
        "2026-00",
        "2026年13月",
        "2026年0月",
        "2026-Q5",
        "2026-Q0",
        "2026年第五季度",
        "2026",
        "07-2026",
        "2026-07-15",
    ],
)
def test_garbage_and_impossible_months_are_refused(text):
    with pytest.raises(RuleViolation) as exc:
        parse_planned_time(text, 2026)
    assert exc.value.field == "planned_time"


def test_planned_time_refusal_names_the_field_it_was_given():
    with pytest.raises(RuleViolation) as exc:
        parse_planned_time("soon", 2026, field="when")
    assert exc.value.field == "when"


@pytest.mark.parametrize(
    "planned, last_day",
    [
        (PlannedTime(2026, "month", 2), date(2026, 2, 28)),
        (PlannedTime(2028, "month", 2), date(2028, 2, 29)),
        (PlannedTime(2026, "month", 7), date(2026, 7, 31)),
        (PlannedTime(2026, "quarter", 1), date(2026, 3, 31)),
        (PlannedTime(2026, "quarter", 3), date(2026, 9, 30)),
        (PlannedTime(2026, "quarter", 4), date(2026, 12, 31)),
    ],
)
def test_planned_time_ends_on_the_last_day_of_its_month_or_quarter(planned, last_day):
    assert planned.last_day == last_day


def test_planned_times_sort_by_end_with_a_month_before_its_quarter():
    times = [
        PlannedTime(2026, "quarter", 3),
        PlannedTime(2026, "month", 9),
        PlannedTime(2026, "month", 7),
        PlannedTime(2026, "quarter", 1),
    ]
    assert [t.code for t in sorted(times, key=lambda t: t.sort_key)] == [
        "2026-Q1",
        "2026-07",
        "2026-09",
        "2026-Q3",
    ]


# --- status lifecycle --------------------------------------------------------------------

P, C, D, DEC, W = (
    MatterStatus.PLANNED,
    MatterStatus.CONSULTING,
    MatterStatus.DELIBERATING,
    MatterStatus.DECIDED,
    MatterStatus.WITHDRAWN,
)
ALLOWED = {(P, C), (P, D), (P, W), (C, D), (C, W), (D, DEC), (D, W)}


@pytest.mark.parametrize("current", list(MatterStatus))
@pytest.mark.parametrize("target", list(MatterStatus))
def test_status_moves_forward_only(current, target):
    if (current, target) in ALLOWED:
        rules.check_transition(current, target)
    else:
        with pytest.raises(RuleViolation) as exc:
            rules.check_transition(current, target)
        assert exc.value.field == "status"


def test_transition_table_covers_every_status():
    assert set(rules.TRANSITIONS) == set(MatterStatus)
    assert rules.TRANSITIONS[DEC] == frozenset() == rules.TRANSITIONS[W]


def test_unknown_status_cannot_move_anywhere():
    with pytest.raises(RuleViolation):
        rules.check_transition("archived", "planned")


# --- completion --------------------------------------------------------------------------

Q3 = PlannedTime(2026, "quarter", 3)
JULY = PlannedTime(2026, "month", 7)


@pytest.mark.parametrize(
    "status, planned, decided_on, today, expected",
    [
        ("decided", Q3, date(2026, 8, 15), date(2027, 1, 5), Completion.DECIDED_ON_TIME),
        ("decided", Q3, date(2026, 9, 30), date(2026, 10, 1), Completion.DECIDED_ON_TIME),
        ("decided", Q3, date(2026, 10, 1), date(2026, 10, 1), Completion.DECIDED_LATE),
        ("decided", JULY, date(2026, 8, 1), date(2026, 9, 1), Completion.DECIDED_LATE),
        ("withdrawn", Q3, None, date(2026, 8, 1), Completion.WITHDRAWN),
        ("withdrawn", Q3, None, date(2027, 8, 1), Completion.WITHDRAWN),
        ("planned", Q3, None, date(2026, 10, 1), Completion.OVERDUE),
        ("deliberating", JULY, None, date(2026, 8, 1), Completion.OVERDUE),
        ("planned", Q3, None, date(2026, 9, 30), Completion.IN_PROGRESS),
        ("consulting", Q3, None, date(2026, 2, 1), Completion.IN_PROGRESS),
        ("deliberating", JULY, None, date(2026, 7, 31), Completion.IN_PROGRESS),
    ],
)
def test_completion_compares_the_outcome_with_the_planned_time(
    status, planned, decided_on, today, expected
):
    assert completion(status, planned, decided_on, today) == expected


def test_every_completion_has_a_label():
    values = {v for k, v in vars(Completion).items() if not k.startswith("_")}
    assert values == set(rules.COMPLETION_LABELS)


@pytest.mark.parametrize(
    "year, today, ended", [(2026, date(2026, 12, 31), False), (2026, date(2027, 1, 1), True)]
)
def test_a_year_ends_when_the_next_begins(year, today, ended):
    assert rules.year_has_ended(year, today) is ended


# --- reasons and links -------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None])
def test_a_blank_reason_is_refused(reason):
    with pytest.raises(RuleViolation) as exc:
        rules.require_reason(reason)
    assert exc.value.field == "reason"


def test_a_reason_is_returned_trimmed():
    assert rules.require_reason("  根据区政府常务会议要求调整  ") == "根据区政府常务会议要求调整"


def test_a_reason_may_not_be_endless():
    rules.require_reason("理" * rules.MAX_REASON)
    with pytest.raises(RuleViolation) as exc:
        rules.require_reason("理" * (rules.MAX_REASON + 1), field="withdrawal_reason")
    assert exc.value.field == "withdrawal_reason"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("", None),
        (None, None),
        ("  https://www.donghu.gov.cn/doc/1.html ", "https://www.donghu.gov.cn/doc/1.html"),
        ("http://example.test/a?b=c", "http://example.test/a?b=c"),
    ],
)
def test_decision_document_links_that_are_accepted(url, expected):
    assert rules.check_document_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.test/doc",
        "file:///etc/passwd",
        "www.example.test",
        "https://exa mple.test",
        "https://example.test/" + "a" * 500,
    ],
)
def test_decision_document_links_that_are_refused(url):
    with pytest.raises(RuleViolation) as exc:
        rules.check_document_url(url)
    assert exc.value.field == "decision_document_url"
