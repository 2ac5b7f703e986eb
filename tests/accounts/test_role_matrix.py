"""Rule 4 ("an officer acts only for their own department; the government office acts for
all") and the office-only rule, tested once, at the level where they are decided:

- the predicate: `can_manage(actor)` on everything a department owns, `managed_by(actor)` as a
  query criterion, `manages_department`;
- the services: every service that needs a manager, or the government office, called by every
  kind of actor, its row of outcomes compared with the expected row.

`SYSTEM` (the CLI, the demo, jobs) may do everything; `None` is someone who is not logged in
and is refused like Flask-Login's anonymous user.

The entry points only pass the actor on, and show that an officer of another department is
refused: the web in each domain's role × route matrix (e.g. tests/catalogue/test_catalogue_views.py
`test_role_route_matrix`, which also covers the pages' own guards), the API in
tests/api/test_consultations_api.py `test_staff_endpoints_are_for_the_lead_department_and_the_
government_office`, the CLI in tests/comments/test_comments_cli.py `test_the_import_is_recorded_
for_a_staff_account_of_the_department_only`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.accounts.models import acts_as_office
from consult.accounts.models import manages_department
from consult.catalogue import services as catalogue
from consult.catalogue.models import DecisionMatter
from consult.comments import services as comments
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.core.errors import Forbidden
from consult.feedback import services as feedback
from consult.feedback.models import AnswerTemplate
from consult.meetings import services as meetings
from consult.meetings.models import Meeting
from consult.representatives import services as pool
from tests.helpers import ADOPTED
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOT_ADOPTED
from tests.helpers import NOW
from tests.helpers import PDF
from tests.helpers import answer_all
from tests.helpers import build_scenario
from tests.helpers import consultation_data
from tests.helpers import make_consultation
from tests.helpers import meeting_data
from tests.helpers import submit

# Every kind of actor, and who of them passes each gate.
ACTORS = [
    "system",
    "admin",
    "own officer",
    "other officer",
    "own officer, deactivated",
    "representative",
    "resident",
    "anonymous",
    "nobody",  # actor=None
]
MANAGERS = {"system", "admin", "own officer"}  # of the own department's things
OFFICE = {"system", "admin"}  # the government office's own business


@pytest.fixture
def actors(world, db, create_user) -> dict[str, Any]:
    """`world.dept` is the own department, `world.other_dept` another one."""
    deactivated = create_user("officer", department=world.dept)
    deactivated.active = False
    db.session.commit()
    return {
        "system": SYSTEM,
        "admin": world.users["admin"],
        "own officer": world.users["own_officer"],
        "other officer": world.users["other_officer"],
        "own officer, deactivated": deactivated,
        "representative": world.users["representative"],
        "resident": world.users["resident"],
        "anonymous": AnonymousUserMixin(),
        "nobody": None,
    }


# --- the predicate -----------------------------------------------------------------------

OWNED = {
    "matter": lambda dept: DecisionMatter(department_id=dept),
    "consultation": lambda dept: Consultation(matter=DecisionMatter(department_id=dept)),
    "meeting": lambda dept: Meeting(department_id=dept),
    "answer template": lambda dept: AnswerTemplate(department_id=dept),
}


@pytest.mark.parametrize("kind", list(OWNED))
@pytest.mark.parametrize("who", ACTORS)
def test_who_manages_what_a_department_owns(world, actors, create_department, kind, who):
    actor, third = actors[who], create_department()  # a department of none of them
    assert OWNED[kind](world.dept.id).can_manage(actor) is (who in MANAGERS)
    assert OWNED[kind](third.id).can_manage(actor) is (who in OFFICE)
    if kind == "meeting":  # a district meeting belongs to no department: the office's own
        assert OWNED[kind](None).can_manage(actor) is (who in OFFICE)
    assert manages_department(actor, world.dept.id) is (who in MANAGERS)
    assert acts_as_office(actor) is (who in OFFICE)


def test_the_query_criterion_lists_what_each_may_manage(db, world, actors, create_matter):
    mine = world.matter.id
    theirs = create_matter(year=2027).id  # of a department of none of them
    for who, actor in actors.items():
        listed = set(
            db.session.scalars(sa.select(DecisionMatter.id).where(DecisionMatter.managed_by(actor)))
        )
        assert (mine in listed) is (who in MANAGERS), who
        assert (theirs in listed) is (who in OFFICE), who


def test_the_system_is_no_account_and_cannot_be_changed():
    assert SYSTEM.id is None and SYSTEM.department_id is None
    with pytest.raises(AttributeError):
        SYSTEM.role = "resident"  # type: ignore[misc]


# --- the services ------------------------------------------------------------------------


class Stage:
    """What the services act on, made by the system before the actors try: built on first
    use, so each case makes only what it needs."""

    def __init__(self, world, clock, db):
        self.world, self.clock, self.db = world, clock, db

    @cached_property
    def consultation(self) -> Consultation:
        """The own department's consultation, open since NOW; the clock two days on."""
        consultation = make_consultation(self.world.matter, NOW)
        self.clock.set(NOW + 2 * DAY)
        return consultation

    @cached_property
    def comment(self):
        return submit(self.consultation)

    @cached_property
    def answering(self):
        """Six comments of the own department's consultation, which closed an hour ago."""
        scenario = build_scenario(self.world, self.clock, self.db)
        self.clock.set(scenario.consultation.closes_at + HOUR)
        return scenario

    @cached_property
    def published(self):
        """The same, answered and closed with feedback."""
        answer_all(self.answering)
        feedback.publish_feedback(self.answering.consultation, {"summary": "摘要"}, actor=SYSTEM)
        return self.answering

    @cached_property
    def expert(self):
        return pool.add_representative(
            {
                "name": "专家甲",
                "category": "expert",
                "term_start": date(2025, 1, 1),
                "term_end": date(2027, 12, 31),
            },
            actor=SYSTEM,
        )

    @cached_property
    def meeting(self) -> Meeting:
        """The own department's symposium in two weeks; the expert is in the pool."""
        assert self.expert.serves_on(NOW.date())
        return meetings.create_meeting(meeting_data(self.world.dept.id), actor=SYSTEM)

    @cached_property
    def under_way(self) -> Meeting:
        """The symposium begins; the expert was invited and accepted."""
        (invitation,) = meetings.invite(self.meeting, [self.expert.id], actor=SYSTEM)
        meetings.respond(invitation, True, actor=SYSTEM)
        self.clock.set(self.meeting.starts_at)
        return self.meeting

    def held(self) -> Meeting:
        """The symposium is over."""
        self.clock.set(self.under_way.ends_at + HOUR)
        return self.meeting


def matter_data(department_id: int, year: int = 2027) -> dict[str, Any]:
    return {
        "year": year,
        "title": "公交线网优化",
        "summary": "优化辖区公交线网。",
        "department_id": department_id,
        "planned_time": f"{year}-Q3",
        "hearing": False,
        "procedures": {"public_participation": True},
    }


@dataclass(frozen=True)
class Case:
    """A service at its gate: `who` may pass; `target(stage)` is made first (by the
    system), then `act(target, actor)` is tried by every actor in turn."""

    who: set[str]
    target: Callable[[Stage], Any]
    act: Callable[[Any, Any], Any]


def _matter(s: Stage) -> DecisionMatter:
    return s.world.matter


def _2027_catalogue(s: Stage):
    return catalogue.create_matter(matter_data(s.world.dept.id), actor=SYSTEM).catalogue


def _hidden(s: Stage):
    return comments.hide_comment(s.comment, "abusive", actor=SYSTEM)


def _template(s: Stage) -> AnswerTemplate:
    return feedback.save_template(s.world.dept, TEMPLATE, actor=SYSTEM)


def _invitation_code(s: Stage):
    return s.under_way, s.under_way.invitations[0].checkin_code


def _application(s: Stage):
    return pool.apply_without_account(
        {
            "name": "钱七",
            "email": "qian.qi@example.com",
            "category": "expert",
            "statement": "希望参与城市更新的讨论。",
        }
    )


TEMPLATE = {"title": "暂不采纳", "disposition": "not_adopted", "reason": "与上位法不符。"}
REASON = "涉及群众切身利益，调整安排。"
OFFLINE = {
    "source": "hotline",
    "received_at": NOW + DAY,
    "author_name": "来电市民",
    "body": "希望施工期间保留临时停车位。",
}

CASES: dict[str, Case] = {
    # the catalogue
    "catalogue.create_matter": Case(
        MANAGERS,
        lambda s: s.world.dept,
        lambda dept, actor: catalogue.create_matter(matter_data(dept.id), actor=actor),
    ),
    "catalogue.update_matter": Case(
        MANAGERS,
        _matter,
        lambda m, actor: catalogue.update_matter(
            m, {"hearing": True, "reason": REASON}, actor=actor
        ),
    ),
    "catalogue.postpone_matter": Case(
        MANAGERS,
        _matter,
        lambda m, actor: catalogue.postpone_matter(
            m, {"planned_time": "2027-Q2", "reason": REASON}, actor=actor
        ),
    ),
    "catalogue.record_procedure": Case(
        MANAGERS,
        _matter,
        lambda m, actor: catalogue.record_procedure(
            m, "public_participation", date(2026, 3, 1), actor=actor
        ),
    ),
    "catalogue.change_status": Case(
        MANAGERS, _matter, lambda m, actor: catalogue.change_status(m, "consulting", actor=actor)
    ),
    "catalogue.publish_catalogue": Case(
        OFFICE, _2027_catalogue, lambda cat, actor: catalogue.publish_catalogue(cat, actor=actor)
    ),
    "catalogue.withdraw_matter": Case(
        OFFICE, _matter, lambda m, actor: catalogue.withdraw_matter(m, REASON, actor=actor)
    ),
    # consultations
    "consultations.open_consultation": Case(
        MANAGERS,
        _matter,
        lambda m, actor: consultations.open_consultation(m, consultation_data(), actor=actor),
    ),
    "consultations.change_closing": Case(
        MANAGERS,
        lambda s: s.consultation,
        lambda c, actor: consultations.change_closing(c, c.closes_at + DAY, REASON, actor=actor),
    ),
    "consultations.delete_consultation": Case(
        MANAGERS,
        lambda s: make_consultation(s.world.matter, NOW + 5 * DAY),
        lambda c, actor: consultations.delete_consultation(c, actor=actor),
    ),
    "consultations.add_document": Case(
        MANAGERS,
        lambda s: s.consultation,
        lambda c, actor: consultations.add_document(c, "说明.pdf", PDF, actor=actor),
    ),
    "consultations.record_activity": Case(
        MANAGERS,
        lambda s: s.consultation,
        lambda c, actor: consultations.record_activity(
            c,
            {
                "kind": "symposium",
                "held_on": date(2026, 3, 3),
                "place": "东湖街道",
                "participants": 9,
            },
            actor=actor,
        ),
    ),
    # comments
    "comments.enter_offline_comment": Case(
        MANAGERS,
        lambda s: s.consultation,
        lambda c, actor: comments.enter_offline_comment(c, OFFLINE, actor=actor),
    ),
    "comments.import_comments": Case(
        MANAGERS,
        lambda s: s.consultation,
        lambda c, actor: comments.import_comments(
            c, [{**OFFLINE, "submitted_at": OFFLINE["received_at"]}], actor=actor
        ),
    ),
    "comments.hide_comment": Case(
        MANAGERS,
        lambda s: s.comment,
        lambda comment, actor: comments.hide_comment(comment, "abusive", actor=actor),
    ),
    "comments.publish_comment": Case(
        MANAGERS, _hidden, lambda comment, actor: comments.publish_comment(comment, actor=actor)
    ),
    # feedback
    "feedback.dispose_comment": Case(
        MANAGERS,
        lambda s: s.answering,
        lambda sc, actor: feedback.dispose_comment(sc.a, ADOPTED, actor=actor),
    ),
    "feedback.dispose_comments": Case(
        MANAGERS,
        lambda s: s.answering,
        lambda sc, actor: feedback.dispose_comments(
            sc.consultation, [sc.a.id, sc.b.id], NOT_ADOPTED, actor=actor
        ),
    ),
    "feedback.correct_disposition": Case(
        MANAGERS,
        lambda s: s.published,
        lambda sc, actor: feedback.correct_disposition(sc.a, NOT_ADOPTED, actor=actor),
    ),
    "feedback.publish_feedback": Case(
        MANAGERS,
        lambda s: answer_all(s.answering) or s.answering,
        lambda sc, actor: feedback.publish_feedback(
            sc.consultation, {"summary": "摘要"}, actor=actor
        ),
    ),
    "feedback.request_correction": Case(
        MANAGERS,
        lambda s: s.published,
        lambda sc, actor: feedback.request_correction(sc.consultation, "更正", actor=actor),
    ),
    "feedback.save_template": Case(
        MANAGERS,
        lambda s: s.world.dept,
        lambda dept, actor: feedback.save_template(dept, TEMPLATE, actor=actor),
    ),
    "feedback.delete_template": Case(
        MANAGERS, _template, lambda t, actor: feedback.delete_template(t, actor=actor)
    ),
    # meetings
    "meetings.create_meeting": Case(
        MANAGERS,
        lambda s: s.world.dept,
        lambda dept, actor: meetings.create_meeting(meeting_data(dept.id), actor=actor),
    ),
    "meetings.invite": Case(
        MANAGERS,
        lambda s: (s.meeting, s.expert),
        lambda mr, actor: meetings.invite(mr[0], [mr[1].id], actor=actor),
    ),
    "meetings.run_draw": Case(
        MANAGERS,
        lambda s: s.meeting,
        lambda m, actor: meetings.run_draw(
            m, {"seed": "2026-03", "quotas": {"expert": 1}}, actor=actor
        ),
    ),
    "meetings.venue_code": Case(
        MANAGERS, lambda s: s.meeting, lambda m, actor: meetings.venue_code(m, actor=actor)
    ),
    "meetings.check_in": Case(
        MANAGERS,
        _invitation_code,
        lambda mc, actor: meetings.check_in(mc[0], mc[1], actor=actor),
    ),
    "meetings.close_attendance": Case(
        MANAGERS, Stage.held, lambda m, actor: meetings.close_attendance(m, actor=actor)
    ),
    "meetings.add_remark": Case(
        MANAGERS,
        Stage.held,
        lambda m, actor: meetings.add_remark(
            m,
            {"representative_id": m.invitations[0].representative_id, "text": "建议增设助餐点。"},
            actor=actor,
        ),
    ),
    "meetings.publish_outcome": Case(
        MANAGERS,
        Stage.held,
        lambda m, actor: meetings.publish_outcome(
            m, {"summary": "会议研究了改造方案。"}, actor=actor
        ),
    ),
    # accounts
    "accounts.create_department": Case(
        OFFICE,
        lambda s: None,
        lambda _none, actor: accounts.create_department(
            {"name": "东湖区民政局", "short_name": "民政局"}, actor=actor
        ),
    ),
    "accounts.update_department": Case(
        OFFICE,
        lambda s: s.world.other_dept,
        lambda dept, actor: accounts.update_department(
            dept, {"name": "东湖区教育体育局"}, actor=actor
        ),
    ),
    "accounts.create_user": Case(
        OFFICE,
        lambda s: s.world.dept,
        lambda dept, actor: accounts.create_user(
            {
                "email": "new.officer@example.test",
                "display_name": "新科员",
                "password": "a long enough password",
                "role": "officer",
                "department_id": dept.id,
            },
            actor=actor,
        ),
    ),
    "accounts.update_user": Case(
        OFFICE,
        lambda s: s.world.users["resident"],
        lambda user, actor: accounts.update_user(user, {"display_name": "张伟"}, actor=actor),
    ),
    "accounts.set_password": Case(
        OFFICE,
        lambda s: s.world.users["resident"],
        lambda user, actor: accounts.set_password(user, "a new long password", actor=actor),
    ),
    # the representative pool
    "representatives.add_representative": Case(
        OFFICE,
        lambda s: None,
        lambda _none, actor: pool.add_representative(
            {
                "name": "孙八",
                "category": "media",
                "term_start": date(2026, 1, 1),
                "term_end": date(2027, 12, 31),
            },
            actor=actor,
        ),
    ),
    "representatives.set_status": Case(
        OFFICE,
        lambda s: s.expert,
        lambda rep, actor: pool.set_status(rep, "suspended", "本人申请。", actor=actor),
    ),
    "representatives.record_conflict": Case(
        OFFICE,
        lambda s: (s.expert, s.world.matter),
        lambda rm, actor: pool.record_conflict(rm[0], rm[1], "本人参与起草。", actor=actor),
    ),
    "representatives.decide_application": Case(
        OFFICE,
        _application,
        lambda a, actor: pool.decide_application(a, False, {"reason": "名额已满。"}, actor=actor),
    ),
}


@pytest.mark.usefixtures("files_in_tmp")
@pytest.mark.parametrize("name", list(CASES))
def test_each_service_lets_through_exactly_who_may_act(db, world, clock, actors, name):
    """Each actor tries in a savepoint rolled back afterwards, so each meets the same state.
    Passing the gate is all that is asked of the permitted ones: the service does its work
    (what it does is tested with the domain's services)."""
    case = CASES[name]
    target = case.target(Stage(world, clock, db))
    db.session.flush()
    outcomes = {}
    for who in ACTORS:
        savepoint = db.session.begin_nested()
        try:
            case.act(target, actors[who])
            outcomes[who] = "done"
        except Forbidden:
            outcomes[who] = "refused"
        finally:
            savepoint.rollback()
    assert outcomes == {who: "done" if who in case.who else "refused" for who in ACTORS}
