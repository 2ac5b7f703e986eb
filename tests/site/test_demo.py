"""`flask seed-demo`: the 东湖区 demo, made through the services, never in the future."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from consult.accounts import services as accounts
from consult.accounts.models import Department, Role, User
from consult.catalogue import rules, services
from consult.catalogue.models import (
    CatalogueAdjustment,
    CatalogueYear,
    DecisionMatter,
    MatterStatus,
)
from consult.core.audit import AuditEvent
from consult.site import demo

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in 东湖区
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _commits_stay_in_the_test(db, monkeypatch):
    """Commands commit. conftest binds the session to the test's connection, but
    Flask-SQLAlchemy's get_bind returns the engine, so a commit would outlive the test; send
    the default bind to that connection, where a commit only releases a savepoint."""
    monkeypatch.setitem(db.engines, None, db.session.session_factory.kw["bind"])
    # The demo goes into an empty database; rows another test left behind would make it
    # (rightly) refuse. The deletion is rolled back with the test.
    demo.clear_database()


@pytest.fixture
def seeded(runner, db, frozen):
    frozen(NOW)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def all_matters(db) -> list[DecisionMatter]:
    return list(db.session.scalars(sa.select(DecisionMatter).order_by(DecisionMatter.id)))


def test_every_status_in_both_years(seeded, db):
    matters = all_matters(db)
    assert 35 <= len(matters) <= 50
    statuses = Counter(m.status for m in matters)
    assert set(statuses) == {s.value for s in MatterStatus}
    this_year = Counter(m.status for m in matters if m.year == 2026)
    assert set(this_year) == {s.value for s in MatterStatus}
    assert 25 <= sum(this_year.values()) <= 30

    years = {c.year: c for c in db.session.scalars(sa.select(CatalogueYear))}
    assert years[2025].is_published and years[2026].is_published
    assert years[2025].published_at.date() == date(2025, 2, 18)
    assert not years[2027].is_published
    assert 2 <= sum(m.year == 2027 for m in matters) <= 3

    for m in matters:
        if m.status == MatterStatus.DECIDED:
            assert m.decision_date and m.decision_date <= TODAY
            assert m.decision_document_url.startswith("https://")
        if m.status == MatterStatus.WITHDRAWN:
            assert m.withdrawal_reason.strip()
    assert {m.hearing for m in matters} == {True, False}
    assert {m.planned_precision for m in matters} == {"month", "quarter"}
    done = [p for m in matters for p in m.procedures if p.done_on]
    assert done and all(p.required for p in done)
    assert any(p.required and not p.done_on for m in matters for p in m.procedures)


def test_last_year_has_ended_with_every_kind_of_outcome(seeded, db):
    outcomes = {
        rules.completion(m.status, m.planned, m.decision_date, TODAY)
        for m in all_matters(db)
        if m.year == 2025
    }
    assert outcomes == {
        rules.Completion.DECIDED_ON_TIME,
        rules.Completion.DECIDED_LATE,
        rules.Completion.WITHDRAWN,
        rules.Completion.OVERDUE,
    }


def test_departments_and_one_account_per_role(seeded, db):
    assert 12 <= count(db, Department) <= 14
    assert all(d.short_name != d.name for d in db.session.scalars(sa.select(Department)))
    people = list(db.session.scalars(sa.select(User)))
    assert Counter(u.role for u in people) == {
        Role.ADMIN: 1,
        Role.OFFICER: 2,
        Role.REPRESENTATIVE: 1,
        Role.RESIDENT: 1,
    }
    admin = next(u for u in people if u.role == Role.ADMIN)
    assert admin.email == "admin@donghu.example" and admin.department.name == "区政府办公室"
    officers = {u.department.name for u in people if u.role == Role.OFFICER}
    assert "区住房和城乡建设局" in officers and len(officers) == 2
    for user in people:  # the printed credentials work
        assert accounts.authenticate(user.email, demo.DEMO_PASSWORD) == user
        assert user.email in seeded.output
    assert demo.DEMO_PASSWORD in seeded.output
    assert "WARNING" in seeded.output and "demo" in seeded.output.lower()


def test_adjustments_after_publication(seeded, db):
    adjustments = list(db.session.scalars(sa.select(CatalogueAdjustment)))
    assert {a.kind for a in adjustments} == {"addition", "change", "withdrawal"}
    changed = {c["field"] for a in adjustments if a.kind == "change" for c in a.changes}
    assert {"planned_time", "hearing", "department_id"} <= changed
    moved = next(a for a in adjustments if any(c["field"] == "department_id" for c in a.changes))
    assert moved.actor.role == Role.ADMIN
    for a in adjustments:
        assert a.reason.strip()
        assert a.made_at > a.matter.catalogue.published_at or a.kind == "addition"
        assert a.made_at <= NOW


def test_the_story_is_told_by_the_right_people_and_never_in_the_future(seeded, db):
    events = list(db.session.scalars(sa.select(AuditEvent)))
    assert max(e.occurred_at for e in events) <= NOW
    assert min(e.occurred_at for e in events).year == 2025
    status_changes = [e for e in events if e.action == "status_changed"]
    # Officers move their own department's matters; the government office the others.
    assert {e.actor.role for e in status_changes} == {Role.ADMIN, Role.OFFICER}
    for e in status_changes:
        matter = db.session.get(DecisionMatter, e.object_id)
        if e.actor.role == Role.OFFICER:
            assert e.actor.department_id == matter.department_id
    assert all(e.actor is not None for e in events if e.object_type == "decision_matter")

    parking = db.session.scalars(services.search_matters(q="停车")).all()
    assert "东湖区老旧小区停车设施改造实施方案" in [m.title for m in parking]
    decided = next(m for m in parking if m.title == "东湖区老旧小区停车设施改造实施方案")
    actions = [e.action for e in services.timeline(decided)]
    assert actions[0] == "listed" and actions[-1] == "status_changed"
    assert "adjusted" in actions and "procedure_done" in actions


def test_refuses_to_seed_twice(seeded, runner, db):
    before = (count(db, DecisionMatter), count(db, User), count(db, AuditEvent))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already holds data" in again.output and "--reset" in again.output
    assert (count(db, DecisionMatter), count(db, User), count(db, AuditEvent)) == before


def test_refuses_a_database_with_other_data(runner, db, create_department):
    create_department("区统计局", "统计局")
    db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert "already holds data" in result.output
    assert count(db, Department) == 1 and count(db, DecisionMatter) == 0
    with pytest.raises(demo.DemoDataExists):
        demo.seed_demo()


def test_reset_replaces_everything(seeded, runner, db, create_user):
    stranger = create_user("resident", email="stranger@example.test")
    db.session.commit()
    matters = count(db, DecisionMatter)

    kept = runner.invoke(args=["seed-demo", "--reset"], input="n\n")
    assert kept.exit_code == 1  # aborted at the question
    assert db.session.get(User, stranger.id) is not None

    result = runner.invoke(args=["seed-demo", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "stranger@example.test")) is None
    assert count(db, DecisionMatter) == matters
    assert count(db, User) == len(demo.USERS)


def test_refuses_production_unless_asked(runner, db, monkeypatch):
    monkeypatch.setenv("CONSULT_ENV", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert count(db, User) == 0


def test_early_in_the_year_only_what_has_happened(db, app):
    """Seeded on 5 March, the year's later steps are simply not there yet."""
    now = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    result = demo.seed_demo(now=now)
    events = list(db.session.scalars(sa.select(AuditEvent)))
    assert max(e.occurred_at for e in events) <= now
    matters = all_matters(db)
    assert all(m.created_at <= now for m in matters)
    assert all(m.decision_date is None or m.decision_date <= now.date() for m in matters)
    assert result["years"][2026]["published"] and 2027 not in result["years"]
    assert result["statuses"]["decided"] > 0  # last year's decisions
