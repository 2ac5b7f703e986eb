"""The representative pool's services: adding people, statuses and terms, applications,
conflicts of interest, the public roster and its public record (never a contact)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.accounts.models import Role
from consult.core.audit import AuditEvent
from consult.core.audit import events_for
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.extensions import db as _db
from consult.representatives import rules
from consult.representatives import services
from consult.representatives.models import ConflictOfInterest
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 March in Donghu
TODAY = date(2026, 3, 2)
TERM = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}
PHONE = "13987654321"
EMAIL = "private-rep@example.test"


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def add(name="周文静", category="npc_deputy", actor=SYSTEM, **extra):
    return services.add_representative(
        {"name": name, "category": category, **TERM, **extra}, actor=actor
    )


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


# --- adding --------------------------------------------------------------------------------


def test_the_government_office_adds_a_representative(db, create_user):
    admin = create_user("admin")
    rep = add(
        actor=admin,
        affiliation="区人大代表（八一桥街道选区）",
        interests="养老服务、老旧小区改造，养老服务",
        phone=f"  {PHONE} ",
        email=EMAIL,
    )
    assert rep.status == "active" and rep.created_at == NOW
    assert rep.interests == ["养老服务", "老旧小区改造"]
    assert rep.phone == PHONE and rep.email == EMAIL
    (event,) = events_for("representative", rep.id)
    assert event.action == "added" and event.actor_id == admin.id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "名" * 51}, "name"),
        ({"category": "pirates"}, "category"),
        ({"category": None}, "category"),
        ({"term_start": None}, "term_start"),
        ({"term_end": "2027-12-31"}, "term_end"),
        ({"term_end": date(2025, 1, 1)}, "term_end"),
        ({"term_end": date(2024, 12, 31)}, "term_end"),
        ({"affiliation": "单位" * 101}, "affiliation"),
        ({"user_id": 10**6}, "user_id"),
    ],
)
def test_adding_checks_the_fields(db, data, field):
    with pytest.raises(RuleViolation) as exc:
        services.add_representative(
            {"name": "周文静", "category": "expert", **TERM, **data}, actor=SYSTEM
        )
    assert exc.value.field == field
    assert count(Representative) == 0


def test_linking_an_account_makes_a_resident_a_representative(db, create_user):
    resident = create_user("resident")
    rep = add(user_id=resident.id)
    assert rep.user == resident and resident.role == Role.REPRESENTATIVE
    with pytest.raises(RuleViolation) as exc:
        add(name="另一人", user_id=resident.id)
    assert exc.value.field == "user_id"


# --- statuses and terms --------------------------------------------------------------------


@pytest.mark.parametrize("status", ["suspended", "ended"])
def test_a_status_change_needs_a_reason(db, create_user, status):
    admin = create_user("admin")
    rep = add()
    with pytest.raises(RuleViolation) as exc:
        services.set_status(rep, status, "  ", actor=admin)
    assert exc.value.field == "reason" and rep.status == "active"
    services.set_status(rep, status, "本人申请。", actor=admin)
    assert rep.status == status
    event = events_for("representative", rep.id)[-1]
    assert event.details == {"from": "active", "to": status, "reason": "本人申请。"}
    assert rep not in services.roster(TODAY)
    services.set_status(rep, "active", "恢复。", actor=admin)
    assert rep in services.roster(TODAY)


def test_an_unknown_status_is_refused(db):
    rep = add()
    with pytest.raises(RuleViolation) as exc:
        services.set_status(rep, "retired", "理由", actor=SYSTEM)
    assert exc.value.field == "status"


def test_reinstating_after_the_term_has_ended_is_refused(db):
    rep = add(term_end=date(2026, 3, 1))
    services.set_status(rep, "suspended", "暂停。", actor=SYSTEM)
    with pytest.raises(RuleViolation) as exc:
        services.set_status(rep, "active", "恢复。", actor=SYSTEM)
    assert exc.value.field == "status" and rep.status == "suspended"


def test_terms_end_by_themselves(db, frozen):
    yesterday = add("甲", term_end=date(2026, 3, 1))
    today = add("乙", term_end=TODAY)
    later = add("丙")
    suspended = add("丁", term_end=date(2026, 2, 1))
    services.set_status(suspended, "suspended", "暂停。", actor=SYSTEM)
    # Before the tick the status still reads active, but the roster and status_on know.
    assert yesterday.status == "active" and yesterday.status_on(TODAY) == "ended"
    assert today.status_on(TODAY) == "active"
    assert set(services.roster(TODAY)) == {today, later}
    assert services.end_expired_terms() == 1
    assert yesterday.status == "ended" and today.status == "active"
    assert later.status == "active" and suspended.status == "suspended"
    (event,) = [e for e in events_for("representative", yesterday.id) if e.action == "term_ended"]
    assert event.details == {"term_end": "2026-03-01"} and event.occurred_at == NOW
    assert services.end_expired_terms() == 0  # idempotent
    frozen(NOW + timedelta(days=1))
    assert services.end_expired_terms() == 1 and today.status == "ended"


def test_end_expired_terms_uses_the_local_date(db, frozen):
    rep = add(term_end=date(2026, 3, 2))
    frozen(datetime(2026, 3, 2, 15, 59, tzinfo=UTC))  # 23:59 on 2 March in Donghu
    assert services.end_expired_terms() == 0
    frozen(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # midnight: 3 March
    assert services.end_expired_terms() == 1 and rep.status == "ended"


# --- applications --------------------------------------------------------------------------

APPLICATION = {
    "category": "other",
    "affiliation": "小区业委会委员",
    "interests": "停车、物业服务",
    "statement": "希望把居民的意见带到会上。",
    "phone": PHONE,
}


def test_a_resident_applies_once_at_a_time(db, create_user):
    resident = create_user("resident")
    application = services.apply(resident, APPLICATION)
    assert application.status == "pending" and application.submitted_at == NOW
    assert application.interests == ["停车", "物业服务"] and application.phone == PHONE
    assert events_for("representative_application", application.id)[0].actor_id == resident.id
    with pytest.raises(RuleViolation):
        services.apply(resident, APPLICATION)
    assert count(RepresentativeApplication) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"statement": " "}, "statement"),
        ({"category": "x"}, "category"),
        ({"phone": "1" * 41}, "phone"),
    ],
)
def test_an_application_checks_its_fields(db, create_user, data, field):
    with pytest.raises(RuleViolation) as exc:
        services.apply(create_user("resident"), {**APPLICATION, **data})
    assert exc.value.field == field
    assert count(RepresentativeApplication) == 0


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_staff_do_not_apply(db, create_user, role):
    with pytest.raises(Forbidden):
        services.apply(create_user(role), APPLICATION)


def test_who_is_in_the_pool_does_not_apply(db, create_user):
    user = create_user("representative")
    add(user_id=user.id)
    with pytest.raises(RuleViolation):
        services.apply(user, APPLICATION)


def test_approving_creates_a_representative_linked_to_the_applicant(db, create_user):
    admin = create_user("admin")
    resident = create_user("resident", display_name="张伟")
    application = services.apply(resident, APPLICATION)
    with pytest.raises(RuleViolation) as exc:  # a term is needed
        services.decide_application(application, True, {}, actor=admin)
    assert exc.value.field == "term_start"
    assert application.status == "pending" and count(Representative) == 0
    assert resident.role == Role.RESIDENT
    services.decide_application(
        application,
        True,
        {"term_start": date(2026, 3, 2), "term_end": date(2027, 12, 31)},
        actor=admin,
    )
    rep = _db.session.get(Representative, application.representative_id)
    assert application.status == "approved" and application.decided_by_id == admin.id
    assert application.decided_at == NOW and application.decision_reason is None
    assert rep.user_id == resident.id and rep.name == "张伟"
    assert rep.category == "other" and rep.affiliation == "小区业委会委员"
    assert rep.phone == PHONE and rep.email == resident.email
    assert resident.role == Role.REPRESENTATIVE
    assert rep in services.roster(TODAY)
    with pytest.raises(RuleViolation):  # decided once
        services.decide_application(application, False, {"reason": "x"}, actor=admin)


def test_rejecting_needs_a_reason(db, create_user):
    admin = create_user("admin")
    resident = create_user("resident")
    application = services.apply(resident, APPLICATION)
    events = count(AuditEvent)
    with pytest.raises(RuleViolation) as exc:
        services.decide_application(application, False, {"reason": "  "}, actor=admin)
    assert exc.value.field == "reason"
    assert application.status == "pending" and count(AuditEvent) == events
    services.decide_application(application, False, {"reason": "材料不全。"}, actor=admin)
    assert application.status == "rejected" and application.decision_reason == "材料不全。"
    assert resident.role == Role.RESIDENT and count(Representative) == 0
    assert events_for("representative_application", application.id)[-1].details == {
        "reason": "材料不全。"
    }
    # After a rejection one may apply again.
    assert services.apply(resident, APPLICATION).status == "pending"


# --- conflicts and the public record -------------------------------------------------------


def test_a_conflict_is_recorded_once(db, create_matter):
    rep, matter = add(), create_matter(published=True)
    conflict = services.record_conflict(rep, matter, "任职单位参与投标。", actor=SYSTEM)
    assert conflict.recorded_at == NOW and conflict.note == "任职单位参与投标。"
    assert services.conflicted_ids([matter.id]) == {rep.id: [matter.id]}
    assert services.conflicted_ids([]) == {}
    with pytest.raises(RuleViolation) as exc:
        services.record_conflict(rep, matter, "", actor=SYSTEM)
    assert exc.value.field == "matter_id"
    assert count(ConflictOfInterest) == 1


def test_the_public_record_has_no_contact_and_no_account(db, create_user):
    user = create_user("representative", email="rep-account@example.test")
    rep = add(phone=PHONE, email=EMAIL, user_id=user.id, affiliation="江西日报社记者")
    figures = {"invited": 0, "accepted": 0, "attended": 0, "rate": None}
    record = services.public_record(rep, figures, today=TODAY)
    assert set(record) == {
        "attendance",
        "id",
        "name",
        "category",
        "affiliation",
        "interests",
        "term_start",
        "term_end",
        "status",
    }
    text = repr(record)
    assert PHONE not in text and EMAIL not in text and "rep-account" not in text
    assert services.public_record(rep, figures, today=date(2028, 1, 1))["status"] == "ended"


def test_the_roster_is_who_serves_today(db):
    serving = add("甲")
    add("乙", term_start=date(2026, 4, 1), term_end=date(2028, 3, 31))
    add("丙", term_end=date(2026, 3, 1))
    services.set_status(add("丁"), "suspended", "暂停。", actor=SYSTEM)
    assert services.roster(TODAY) == [serving]


def test_rules_clean_interests():
    assert rules.clean_interests("交通；教育，交通;  、养老") == ["交通", "教育", "养老"]
    assert rules.clean_interests(["a", " ", "b", "a"]) == ["a", "b"]
    assert rules.clean_interests(None) == []
    assert len(rules.clean_interests([str(n) for n in range(30)])) == 20
    assert rules.attendance_rate(1, 4) == 0.25 and rules.attendance_rate(0, 0) is None


# --- applying without an account ---------------------------------------------------------------

OPEN = {
    "name": "黄丽萍",
    "email": "Huang.LiPing@Example.com",
    "category": "new_social_strata",
    "statement": "希望列席相关会议。",
    "phone": "13900001111",
}
TERM_DATA = {"term_start": date(2026, 3, 2), "term_end": date(2028, 12, 31)}


def test_an_application_without_an_account_keeps_name_and_address(db):
    application = services.apply_without_account(OPEN)
    assert application.user_id is None and application.applicant_name == "黄丽萍"
    assert application.email == "huang.liping@example.com"  # as mail is addressed
    assert application.receipt.startswith("SQ-2026-") and application.submitted_at == NOW
    (event,) = events_for("representative_application", application.id)
    assert event.action == "submitted" and event.actor_id is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "名" * (rules.MAX_NAME + 1)}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": None}, "email"),
        ({"category": "king"}, "category"),
        ({"statement": "  "}, "statement"),
        ({"phone": "1" * (rules.MAX_PHONE + 1)}, "phone"),
        ({"name": ["a"]}, "name"),
    ],
)
def test_an_open_application_is_checked(db, change, field):
    with pytest.raises(RuleViolation) as exc:
        services.apply_without_account({**OPEN, **change})
    assert exc.value.field == field
    assert count(RepresentativeApplication) == 0


def test_approving_it_opens_a_representative_account_for_the_address(db, create_user):
    admin = create_user("admin")
    application = services.apply_without_account(OPEN)
    services.decide_application(application, True, TERM_DATA, actor=admin)
    rep = _db.session.get(Representative, application.representative_id)
    user = rep.user
    assert user.email == "huang.liping@example.com" and user.role == Role.REPRESENTATIVE
    assert user.display_name == rep.name == "黄丽萍" and user.last_login_at is None
    assert rep.email == user.email and rep.phone == "13900001111"


def test_an_address_with_a_resident_account_is_linked_not_duplicated(db, create_user):
    admin = create_user("admin")
    resident = create_user("resident", email="huang.liping@example.com")
    application = services.apply_without_account(OPEN)
    services.decide_application(application, True, TERM_DATA, actor=admin)
    rep = _db.session.get(Representative, application.representative_id)
    assert rep.user_id == resident.id and resident.role == Role.REPRESENTATIVE


def test_a_staff_address_gets_a_representative_without_the_account(db, create_user):
    admin = create_user("admin")
    officer = create_user("officer", email="huang.liping@example.com")
    application = services.apply_without_account(OPEN)
    services.decide_application(application, True, TERM_DATA, actor=admin)
    rep = _db.session.get(Representative, application.representative_id)
    assert rep.user_id is None and officer.role == Role.OFFICER


def test_approval_needs_a_term_before_it_opens_an_account(db, create_user):
    admin = create_user("admin")
    application = services.apply_without_account(OPEN)
    with pytest.raises(RuleViolation):
        services.decide_application(application, True, {}, actor=admin)


def test_repeated_addresses_are_pointed_out_to_the_office(db):
    first = services.apply_without_account(OPEN)
    second = services.apply_without_account({**OPEN, "email": "huang.liping@example.com"})
    third = services.apply_without_account({**OPEN, "email": "other@example.com"})
    assert services.same_address_pending([first, second, third]) == {first.id: 1, second.id: 1}
