"""`flask seed-demo`: the 东湖区 demo, made through the services, never in the future."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from click.testing import Result

from consult import _configure_sqlite
from consult import demo
from consult.accounts import services as accounts
from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.catalogue import rules
from consult.catalogue import services
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.comments.models import DuplicateGroup
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationStatus
from consult.consultations.models import OfflineActivity
from consult.consultations.models import WindowChange
from consult.core import time as clock
from consult.core.audit import AuditEvent
from consult.core.audit import events_for
from consult.extensions import db as _db
from consult.extensions import limiter
from consult.feedback import answers
from consult.meetings import rules as meeting_rules
from consult.meetings import services as meeting_services
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import Meeting
from consult.meetings.models import Remark
from consult.representatives import services as pool
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import ConflictOfInterest
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication
from tests.conftest import Auth
from tests.helpers import fresh_database_url

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in 东湖区
TODAY = date(2026, 11, 27)
HOUR = timedelta(hours=1)
ZONE = ZoneInfo("Asia/Shanghai")
PARKING = "东湖区老旧小区停车设施改造实施方案"


@contextlib.contextmanager
def _session_on(connection: sa.Connection) -> Iterator[None]:
    """The app's session on `connection`, as tests/conftest.py's `db` does: the session
    joins the connection's transaction with savepoints, so a commit is undone later."""
    engines = _db.engines
    engine = engines[None]
    engines[None] = connection
    original = _db.session
    _db.session = _db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    limiter.reset()
    try:
        yield
    finally:
        _db.session.remove()
        _db.session = original
        engines[None] = engine


@pytest.fixture(scope="module")
def demo_database(app) -> Iterator[tuple[sa.Engine, Result]]:
    """The demo, seeded once for the module (~6 s) on a database of its own, so the tests that
    need an empty database keep the shared one."""
    with fresh_database_url() as url, app.app_context():
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        if url.startswith("sqlite"):
            _configure_sqlite(engine)
        _db.metadata.create_all(engine)
        try:
            with engine.connect() as connection, _session_on(connection):
                with clock.freeze(NOW):
                    # Not standalone: the result carries the command's summary (return_value).
                    result = app.test_cli_runner().invoke(args=["seed-demo"], standalone_mode=False)
                assert result.exit_code == 0, result.output
                connection.commit()
            yield engine, result
        finally:
            engine.dispose()


@pytest.fixture
def db(request, app):
    """Here: the demo's database for a test that asks for `seeded`, else the shared empty one;
    either way one outer transaction, rolled back afterwards."""
    if "seeded" in request.fixturenames:
        engine, _result = request.getfixturevalue("demo_database")
    else:
        with app.app_context():
            engine = _db.engines[None]
    with app.app_context(), engine.connect() as connection:
        transaction = connection.begin()
        try:
            with _session_on(connection):
                yield _db
        finally:
            transaction.rollback()


@pytest.fixture
def seeded(demo_database, db, frozen):
    frozen(NOW)
    return demo_database[1]


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def all_matters(db) -> list[DecisionMatter]:
    return list(db.session.scalars(sa.select(DecisionMatter).order_by(DecisionMatter.id)))


def all_consultations(db) -> list[Consultation]:
    return list(db.session.scalars(sa.select(Consultation).order_by(Consultation.id)))


def comments_of(db, consultation: Consultation) -> list[Comment]:
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.consultation_id == consultation.id)
            .order_by(Comment.submitted_at)
        )
    )


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


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
    assert 3 <= sum(m.year == 2027 for m in matters) <= 4  # one postponed from 2026

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
        Role.OFFICER: 6,
        Role.REPRESENTATIVE: 1,
        Role.RESIDENT: 1,
    }
    admin = next(u for u in people if u.role == Role.ADMIN)
    assert admin.email == "admin@donghu.example" and admin.department.name == "区政府办公室"
    officers = Counter(u.department.name for u in people if u.role == Role.OFFICER)
    # The two departments answering an open consultation: a head and two officers each.
    assert officers == {"区住房和城乡建设局": 3, "区交通运输局": 3}
    heads = [u for u in people if u.department_head]
    assert sorted(h.department.short_name for h in heads) == ["交通局", "住建局"]
    assert all(h.role == Role.OFFICER for h in heads)
    assert "officer (head)  housing.head@donghu.example" in seeded.output
    for user in people:  # the printed credentials work
        assert accounts.authenticate(user.email, demo.DEMO_PASSWORD) == user
        assert user.email in seeded.output
    assert demo.DEMO_PASSWORD in seeded.output
    assert "WARNING" in seeded.output and "demo" in seeded.output.lower()


def test_adjustments_after_publication(seeded, db):
    adjustments = list(db.session.scalars(sa.select(CatalogueAdjustment)))
    assert {a.kind for a in adjustments} == {"addition", "change", "withdrawal", "postponement"}
    changed = {c["field"] for a in adjustments if a.kind == "change" for c in a.changes}
    assert {"planned_time", "hearing", "department_id"} <= changed
    moved = next(a for a in adjustments if any(c["field"] == "department_id" for c in a.changes))
    assert moved.actor.role == Role.ADMIN
    for a in adjustments:
        assert a.reason.strip()
        listed_in = (
            db.session.get(CatalogueYear, a.from_year) if a.from_year else a.matter.catalogue
        )
        assert a.made_at > listed_in.published_at or a.kind == "addition"
        assert a.made_at <= NOW


def test_the_story_is_told_by_the_right_people_and_never_in_the_future(seeded, db):
    events = list(db.session.scalars(sa.select(AuditEvent)))
    assert max(e.occurred_at for e in events) <= NOW
    assert min(e.occurred_at for e in events).year == 2025
    status_changes = [e for e in events if e.action == "status_changed"]
    # Officers move their own department's matters; the government office the others; the
    # platform itself moves a matter to "consulting" when its consultation opens.
    by_people = [e for e in status_changes if e.actor is not None]
    assert {e.actor.role for e in by_people} == {Role.ADMIN, Role.OFFICER}
    for e in by_people:
        matter = db.session.get(DecisionMatter, e.object_id)
        if e.actor.role == Role.OFFICER:
            assert e.actor.department_id == matter.department_id
    by_clock = [e for e in status_changes if e.actor is None]
    assert by_clock and all(e.details["to"] == MatterStatus.CONSULTING for e in by_clock)
    for e in by_clock:
        consultation = db.session.get(Consultation, e.details["consultation_id"])
        assert consultation.matter_id == e.object_id
        assert e.occurred_at == consultation.opens_at == consultation.activated_at
    assert all(
        e.actor is not None
        for e in events
        if e.object_type == "decision_matter"
        and e not in by_clock
        and e.action != "consultation_opened"
    )

    parking = db.session.scalars(services.search_matters(q="停车")).all()
    assert PARKING in [m.title for m in parking]
    # What residents type finds it too, and the search spans the catalogue years.
    for typed in ("停车位", "车位", "停車位"):
        assert PARKING in [m.title for m in db.session.scalars(services.search_matters(q=typed))]
    assert len({m.year for m in db.session.scalars(services.search_matters(q="停车位"))}) >= 2
    matter = next(m for m in parking if m.title == PARKING)
    assert matter.status == MatterStatus.CONSULTING
    actions = [e.action for e in services.timeline(matter)]
    assert actions == [
        "listed",
        "adjusted",
        "adjusted",
        "consultation_scheduled",
        "consultation_opened",
        "status_changed",
        "consultation_window_changed",
    ]
    # A matter consulted through the platform records public participation once it closed.
    old_housing = next(m for m in all_matters(db) if m.title.startswith("东湖区老旧小区改造"))
    actions = [e.action for e in services.timeline(old_housing)]
    assert actions.index("consultation_opened") < actions.index("procedure_done")
    # Decided, and its interpretation published with the decision.
    assert actions[-2:] == ["status_changed", "interpretation_published"]
    assert old_housing.status == MatterStatus.DECIDED


def test_consultations_in_every_state_through_their_matters(seeded, db):
    consultations = all_consultations(db)
    assert 6 <= len(consultations) <= 9
    states = Counter(c.status_at(NOW) for c in consultations)
    assert states[ConsultationStatus.SCHEDULED] >= 1
    assert states[ConsultationStatus.OPEN] >= 2
    assert states[ConsultationStatus.CLOSED] >= 2
    for c in consultations:
        assert c.created_at <= min(c.opens_at, NOW)
        assert c.closes_at - c.opens_at >= timedelta(days=30)
        assert c.title.strip() and c.contact.strip() and c.explanation.strip()
        assert c.matter.is_published and c.created_by is not None
        if c.opens_at <= NOW:  # opened by the clock, which moved its matter on
            assert c.activated_at == c.opens_at
            assert c.matter.status != MatterStatus.PLANNED
        else:
            assert c.activated_at is None and c.matter.status == MatterStatus.PLANNED
        if c.matter.decision_date is not None:
            assert local_day(c.closes_at) < c.matter.decision_date
    # Every matter in consultation got there through a consultation that has opened.
    opened = {c.matter_id for c in consultations if c.opens_at <= NOW}
    consulting = {m.id for m in all_matters(db) if m.status == MatterStatus.CONSULTING}
    assert consulting <= opened

    scheduled = next(c for c in consultations if c.status_at(NOW) == "scheduled")
    assert 3 <= (local_day(scheduled.opens_at) - TODAY).days <= 7
    assert scheduled.clauses and not comments_of(db, scheduled)

    closed = [c for c in consultations if c.status_at(NOW) == ConsultationStatus.CLOSED]
    waiting = next(c for c in closed if 3 <= (TODAY - local_day(c.closes_at)).days <= 10)
    assert waiting.matter.status == MatterStatus.CONSULTING and waiting.matter.year == 2026
    said = comments_of(db, waiting)
    assert 10 <= len(said) <= 15
    assert any(x.source != "online" for x in said) and any(x.is_hidden for x in said)
    ended = [c for c in consultations if c.closes_at <= NOW]
    earlier = next(c for c in ended if 40 <= (TODAY - local_day(c.closes_at)).days <= 60)
    assert earlier.matter.status == MatterStatus.DELIBERATING
    assert {a.kind for a in earlier.activities} == {"hearing"}
    decided = [c for c in ended if c.matter.status == MatterStatus.DECIDED]
    assert decided and all(c.matter.year == 2025 for c in decided)
    # A planning draft without numbered articles: comments address the whole draft.
    assert any(not c.clauses and c.status_at(NOW) == "open" for c in consultations)


def test_the_parking_consultation_shows_everything(seeded, db):
    parking = next(c for c in all_consultations(db) if c.matter.title == PARKING)
    assert parking.status_at(NOW) == ConsultationStatus.OPEN
    assert parking.matter.department.name == "区住房和城乡建设局"
    assert "zjj@donghu.example" in parking.contact and parking.preamble
    assert 8 <= len(parking.clauses) <= 12
    assert [c.heading for c in parking.clauses[:3]] == ["第一条", "第二条", "第三条"]
    assert parking.explanation.count("\n\n") >= 2  # a few paragraphs
    assert 8 <= (TODAY - local_day(parking.opens_at)).days <= 12
    assert (local_day(parking.closes_at) - TODAY).days >= 20
    (change,) = parking.window_changes
    assert change.new_closes_at > change.old_closes_at and change.reason.strip()
    assert change.changed_at <= NOW and change.actor_id is not None

    said = comments_of(db, parking)
    online = [x for x in said if x.source == "online"]
    assert 40 <= len(online) <= 50  # a campaign of 29 among them
    assert all(x.consent and x.submitter_ip for x in online)
    days = {local_day(x.submitted_at) for x in online}
    assert len(days) >= 7  # spread over the days since opening
    assert sum(x.clause_id is not None for x in said) >= 10
    assert any(x.clause_id is None for x in said)  # on the draft as a whole
    assert {x.show_name for x in online} == {True, False}
    assert any(x.contact and "@example.com" in x.contact for x in online)
    assert any(x.contact and "****" in x.contact for x in said)
    assert any("<b>" in x.body for x in online)
    assert any(x.user is not None and x.user.role == Role.RESIDENT for x in online)
    for x in said:
        assert 10 <= len(x.body) <= 300
        assert parking.opens_at <= x.submitted_at < parking.closes_at and x.submitted_at <= NOW

    groups = Counter(x.duplicate_group_id for x in said if x.duplicate_group_id)
    (campaign, size), *others = groups.most_common()
    assert 29 <= size <= 30
    group = db.session.get(DuplicateGroup, campaign)
    assert len({x.body for x in group.comments}) > 1  # near-identical, not identical
    assert {x.source for x in group.comments} == {"online"}
    # The others: a few callers to the hotline who reported the same, in the imported export.
    assert others and all(n <= 5 for _, n in others)
    assert {x.source for x in said if x.duplicate_group_id in dict(others)} == {"hotline"}
    assert comment_services.group_sizes(said) == dict(groups)

    hidden = {x.hidden_reason: x for x in said if x.is_hidden}
    assert set(hidden) == {"personal_data", "abusive"}
    for x in hidden.values():
        assert x.hidden_note and x.hidden_by_id is not None
        assert x.submitted_at < x.hidden_at <= NOW
    assert "139" in hidden["personal_data"].body
    public = db.session.scalars(comment_services.public_comments(parking)).all()
    assert len(public) == len(said) - 2
    assert len(public) > 50  # the consultation page shows them on two pages

    offline = Counter(x.source for x in said if x.source != "online")
    # (and the 12345 hotline's export of 180 calls, uploaded by the officer)
    assert offline == {"symposium": 3, "hotline": 2 + 180, "letter": 1, "mailbox": 1}
    (symposium,) = parking.activities
    assert symposium.kind == "symposium" and symposium.participants > 0
    assert symposium.place and symposium.minutes and symposium.held_on < TODAY
    assert all(x.activity_id == symposium.id for x in said if x.source == "symposium")
    for x in said:
        if x.source != "online":
            assert x.entered_by_id is not None


def test_the_other_open_consultation_has_a_field_visit_and_three_campaigns(seeded, db, client):
    other = [
        c
        for c in all_consultations(db)
        if c.status_at(NOW) == "open" and c.matter.department.name == "区交通运输局"
    ]
    (walk,) = other
    said = comments_of(db, walk)
    assert 1_900 <= len(said) <= 2_100
    assert [a.kind for a in walk.activities] == ["field_visit"]
    assert {x.source for x in said} == {"online", "field_visit", "hotline"}
    assert all(walk.opens_at <= x.submitted_at <= NOW for x in said)
    # Three campaigns, each one group (the hotline's imported twice), and a few short
    # comments of people's own that happen to match.
    sizes = sorted(
        db.session.scalars(
            sa.select(DuplicateGroup.size).where(DuplicateGroup.consultation_id == walk.id)
        ),
        reverse=True,
    )
    assert sizes[:3] == [900, 600, 300] and all(size < 10 for size in sizes[3:])
    assert sum(1 for x in said if x.duplicate_group_id is None) >= 90
    assert comment_services.tally(walk)["comments"] == len(said)
    hotline = [x for x in said if x.source == "hotline"]
    assert len(hotline) == 300 and all(x.entered_by_id is not None for x in hotline)
    events = [e for e in events_for("consultation", walk.id) if e.action == "comments_imported"]
    assert [e.details["count"] for e in events] == [150, 150]
    # The public page shows the badges, 50 comments a page.
    page = client.get(f"/consultations/{walk.id}").get_data(as_text=True)
    assert "与其他899条意见内容相同" in page or "与其他599条意见内容相同" in page
    assert "第1页，共" in page


def test_comments_receipts_and_moderation_everywhere(seeded, db):
    said = list(db.session.scalars(sa.select(Comment)))
    receipts = [x.receipt for x in said]
    assert len(set(receipts)) == len(receipts)
    for x in said:
        assert re.fullmatch(
            rf"ZX-{local_day(x.submitted_at).year}-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}", x.receipt
        )
        assert comment_services.find_by_receipt(x.receipt.lower()) == x
        assert 10 <= len(x.body) <= 300
        assert x.submitted_at <= NOW
        if x.source == "meeting":
            # A remark at a meeting counts while the comments are still being answered.
            assert x.consultation.opens_at <= x.submitted_at
            assert x.consultation.feedback_published_at is None
        else:
            assert x.consultation.is_open_at(x.submitted_at)
        if x.is_hidden:
            assert x.hidden_reason and x.hidden_at <= NOW
    sources = Counter(x.source for x in said)
    assert {"online", "symposium", "hearing", "field_visit", "hotline", "letter", "mailbox"} <= set(
        sources
    )
    assert {x.hidden_reason for x in said if x.status == CommentStatus.HIDDEN} >= {
        "personal_data",
        "abusive",
    }
    for activity in db.session.scalars(sa.select(OfflineActivity)):
        assert activity.held_on <= TODAY and activity.created_at <= NOW
    assert all(w.changed_at <= NOW for w in db.session.scalars(sa.select(WindowChange)))


def test_the_summary_counts_consultations_and_comments(seeded, db):
    result = seeded.return_value
    assert result["consultations"] == count(db, Consultation)
    assert sum(result["consultation_statuses"].values()) == result["consultations"]
    assert result["consultation_statuses"]["open"] >= 2
    assert result["comments"] == count(db, Comment) == sum(result["comment_sources"].values())
    assert result["hidden_comments"] >= 3 and 4 <= result["duplicate_groups"] <= 30
    answered = result["answers"]
    assert answered["drafted"] == db.session.scalar(
        sa.select(sa.func.count()).select_from(Comment).where(answers.IS_DRAFTED)
    )
    assert answered["drafted"] > 0 and answered["answered"] > answered["drafted"]
    assert answered["assigned"] == db.session.scalar(
        sa.select(sa.func.count()).where(Comment.assigned_to_id.is_not(None))
    )
    assert result["comment_imports"] == {"imported": 1, "refused": 1}
    assert result["representatives"] == count(db, Representative) >= 30
    assert set(result["representative_categories"]) == set(CATEGORY_VALUES)
    # Two meetings to come, and one that starts within the hour (its check-in is open).
    assert result["meetings"] == count(db, Meeting) and result["upcoming_meetings"] == 3
    assert result["invitations"] == count(db, Invitation)
    assert sum(result["invitation_statuses"].values()) == result["invitations"]
    assert result["applications"] == {"pending": 2, "rejected": 1}


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
    assert count(db, User) == len(demo.story.load().accounts.users)


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
    assert_pool_and_meetings_not_after(db, now)
    assert result["statuses"]["decided"] > 0  # last year's decisions
    # This year's consultations are dated from today: already one open and one to come.
    states = {c.status_at(now) for c in all_consultations(db)}
    assert (
        {"scheduled", "open", "closed"}
        <= states
        <= {"scheduled", "open", "closed", "feedback_published"}
    )


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 1, 12, 2, 0, tzinfo=UTC),  # this year's catalogue not yet published
        datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
    ],
)
def test_consultations_fit_whatever_day_it_is(db, app, now):
    """Seeded on another day, this year's consultations move with it, and one that would
    start before its catalogue was published is simply not there."""
    demo.seed_demo(now=now)
    events = list(db.session.scalars(sa.select(AuditEvent)))
    assert max(e.occurred_at for e in events) <= now
    published = {c.year: c.published_at for c in db.session.scalars(sa.select(CatalogueYear))}
    consultations = all_consultations(db)
    assert {c.matter.year for c in consultations} >= {now.year - 1}
    for c in consultations:
        assert published[c.matter.year] is not None and published[c.matter.year] < c.created_at
        assert c.created_at <= now
        assert (c.opens_at <= now) == (c.matter.status != MatterStatus.PLANNED)
        for x in comments_of(db, c):
            assert c.opens_at <= x.submitted_at <= now
    if now.month >= 3:
        assert any(c.status_at(now) == "open" for c in consultations)
    assert_pool_and_meetings_not_after(db, now)
    # The two meetings to come are dated from today, whatever day it is (a meeting tied to a
    # matter's calendar may be still to come as well), and one starts within the hour.
    soon = [m for m in all_meetings(db) if now + HOUR < m.starts_at < now + timedelta(days=14)]
    assert len(soon) >= 2 and all(m.registration_deadline > now for m in soon)
    assert all(i.status == "pending" or i.responded_at <= now for m in soon for i in m.invitations)
    (under_way,) = [m for m in all_meetings(db) if now < m.starts_at <= now + HOUR]
    assert meeting_rules.checkin_open(under_way.starts_at, under_way.ends_at, now)


# --- the public-representative pool and its meetings -------------------------------------


def all_meetings(db) -> list[Meeting]:
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.starts_at)))


def assert_pool_and_meetings_not_after(db, now: datetime) -> None:
    """Nothing of the pool or the meetings is dated after `now`."""
    for rep in db.session.scalars(sa.select(Representative)):
        assert rep.created_at <= now
    for a in db.session.scalars(sa.select(RepresentativeApplication)):
        assert a.submitted_at <= now and (a.decided_at is None or a.decided_at <= now)
    for c in db.session.scalars(sa.select(ConflictOfInterest)):
        assert c.recorded_at <= now
    for m in all_meetings(db):
        assert m.created_at <= now and m.created_at < m.registration_deadline
        for stamp in (m.attendance_closed_at, m.outcome_published_at):
            assert stamp is None or m.ends_at <= stamp <= now
    for d in db.session.scalars(sa.select(Draw)):
        assert d.drawn_at <= now
    for i in db.session.scalars(sa.select(Invitation)):
        assert i.invited_at <= now
        if i.responded_at is not None:
            assert i.invited_at <= i.responded_at <= now
            assert i.responded_at < i.meeting.registration_deadline
        if i.checked_in_at is not None:
            assert i.checked_in_at <= now
            assert meeting_rules.checkin_open(
                i.meeting.starts_at, i.meeting.ends_at, i.checked_in_at
            )
    for r in db.session.scalars(sa.select(Remark)):
        assert r.meeting.starts_at <= r.recorded_at <= now


def test_the_pool_serves_in_every_category(seeded, db):
    people = list(db.session.scalars(sa.select(Representative)))
    serving = pool.roster(TODAY)
    assert len(serving) >= 30
    assert {r.category for r in serving} == set(CATEGORY_VALUES)
    for r in people:
        assert r.name.strip() and r.affiliation.strip() and r.interests
        # Private contacts are fictitious: masked mobile numbers, example.com addresses.
        assert re.fullmatch(r"139\*{4}\d{4}", r.phone)
        assert r.email is None or r.email.endswith("@example.com")
    terms = Counter((r.term_start, r.term_end) for r in people)
    assert terms.most_common(1)[0] == ((date(2025, 1, 1), date(2027, 12, 31)), len(people) - 1)
    assert any(r.category == "cppcc_member" and "民建" in r.affiliation for r in people)
    assert any("“五型”政府建设监督员" in r.affiliation for r in people)

    statuses = Counter(r.status_on(TODAY) for r in people)
    assert statuses["ended"] == 2 and statuses["suspended"] == 1
    (expired,) = [r for r in people if r.term_end < TODAY]
    assert expired.term_end.year == 2026 and expired.status == "ended"  # recorded by the tick
    assert events_for("representative", expired.id)[-1].action == "term_ended"
    for r in people:
        if r.status == "suspended" or (r.status == "ended" and r is not expired):
            (change,) = [
                e for e in events_for("representative", r.id) if e.action == "status_changed"
            ]
            assert change.details["reason"].strip() and change.actor.role == Role.ADMIN
    assert all(r not in serving for r in people if r.status_on(TODAY) != "active")

    me = next(r for r in people if r.user is not None)
    assert me.user.email == "representative@donghu.example" and me.name == "周文静"
    assert me.user.role == Role.REPRESENTATIVE


def test_applications_and_conflicts(seeded, db):
    applications = list(
        db.session.scalars(
            sa.select(RepresentativeApplication).order_by(RepresentativeApplication.submitted_at)
        )
    )
    rejected, pending, without_account = applications
    assert {a.user.email for a in (rejected, pending)} == {"resident@donghu.example"}
    assert rejected.status == "rejected" and rejected.decision_reason.strip()
    assert db.session.get(User, rejected.decided_by_id).role == Role.ADMIN
    assert pending.status == "pending" and pending.decided_at is None
    assert pending.user.role == Role.RESIDENT  # not a representative until approved
    # Made on the public form: a name and a private address, no account (yet).
    assert without_account.user is None and without_account.status == "pending"
    assert without_account.name == "黄丽萍" and without_account.email.endswith("@example.com")
    assert all(re.fullmatch(r"SQ-\d{4}(-[0-9A-Z]{4}){2}", a.receipt) for a in applications)

    conflicts = list(db.session.scalars(sa.select(ConflictOfInterest)))
    assert conflicts and all(c.note.strip() and c.matter.is_published for c in conflicts)
    excluded = [
        (e["id"], m)
        for d in db.session.scalars(sa.select(Draw))
        for e in d.excluded
        if e["reason"] == "conflict_of_interest"
        for m in e["matters"]
    ]
    assert excluded
    for rep_id, matter_id in excluded:
        assert any(c.representative_id == rep_id and c.matter_id == matter_id for c in conflicts)
    # A conflicted representative is never invited to a meeting that decides the matter.
    for c in conflicts:
        for i in db.session.scalars(
            sa.select(Invitation).where(Invitation.representative_id == c.representative_id)
        ):
            assert c.matter_id not in {a.matter_id for a in i.meeting.agenda}


def test_past_meetings_were_held_and_their_outcomes_published(seeded, db):
    past = [m for m in all_meetings(db) if m.ends_at <= NOW]
    assert 3 <= len(past) <= 4
    assert {"standing", "symposium", "hearing"} <= {m.kind for m in past}
    for m in past:
        assert m.attendance_closed_at and m.outcome_published_at and m.outcome_summary.strip()
        assert m.agenda and all(a.decision and a.decision.strip() for a in m.agenda)
        assert any(a.interpretation for a in m.agenda)
        assert m.invitations and all(i.attendance for i in m.invitations)
        for i in m.invitations:
            assert (i.attendance == "attended") == (i.checked_in_at is not None)
        assert any(i.attendance == "attended" for i in m.invitations)
        assert m.remarks and all(
            r.representative_id in {i.representative_id for i in m.invitations} for r in m.remarks
        )
    assert any(
        i.attendance == "absent" and i.status == "accepted" for m in past for i in m.invitations
    )

    standing = next(m for m in past if m.kind == "standing" and m.starts_at.year == 2026)
    matters = [a.matter for a in standing.agenda]
    assert all(x is not None and x.year == 2026 for x in matters)
    assert {x.status for x in matters} == {MatterStatus.DECIDED, MatterStatus.DELIBERATING}
    decided = next(x for x in matters if x.status == MatterStatus.DECIDED)
    assert decided.decision_date == local_day(standing.starts_at)
    actions = [e.action for e in services.timeline(decided)]
    assert actions.index("meeting_scheduled") < actions.index("meeting_outcome_published")

    # Draws are published and re-run from what is published; a declined drawn seat went to
    # the next in the same ranking.
    draws = [d for m in past for d in m.draws]
    assert draws
    for d in draws:
        assert meeting_rules.draw(d.seed, d.quotas, d.pool) == d.result
    declined = [i for m in past for i in m.invitations if i.status == "declined"]
    assert declined and all(i.decline_reason for i in declined)
    substitutes = [i for m in past for i in m.invitations if i.source == "substitute"]
    assert substitutes
    for sub in substitutes:
        replaced = db.session.get(Invitation, sub.replaces_id)
        assert replaced.status == "declined" and replaced.source == "draw"
        assert sub.draw_id == replaced.draw_id
        assert sub.representative.category == replaced.representative.category


def test_a_remark_at_a_meeting_joins_a_consultation_being_answered(seeded, db):
    remarks = [r for r in db.session.scalars(sa.select(Remark)) if r.comment_id]
    assert remarks
    for r in remarks:
        comment = db.session.get(Comment, r.comment_id)
        assert comment.source == "meeting" and comment.body == r.text
        assert comment.author_name == r.representative.name and comment.receipt
        consultation = comment.consultation
        assert consultation.closes_at <= comment.submitted_at == r.recorded_at
        assert consultation.status_at(NOW) == ConsultationStatus.CLOSED
        assert consultation.matter_id == r.agenda_item.matter_id
        timeline = services.timeline(consultation.matter)
        assert any(
            e.action == "meeting_scheduled" and e.details["meeting_id"] == r.meeting_id
            for e in timeline
        )


def test_a_meeting_under_way_with_check_in_open(seeded, db, client):
    """A 区交通局 symposium starts within the hour: two without accounts have been checked in at
    the door by their passes, the demo representative not yet; the venue screen shows the
    code of the moment."""
    (m,) = [m for m in all_meetings(db) if NOW < m.starts_at <= NOW + HOUR]
    assert meeting_rules.checkin_phase(m.starts_at, m.ends_at, NOW) == "open"
    assert m.department.name == "区交通运输局" and m.venue_secret
    arrived = [i for i in m.invitations if i.checked_in_at is not None]
    assert len(arrived) == 2 and all(i.checked_in_at <= NOW for i in arrived)
    mine = next(i for i in m.invitations if i.representative.name == "周文静")
    assert mine.status == "accepted" and mine.checked_in_at is None
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@donghu.example"))
    Auth(client).login(admin, password=demo.DEMO_PASSWORD)
    page = client.get(f"/manage/meetings/{m.id}/venue-screen").get_data(as_text=True)
    code = meeting_rules.venue_code(m.venue_secret, NOW)
    assert f"{code[:3]} {code[3:]}" in page and 'data-reload-after="' in page


def test_the_demo_representatives_attendance_record(seeded, db, client):
    """Several past meetings in different states: declined, missed, attended."""
    me = db.session.scalar(
        sa.select(Representative)
        .join(Representative.user)
        .where(User.email == "representative@donghu.example")
    )
    past = [i for i in meeting_services.invitations_for(me) if i.meeting.ends_at <= NOW]
    assert {i.status for i in past} == {"accepted", "declined"}
    assert {i.attendance for i in past} == {"attended", "absent"}
    counts = meeting_services.attendance_counts(me, NOW)
    assert counts["declined"] >= 1 and counts["attended"] >= 1 and counts["missed"] >= 1
    Auth(client).login(me.user, password=demo.DEMO_PASSWORD)
    page = client.get("/my/invitations").get_data(as_text=True)
    assert 'id="attendance"' in page and all(f'id="history-{i.id}"' in page for i in past)


def test_meetings_to_come_and_the_demo_representative(seeded, db, client):
    upcoming = [m for m in all_meetings(db) if m.starts_at > NOW + HOUR]
    assert len(upcoming) == 2
    standing = next(m for m in upcoming if m.kind == "standing")
    assert 1 <= (local_day(standing.starts_at) - TODAY).days <= 13
    assert standing.department is None and standing.draws
    assert all(a.matter is not None for a in standing.agenda)
    housing = next(m for m in upcoming if m.department is not None)
    assert housing.department.name == "区住房和城乡建设局"
    assert db.session.get(User, housing.created_by_id).role == Role.OFFICER
    for m in upcoming:
        assert m.registration_deadline > NOW
        assert any(i.status == "pending" for i in m.invitations)
        assert not m.attendance_closed_at and not m.outcome_published_at

    me = db.session.scalar(
        sa.select(Representative)
        .join(Representative.user)
        .where(User.email == "representative@donghu.example")
    )
    mine = meeting_services.invitations_for(me)
    waiting = [i for i in mine if i.status == "pending" and i.meeting.starts_at > NOW]
    assert waiting and all(i.meeting.registration_deadline > NOW for i in waiting)
    accepted = [i for i in mine if i.status == "accepted" and i.meeting.starts_at > NOW + HOUR]
    (coming,) = accepted
    assert coming.meeting == housing and coming.checkin_code
    assert any(i.attendance == "attended" for i in mine)  # and she has been before

    Auth(client).login(me.user, password=demo.DEMO_PASSWORD)
    page = client.get("/my/invitations").get_data(as_text=True)
    assert coming.checkin_code in page and 'src="data:image/svg+xml' in page
    assert f"/my/invitations/{waiting[0].id}/response" in page


def test_no_pool_or_meeting_event_in_the_future(seeded, db):
    assert_pool_and_meetings_not_after(db, NOW)
    events = [
        e
        for e in db.session.scalars(sa.select(AuditEvent))
        if e.object_type
        in ("meeting", "invitation", "representative", "representative_application")
    ]
    assert events and max(e.occurred_at for e in events) <= NOW


def test_feedback_in_every_state_with_its_pdf_ready(seeded, db):
    """Published feedback with a ready PDF, one closed and partly answered, one overdue."""
    from consult.feedback import rules as feedback_rules
    from consult.feedback import services as feedback

    consultations = all_consultations(db)
    published = [c for c in consultations if c.feedback_published_at is not None]
    assert len(published) == 2
    for consultation in published:
        assert consultation.feedback_published_at <= NOW
        assert not feedback.closing_problems(consultation)
        report = feedback.latest_ready_report(consultation)
        assert report is not None and report.pages >= 2 and len(report.sha256) == 64
    waiting = [c for c in consultations if c.status_at(NOW) == ConsultationStatus.CLOSED]
    partly = [c for c in waiting if 0 < feedback.progress(c)[0] < feedback.progress(c)[1]]
    assert partly, "one closed consultation is partly answered"
    overdue = [
        c for c in waiting if feedback_rules.is_overdue(c.closes_at, c.feedback_published_at, NOW)
    ]
    assert overdue, "one consultation's feedback is overdue"


def test_staff_names_are_names_and_their_department_is_added_once(seeded, db, client):
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN.value))
    assert admin.display_name == "刘晓燕"
    assert admin.signature == "刘晓燕（区政府办公室）"
    pages = "".join(
        client.get(f"/matters/{m.id}").get_data(as_text=True)
        for m in db.session.scalars(sa.select(DecisionMatter)).all()
        if m.adjustments
    )
    assert "（区政府办公室）（区政府办公室）" not in pages
    assert "刘晓燕（区政府办公室）" in pages or "陈建国（" in pages


def test_a_matter_postponed_into_next_years_catalogue_is_listed_in_both(seeded, db, client):
    (moved,) = [m for m in all_matters(db) if m.postponement is not None]
    assert moved.year == 2027 and moved.postponement.from_year == 2026
    assert moved.is_published  # 2027 is a draft; the matter stays public
    client.set_cookie("lang", "zh_Hans")
    listing = client.get("/catalogue/2026").get_data(as_text=True)
    assert "调整至以后年度目录的事项" in listing and moved.title in listing
    assert moved.postponement.reason in client.get(f"/matters/{moved.id}").get_data(as_text=True)


def test_the_housing_officer_has_drafts_to_finish_and_a_feedback_to_publish(seeded, db):
    housing = {
        c.title: c
        for c in all_consultations(db)
        if c.matter.department.short_name == "住建局" and c.feedback_published_at is None
    }
    ebike = next(c for t, c in housing.items() if "电动自行车" in t)
    parking = next(c for t, c in housing.items() if "停车设施" in t)
    assert ebike.closes_at < NOW < parking.closes_at
    drafted = [c for c in comments_of(db, ebike) if c.answer]
    assert len(drafted) == 4 and not any(c.answer.draft for c in drafted)
    officers = {db.session.get(User, c.answer.by_id).email for c in drafted}
    assert officers == {"housing@donghu.example"}
    assert all(c.answer.at < ebike.closes_at for c in drafted)
    assert len(comments_of(db, ebike)) - 4 == 2  # what is left before publishing
    # On the open one, his drafts (拟办) wait for the head's confirmation: three one by one,
    # and the hotline's calls about the building works, at once.
    drafted = [c for c in comments_of(db, parking) if c.answer and c.answer.draft]
    officers = {db.session.get(User, c.answer.by_id).email for c in drafted}
    assert officers == {"housing@donghu.example"} and len(drafted) > 3
    one_by_one = [
        e
        for c in drafted
        for e in events_for("comment", c.id)
        if e.action == "disposed" and e.details.get("draft")
    ]
    assert len(one_by_one) == 3
    assert all(c.answer.at < parking.closes_at and c.answer.at <= NOW for c in drafted)


# --- the answering shared out, set-based answers, and the files uploaded -------------------


def _open_of(db, short_name: str) -> Consultation:
    (found,) = [
        c
        for c in all_consultations(db)
        if c.status_at(NOW) == "open" and c.matter.department.short_name == short_name
    ]
    return found


def _recount(db, consultation: Consultation) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The answer progress counted from the comments themselves, per (clause, officer)."""
    c = Comment
    # (the same expressions selected and grouped by: PostgreSQL matches them by identity)
    clause, who = sa.func.coalesce(c.clause_id, 0), sa.func.coalesce(c.assigned_to_id, 0)
    rows = db.session.execute(
        sa.select(
            clause,
            who,
            sa.func.count(),
            sa.func.count().filter(answers.IS_DRAFTED),
            sa.func.count().filter(answers.IS_ANSWERED),
        )
        .where(c.consultation_id == consultation.id)
        .group_by(clause, who)
    ).all()
    return {(k, w): (n, d, a) for k, w, n, d, a in rows}


@pytest.mark.parametrize("short_name", ["住建局", "交通局"])
def test_the_head_shares_the_answering_out_and_the_officers_are_under_way(seeded, db, short_name):
    from consult.feedback import progress
    from consult.feedback import selection
    from consult.feedback import services as feedback

    consultation = _open_of(db, short_name)
    department = consultation.matter.department
    staff = list(db.session.scalars(sa.select(User).where(User.department_id == department.id)))
    (head,) = [u for u in staff if u.department_head]
    officers = [u for u in staff if not u.department_head]
    assert len(officers) == 2 and feedback.may_assign(head, consultation)
    assert not any(feedback.may_assign(u, consultation) for u in officers)

    # Groups, clauses and selections were assigned by the head, to each officer.
    events = events_for("consultation", consultation.id)
    assigned = [e for e in events if e.action == "comments_assigned"]
    assert {e.actor_id for e in assigned} == {head.id}
    assert {e.details["officer_id"] for e in assigned} == {u.id for u in officers}
    chosen = [set(e.details["selection"]) for e in assigned]
    assert {"group_id"} in chosen and any("clause" in s or "source" in s for s in chosen)
    assert all(e.details["count"] > 0 and e.occurred_at <= NOW for e in assigned)

    # Each officer has comments of their own still to answer ("mine, not yet answered").
    for officer in officers:
        mine = selection.Selection(assignee=officer.id, state=selection.UNANSWERED)
        page = selection.comments_page(consultation, mine)
        assert page.comments and all(
            x.assigned_to_id == officer.id and x.answer is None for x in page.comments
        )
    waiting = progress.waiting_for(officers[0].id, [consultation.id])
    # the dashboard's "mine": what the workspace's filter lists
    assert (
        waiting[consultation.id]
        == progress.progress_of(consultation.id).by_officer[officers[0].id].unanswered
        > 0
    )

    # The progress the workspace and the dashboard read is the comments' own, and it is
    # not trivial: per officer and per clause, some answered and some still open.
    tally = feedback.answer_progress_of(consultation)
    recount = _recount(db, consultation)

    def summed(cells) -> tuple[int, int, int]:
        return tuple(map(sum, zip(*cells, strict=True)))

    t = tally.total
    assert (t.comments, t.drafted, t.answered) == summed(recount.values())
    for part, by, position in ((tally.by_clause, "clause", 0), (tally.by_officer, "officer", 1)):
        keys = {key[position] for key in recount}
        assert {k for k, row in part.items() if row.comments} == keys, by
        for k in keys:
            row = part[k]
            cells = [v for key, v in recount.items() if key[position] == k]
            assert (row.comments, row.drafted, row.answered) == summed(cells), (by, k)
    mine = [tally.by_officer[u.id] for u in officers]
    assert all(t.comments > 0 for t in mine) and 0 in tally.by_officer  # and not assigned
    assert any(t.answered for t in mine) and all(t.unanswered for t in mine)
    assert sum(1 for t in tally.by_clause.values() if t.answered or t.drafted) >= 2
    assert sum(1 for t in tally.by_clause.values() if t.unanswered) >= 3
    totals = progress.totals([consultation.id])[consultation.id]
    assert (totals.comments, totals.answered) == (tally.total.comments, tally.total.answered)


def test_a_whole_group_and_a_filter_selection_answered_at_once_drafts_and_confirmed(seeded, db):
    for short_name in ("住建局", "交通局"):
        consultation = _open_of(db, short_name)
        events = events_for("consultation", consultation.id)
        bulk = [e for e in events if e.action == "answered_in_bulk"]
        by_group = [e for e in bulk if set(e.details["selection"]) == {"group_id"}]
        by_filter = [e for e in bulk if "group_id" not in e.details["selection"]]
        assert by_group and by_filter, short_name
        for e in bulk:
            assert e.actor.department_id == consultation.matter.department_id
            assert not e.actor.department_head and e.details["count"] > 0
        # The group's answer is every member's (stored once, in the group's row), each on its
        # own receipt.
        event = by_group[0]
        group = db.session.get(DuplicateGroup, event.details["selection"]["group_id"])
        assert 20 <= event.details["count"] <= group.size
        assert (group.disposition, group.disposed_at) == (
            event.details["disposition"],
            event.occurred_at,
        )
        members = group.comments
        assert {x.answer for x in members} == {members[0].answer}
        assert members[0].answer.shared and members[0].answer.reason
        assert len({x.receipt for x in members}) == group.size
        # A drafted group, confirmed by the head: no draft is left in it.
        confirmed = [e for e in events if e.action == "drafts_confirmed"]
        (confirmation,) = confirmed
        assert confirmation.actor.department_head
        assert confirmation.details["selection"] == event.details["selection"]
        assert event.details["draft"] and confirmation.occurred_at > event.occurred_at
        assert not group.answer_draft and not any(x.answer.draft for x in members)
    # Drafted answers wait for confirmation on the housing consultation.
    parking = _open_of(db, "住建局")
    drafted = db.session.scalar(
        sa.select(sa.func.count()).where(Comment.consultation_id == parking.id, answers.IS_DRAFTED)
    )
    assert drafted > 3


def test_the_hotline_export_was_imported_and_a_mistyped_file_refused(seeded, db, client):
    from consult.comments.models import CommentImport

    parking = _open_of(db, "住建局")
    officer = db.session.scalar(sa.select(User).where(User.email == "housing@donghu.example"))
    uploads = list(db.session.scalars(sa.select(CommentImport).order_by(CommentImport.id)))
    assert [u.consultation_id for u in uploads] == [parking.id, parking.id]
    done, refused = uploads
    assert all(u.uploaded_by_id == officer.id and u.created_at <= NOW for u in uploads)

    assert re.fullmatch(r"12345热线工单导出（\d{1,2}月）\.xlsx", done.filename)
    assert done.kind == "xlsx" and done.status == "imported" and done.error_count == 0
    assert done.rows_total == done.imported_count == 180 and done.sources == {"hotline": 180}
    assert {"工单编号", "承办单位"} <= set(done.ignored_columns)
    assert done.created_at < done.imported_at <= NOW and done.confirmed_by_id == officer.id
    (event,) = [
        e for e in events_for("consultation", parking.id) if e.action == "comments_imported"
    ]
    assert event.details == {"count": 180, "sources": {"hotline": 180}}
    imported = db.session.scalars(
        sa.select(Comment).where(
            Comment.consultation_id == parking.id,
            Comment.source == "hotline",
            Comment.body.contains("诉求："),
        )
    ).all()
    assert len(imported) == 180 and {x.entered_by_id for x in imported} == {officer.id}
    bodies = [x.body for x in imported]
    assert len(set(bodies)) > 150 and all("诉求：" in b for b in bodies)
    assert all(parking.opens_at <= x.submitted_at < done.created_at for x in imported)
    assert all(x.contact and "****" in x.contact and not x.show_name for x in imported)
    assert len({x.clause_id for x in imported}) >= 6

    assert refused.filename.endswith(".csv") and refused.status == "refused"
    assert refused.imported_count is None and refused.confirmed_by_id is None
    assert refused.error_count == 3
    assert [(e["row"], e["field"]) for e in refused.errors] == [
        (6, "submitted_at"),
        (11, "body"),
        (17, "clause"),
    ]
    assert len(refused.preview) == 10 and refused.sources == {"mailbox": 24}
    # Nothing of it came in: the consultation's one mailbox comment was entered by hand.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Comment.consultation_id == parking.id, Comment.source == "mailbox"
            )
        )
        == 1
    )

    # The officer sees both on the import pages, the problems by row.
    Auth(client).login(officer, password=demo.DEMO_PASSWORD)
    client.set_cookie("lang", "zh_Hans")
    listing = client.get(f"/manage/consultations/{parking.id}/imports").get_data(as_text=True)
    assert done.filename in listing and refused.filename in listing
    page = client.get(f"/manage/comment-imports/{refused.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "未导入任何意见" in text and re.search(r"“\d{1,2}月\d{1,2}日上午”不是有效时间", text)
    problems = text[text.index('class="stacked-rows problems"') :]
    problems = problems[: problems.index("</table>")]
    assert [int(n) for n in re.findall(r'<th scope="row">第(\d+)行', problems)] == [6, 11, 17]


@pytest.mark.parametrize("email", ["housing@donghu.example", "transport@donghu.example"])
def test_the_demo_officer_sees_his_share_on_the_dashboard_and_in_the_workspace(
    seeded, db, client, email
):
    from consult.feedback import progress
    from consult.feedback import selection

    officer = db.session.scalar(sa.select(User).where(User.email == email))
    consultation = _open_of(db, officer.department.short_name)
    waiting = progress.waiting_for(officer.id, [consultation.id])[consultation.id]
    tally = progress.progress_of(consultation.id)
    Auth(client).login(officer, password=demo.DEMO_PASSWORD)
    client.set_cookie("lang", "zh_Hans")
    dashboard = client.get("/manage/").get_data(as_text=True)
    # The open consultation's row: its progress, and the officer's own share, linked.
    row = dashboard[dashboard.index(consultation.title) :]
    row = row[: row.index("</tr>")]
    assert f"已答复{tally.total.answered}条意见，共{tally.total.comments}条" in row
    assert f"分配给我、尚未答复 ({waiting})" in row
    assert f"assignee={officer.id}" in row and "/feedback" in row
    workspace = client.get(f"/manage/consultations/{consultation.id}/feedback")
    text = workspace.get_data(as_text=True)
    assert workspace.status_code == 200 and 'id="progress-detail"' in text
    assert f"({tally.by_officer[officer.id].unanswered})" in text
    assert 'id="assign-form"' not in text  # the head assigns, not the officer
    head = db.session.scalar(
        sa.select(User).where(User.department_id == officer.department_id, User.department_head)
    )
    Auth(client).logout()
    Auth(client).login(head, password=demo.DEMO_PASSWORD)
    text = client.get(f"/manage/consultations/{consultation.id}/feedback").get_data(as_text=True)
    assert 'id="assign-form"' in text
    for other in selection.officers_of(consultation):
        assert f'<option value="{other.id}"' in text


def test_decisions_come_with_interpretations_and_questions_in_every_state(seeded, db):
    from consult.interpretation import services as interpretation
    from consult.interpretation.models import Question

    matters = list(_db.session.scalars(sa.select(DecisionMatter)))
    decided = [m for m in matters if m.status == MatterStatus.DECIDED]
    assert decided
    for m in decided:
        assert [i.kind for i in interpretation.interpretations(m)][:1] == ["initial"], m.title
    bus = next(m for m in decided if m.title.startswith("东湖区城区公交线网优化调整方案"))
    kinds = [i.kind for i in interpretation.interpretations(bus)]
    assert kinds == ["initial", "follow_up"]
    assert interpretation.interpretations(bus)[0].forms == [
        "text",
        "illustrated",
        "press_conference",
    ]
    assert interpretation.current_specialists(bus.department_id)
    today = clock.local_date_of(NOW)
    questions = list(_db.session.scalars(sa.select(Question)))
    assert len(questions) >= 12
    states = Counter(interpretation.state(q, today) for q in questions)
    assert set(states) == {"waiting", "overdue", "answered", "answered_late", "hidden"}, states
    groups = Counter(q.group_id for q in questions if q.group_id is not None)
    assert max(groups.values()) >= 3
    # One answer went to the repeats of a question too.
    (size, group) = max((n, g) for g, n in groups.items())
    assert all(q.answer for q in questions if q.group_id == group)
