"""Working days: the published schedule, and the one a deployment states for a year the
calendar package does not carry yet."""

from __future__ import annotations

from datetime import date

import pytest

from config import _env_dates
from consult.core import workdays


def test_the_published_schedule_counts_holidays_and_the_weekend_days_worked():
    assert not workdays.is_working_day(date(2026, 10, 1))  # National Day
    assert workdays.is_working_day(date(2026, 10, 10))  # a Saturday worked in exchange
    assert workdays.add_working_days(date(2026, 9, 29), 2) == date(2026, 10, 8)


def test_a_year_nobody_has_published_counts_monday_to_friday(app):
    with app.app_context():
        assert workdays.add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 8)  # Fri → Mon


def test_the_schedule_a_deployment_states_wins(app, monkeypatch):
    off = (date(2027, 2, 8), date(2027, 2, 9))  # as if announced: days off
    monkeypatch.setitem(app.config, "DAYS_OFF", off)
    monkeypatch.setitem(app.config, "WEEKEND_WORKDAYS", (date(2027, 2, 6),))
    with app.app_context():
        assert workdays.is_working_day(date(2027, 2, 6))  # a Saturday worked
        assert not workdays.is_working_day(date(2027, 2, 8))
        # Fri 5 Feb + 2 working days: Sat 6 (worked), then Wed 10 (8 and 9 off)
        assert workdays.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 10)
        assert workdays.working_days_between(date(2027, 2, 5), date(2027, 2, 10)) == 2
    monkeypatch.setitem(app.config, "DAYS_OFF", (date(2026, 10, 12),))  # over the package's
    with app.app_context():
        assert not workdays.is_working_day(date(2026, 10, 12))


def test_a_mistyped_date_in_the_configuration_stops_the_start(monkeypatch):
    monkeypatch.setenv("DAYS_OFF", "2027-02-08, 2027-02-30")
    with pytest.raises(RuntimeError, match="DAYS_OFF"):
        _env_dates("DAYS_OFF")
    monkeypatch.setenv("DAYS_OFF", " 2027-02-08 ,2027-02-09,")
    assert _env_dates("DAYS_OFF") == (date(2027, 2, 8), date(2027, 2, 9))
