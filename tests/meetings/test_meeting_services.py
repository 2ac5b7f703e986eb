"""Meeting services against the database: scheduling, invitations by hand and by the
reproducible draw, replies and substitutes, check-in, attendance, remarks, outcomes and the
attendance figures. The clock is frozen and moved the way a real meeting goes."""

from __future__ import annotations

import hashlib
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.consultations import services as consultations
from consult.core.audit import AuditEvent
from consult.core.audit import events_for
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.extensions import db as _db
from consult.meetings import rules
from consult.meetings import services
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import Meeting
from consult.meetings.models import Remark
from consult.representatives import services as pool

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Donghu
MINUTE = timedelta(minutes=1)
BEIJING = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TERM = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}

# category → how many of them the pool holds
POOL = {"npc_deputy": 4, "cppcc_member": 3, "expert": 5, "media": 2, "supervisor": 3}


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def add_rep(name: str, category: str, **extra):
    return pool.add_representative(
        {"name": name, "category": category, **TERM, **extra}, actor=SYSTEM
    )


def _build_w(db, frozen, create_user, create_department, create_matter):
    frozen(NOW)
    world = SimpleNamespace()
    world.department = create_department()
    world.admin = create_user("admin")
    world.officer = create_user("officer", department=world.department)
    world.other_officer = create_user("officer")
    world.matter = create_matter(department=world.department, published=True)
    world.reps = {
        category: [add_rep(f"{category}{n}", category) for n in range(1, size + 1)]
        for category, size in POOL.items()
    }
    world.rep_users = {}
    return world


@pytest.fixture
def w(prepared):
    """Built once per worker (`_build_w`, in a prepared database)."""
    return prepared(_build_w)


def schedule(w, *, seats: int = 10, starts_in: timedelta = 14 * DAY, agenda=None, **data):
    start = NOW + starts_in
    return services.create_meeting(
        {
            "kind": data.pop("kind", "standing"),
            "title": data.pop("title", "区政府第5次常务会议"),
            "place": "区政府五楼会议室",
            "starts_at": start,
            "ends_at": start + 3 * HOUR,
            "registration_deadline": data.pop("deadline", start - 3 * DAY),
            "seats": seats,
            "department_id": data.pop("department_id", w.department.id),
            "agenda": [{"title": "", "matter_id": w.matter.id}] if agenda is None else agenda,
            **data,
        },
        actor=data.pop("actor", SYSTEM),
    )


def invitation_of(meeting: Meeting, rep) -> Invitation:
    return next(i for i in meeting.invitations if i.representative_id == rep.id)


def ids(reps) -> list[int]:
    return [r.id for r in reps]


# --- scheduling ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_in", "deadline_in", "field"),
    [
        (-DAY, -2 * DAY, "starts_at"),
        (timedelta(0), -DAY, "starts_at"),
        (DAY, -HOUR, "registration_deadline"),
        (DAY, DAY + MINUTE, "registration_deadline"),
    ],
)
def test_a_meeting_in_the_past_or_with_a_bad_deadline_is_refused(w, starts_in, deadline_in, field):
    with pytest.raises(RuleViolation) as exc:
        schedule(w, starts_in=starts_in, deadline=NOW + deadline_in)
    assert exc.value.field == field
    assert count(Meeting) == 0


def test_scheduling_puts_the_meeting_on_the_matters_timeline(w):
    meeting = schedule(w, actor=w.officer)
    (item,) = meeting.agenda
    assert item.title == w.matter.title and item.matter_id == w.matter.id
    (event,) = [e for e in catalogue.timeline(w.matter) if e.action == "meeting_scheduled"]
    assert event.details["meeting_id"] == meeting.id and event.actor_id == w.officer.id


@pytest.mark.parametrize(
    ("who", "department", "allowed"),
    [
        ("admin", "own", True),
        ("admin", None, True),
        ("officer", "own", True),
        ("officer", "other", False),
        ("officer", None, True),  # an officer's meeting is their department's
        ("other_officer", "own", False),
    ],
)
def test_who_may_schedule_for_which_organiser(w, create_department, who, department, allowed):
    department_id = {"own": w.department.id, "other": create_department().id, None: None}[
        department
    ]
    actor = getattr(w, who)
    if not allowed:
        with pytest.raises(Forbidden):
            schedule(w, actor=actor, department_id=department_id)
        return
    meeting = schedule(w, actor=actor, department_id=department_id)
    if who == "officer":
        assert meeting.department_id == w.officer.department_id


def test_an_unpublished_matter_cannot_be_on_the_agenda(w, create_matter):
    draft = create_matter(department=w.department, year=2027)
    with pytest.raises(RuleViolation) as exc:
        schedule(w, agenda=[{"title": "", "matter_id": draft.id}])
    assert exc.value.field == "agenda"


# --- the draw ------------------------------------------------------------------------------


def test_the_same_seed_quotas_and_pool_give_the_same_people(w):
    quotas = {"expert": 2, "npc_deputy": 1, "supervisor": 2}
    first, second = schedule(w), schedule(w, title="区政府第6次常务会议")
    a = services.run_draw(first, {"seed": "区政府2026-05", "quotas": quotas}, actor=w.admin)
    b = services.run_draw(second, {"seed": "区政府2026-05", "quotas": quotas}, actor=w.admin)
    assert a.pool == b.pool and a.result == b.result
    # Anyone can re-run it from the published row, with the module or with hashlib alone.
    row = _db.session.get(Draw, a.id)
    assert rules.draw(row.seed, row.quotas, row.pool) == row.result
    for category, drawn in row.result.items():
        by_digest = sorted(
            row.pool[category],
            key=lambda i: hashlib.sha256(f"{row.seed}|{category}|{i}".encode()).hexdigest(),
        )
        assert drawn == by_digest[: quotas[category]]
    # Everyone drawn is invited, linked to the draw.
    invited = {i.representative_id for i in first.invitations}
    assert invited == {i for group in row.result.values() for i in group}
    assert all(i.source == "draw" and i.draw_id == row.id for i in first.invitations)
    assert events_for("meeting", first.id)[-1].details["seed"] == "区政府2026-05"


def test_another_seed_draws_by_the_same_rule(w):
    meeting = schedule(w)
    row = services.run_draw(meeting, {"seed": "", "quotas": {"expert": 3}}, actor=SYSTEM)
    assert len(row.seed) == 16  # drawn by the system, published with the result
    assert row.result == rules.draw(row.seed, {"expert": 3}, row.pool)


@pytest.mark.parametrize(
    "quotas",
    [
        {"expert": 5},
        {"npc_deputy": 4, "media": 2},
        {"cppcc_member": 1, "expert": 1, "media": 1, "supervisor": 1, "npc_deputy": 1},
        {"expert": 0, "supervisor": 3},
    ],
)
def test_quotas_hold_per_category(w, quotas):
    meeting = schedule(w)
    row = services.run_draw(meeting, {"seed": "q", "quotas": quotas}, actor=SYSTEM)
    by_id = {r.id: r for reps in w.reps.values() for r in reps}
    for category, wanted in quotas.items():
        drawn = row.result.get(category, [])
        assert len(drawn) == wanted
        assert all(by_id[i].category == category for i in drawn)
    assert len(meeting.invitations) == sum(quotas.values())


@pytest.mark.parametrize("quotas", [{"media": 3}, {"expert": 2, "media": 3}, {"other": 1}])
def test_asking_more_of_a_category_than_the_pool_has_records_nothing(w, quotas):
    meeting = schedule(w)
    before = count(AuditEvent)
    with pytest.raises(RuleViolation) as exc:
        services.run_draw(meeting, {"seed": "s", "quotas": quotas}, actor=SYSTEM)
    assert exc.value.field == "quotas"
    assert count(Draw) == 0 and count(Invitation) == 0 and count(AuditEvent) == before


def test_a_conflict_of_interest_is_excluded_from_the_draw_and_from_invitations(w):
    conflicted = w.reps["media"][0]
    pool.record_conflict(conflicted, w.matter, "本人任职单位承接该项目宣传。", actor=SYSTEM)
    meeting = schedule(w)
    row = services.run_draw(meeting, {"seed": "s", "quotas": {"media": 1}}, actor=SYSTEM)
    assert row.pool["media"] == [w.reps["media"][1].id]
    assert row.result == {"media": [w.reps["media"][1].id]}
    assert {"id": conflicted.id, "reason": "conflict_of_interest", "matters": [w.matter.id]} in (
        row.excluded
    )
    with pytest.raises(RuleViolation) as exc:
        services.invite(meeting, [conflicted.id], actor=SYSTEM)
    assert exc.value.field == "representative_ids"
    assert conflicted.name in str(exc.value.message)
    assert conflicted.id not in {i.representative_id for i in meeting.invitations}
    # With only the conflicted one left, the category cannot be drawn at all.
    other = schedule(w, title="另一次会议")
    services.invite(other, [w.reps["media"][1].id], actor=SYSTEM)
    with pytest.raises(RuleViolation):
        services.run_draw(other, {"seed": "s", "quotas": {"media": 1}}, actor=SYSTEM)


def test_a_conflict_on_another_matter_does_not_exclude(w, create_matter):
    elsewhere = create_matter(
        department=w.department, published=True, title="另一个事项", reason="年中新增。"
    )
    pool.record_conflict(w.reps["media"][0], elsewhere, "", actor=SYSTEM)
    meeting = schedule(w)
    row = services.run_draw(meeting, {"seed": "s", "quotas": {"media": 2}}, actor=SYSTEM)
    assert sorted(row.result["media"]) == sorted(ids(w.reps["media"]))


@pytest.mark.parametrize("how", ["suspended", "ended", "term_over", "term_not_begun"])
def test_who_does_not_serve_on_the_day_is_never_drawn_nor_invited(w, how):
    rep = w.reps["supervisor"][0]
    if how in ("suspended", "ended"):
        pool.set_status(rep, how, "本人申请。", actor=SYSTEM)
    elif how == "term_over":
        rep.term_end = (NOW + 10 * DAY).date()  # ends before the meeting
    else:
        rep.term_start = (NOW + 20 * DAY).date()
    _db.session.flush()
    for seed in ("a", "b", "c", "d", "e"):
        meeting = schedule(w, title=f"会议{seed}")
        row = services.run_draw(meeting, {"seed": seed, "quotas": {"supervisor": 2}}, actor=SYSTEM)
        assert rep.id not in row.pool["supervisor"] and rep.id not in row.result["supervisor"]
    with pytest.raises(RuleViolation):
        services.run_draw(schedule(w), {"seed": "f", "quotas": {"supervisor": 3}}, actor=SYSTEM)
    with pytest.raises(RuleViolation) as exc:
        services.invite(schedule(w), [rep.id], actor=SYSTEM)
    assert exc.value.field == "representative_ids"


def test_seats_limit_draws_and_invitations(w):
    meeting = schedule(w, seats=3)
    services.invite(meeting, [w.reps["expert"][0].id], actor=SYSTEM)
    with pytest.raises(RuleViolation) as exc:
        services.run_draw(meeting, {"seed": "s", "quotas": {"npc_deputy": 3}}, actor=SYSTEM)
    assert exc.value.field == "seats"
    assert count(Draw) == 0
    services.run_draw(meeting, {"seed": "s", "quotas": {"npc_deputy": 2}}, actor=SYSTEM)
    with pytest.raises(RuleViolation) as exc:
        services.invite(meeting, [w.reps["media"][0].id], actor=SYSTEM)
    assert exc.value.field == "seats"
    assert len(meeting.invitations) == 3
    # A declined seat is free again.
    services.respond(meeting.invitations[0], False, "出差", actor=SYSTEM)
    services.invite(meeting, [w.reps["media"][0].id], actor=SYSTEM)
    assert len(meeting.invitations) == 4


def test_nobody_is_invited_twice(w):
    meeting = schedule(w)
    rep = w.reps["expert"][0]
    services.invite(meeting, [rep.id, rep.id], actor=SYSTEM)
    assert len(meeting.invitations) == 1
    with pytest.raises(RuleViolation):
        services.invite(meeting, [rep.id], actor=SYSTEM)
    row = services.run_draw(meeting, {"seed": "s", "quotas": {"expert": 4}}, actor=SYSTEM)
    assert {"id": rep.id, "reason": "already_invited"} in row.excluded
    assert rep.id not in row.result["expert"]


def test_invitations_close_at_the_deadline(w, frozen):
    meeting = schedule(w)
    frozen(meeting.registration_deadline)
    with pytest.raises(RuleViolation):
        services.invite(meeting, [w.reps["expert"][0].id], actor=SYSTEM)
    with pytest.raises(RuleViolation):
        services.run_draw(meeting, {"seed": "s", "quotas": {"expert": 1}}, actor=SYSTEM)


# --- replies and substitutes ---------------------------------------------------------------


def drawn_meeting(w, quotas=None, seed="替补"):
    meeting = schedule(w)
    row = services.run_draw(
        meeting, {"seed": seed, "quotas": quotas or {"expert": 2}}, actor=SYSTEM
    )
    return meeting, row


def test_a_declined_drawn_seat_goes_to_the_next_in_the_same_ranking(w, frozen):
    meeting, row = drawn_meeting(w)
    ranking = rules.ranking(row.seed, "expert", row.pool["expert"])
    assert row.result["expert"] == ranking[:2]
    first = next(i for i in meeting.invitations if i.representative_id == ranking[0])
    frozen(NOW + DAY)
    invitation, substitute = services.respond(first, False, "当天出差", actor=SYSTEM)
    assert invitation.status == "declined" and invitation.decline_reason == "当天出差"
    assert invitation.checkin_code is None and invitation.responded_at == NOW + DAY
    assert substitute.representative_id == ranking[2]
    assert substitute.source == "substitute" and substitute.replaces_id == first.id
    assert substitute.draw_id == row.id and substitute.status == "pending"
    assert substitute.invited_at == NOW + DAY
    # The substitute declines too: the next one after them.
    _inv, next_one = services.respond(substitute, False, None, actor=SYSTEM)
    assert next_one.representative_id == ranking[3] and next_one.replaces_id == substitute.id


def test_the_substitute_skips_who_is_already_invited_or_conflicted(w):
    meeting, row = drawn_meeting(w)
    ranking = rules.ranking(row.seed, "expert", row.pool["expert"])
    reps = {r.id: r for r in w.reps["expert"]}
    services.invite(meeting, [ranking[2]], actor=SYSTEM)  # the next in line, by hand
    pool.record_conflict(reps[ranking[3]], w.matter, "", actor=SYSTEM)  # and the one after
    first = next(i for i in meeting.invitations if i.representative_id == ranking[0])
    _inv, substitute = services.respond(first, False, None, actor=SYSTEM)
    assert substitute.representative_id == ranking[4]


def test_no_substitute_when_the_ranking_is_used_up_or_the_seat_was_by_hand(w):
    meeting, row = drawn_meeting(w, quotas={"media": 2})
    _inv, substitute = services.respond(meeting.invitations[0], False, None, actor=SYSTEM)
    assert substitute is None
    services.invite(meeting, [w.reps["expert"][0].id], actor=SYSTEM)
    manual = invitation_of(meeting, w.reps["expert"][0])
    _inv, substitute = services.respond(manual, False, None, actor=SYSTEM)
    assert substitute is None and len(meeting.invitations) == 3


def test_after_the_deadline_no_reply_and_no_substitute(w, frozen):
    meeting, _row = drawn_meeting(w)
    first, second = meeting.invitations
    services.respond(second, True, actor=SYSTEM)
    frozen(meeting.registration_deadline)
    for invitation, accept in ((first, True), (first, False), (second, False)):
        with pytest.raises(RuleViolation) as exc:
            services.respond(invitation, accept, "来不了", actor=SYSTEM)
        assert exc.value.code == "deadline_passed"
    _db.session.expire_all()
    assert [i.status for i in meeting.invitations] == ["pending", "accepted"]
    assert len(meeting.invitations) == 2  # nobody was drawn in anyone's place


def test_accepting_twice_and_answering_a_declined_invitation_are_refused(w):
    meeting, _row = drawn_meeting(w)
    invitation = meeting.invitations[0]
    services.respond(invitation, True, actor=SYSTEM)
    code = invitation.checkin_code
    assert code and len(code) == rules.CODE_LENGTH
    with pytest.raises(RuleViolation):
        services.respond(invitation, True, actor=SYSTEM)
    assert invitation.checkin_code == code
    # Accepted, then can no longer come: the seat goes to the next one.
    _inv, substitute = services.respond(invitation, False, "临时有事", actor=SYSTEM)
    assert invitation.status == "declined" and invitation.checkin_code is None
    assert substitute is not None
    for accept in (True, False):
        with pytest.raises(RuleViolation):
            services.respond(invitation, accept, actor=SYSTEM)
    assert invitation.status == "declined"


def test_only_the_invitee_answers(w, create_user):
    meeting, _row = drawn_meeting(w)
    invitation = meeting.invitations[0]
    owner, stranger = create_user("representative"), create_user("representative")
    invitation.representative.user_id = owner.id
    other = meeting.invitations[1]
    other.representative.user_id = stranger.id
    _db.session.flush()
    for actor in (stranger, w.admin, w.officer, create_user("resident")):
        with pytest.raises(Forbidden):
            services.respond(invitation, True, actor=actor)
    assert invitation.status == "pending"
    services.respond(invitation, True, actor=owner)
    assert invitation.status == "accepted"


def test_a_representative_whose_term_ends_before_the_meeting_cannot_accept(w):
    meeting, _row = drawn_meeting(w)
    invitation = meeting.invitations[0]
    pool.set_status(invitation.representative, "suspended", "暂停。", actor=SYSTEM)
    with pytest.raises(RuleViolation):
        services.respond(invitation, True, actor=SYSTEM)


# --- check-in and attendance ---------------------------------------------------------------


@pytest.fixture
def held(w, frozen):
    """A meeting with three accepted invitations and one pending, at the door."""
    meeting, _row = drawn_meeting(w, quotas={"expert": 3, "npc_deputy": 1})
    accepted = meeting.invitations[:3]
    for invitation in accepted:
        services.respond(invitation, True, actor=SYSTEM)
    frozen(meeting.starts_at - 30 * MINUTE)
    return SimpleNamespace(meeting=meeting, accepted=accepted, pending=meeting.invitations[3])


def test_check_in_by_code_once(w, held, frozen):
    first = held.accepted[0]
    typed = first.checkin_code.lower()[:4] + "-" + first.checkin_code.lower()[4:]
    assert services.check_in(held.meeting, typed, actor=w.officer) == first
    assert first.checked_in_at == held.meeting.starts_at - 30 * MINUTE
    frozen(held.meeting.starts_at)
    with pytest.raises(RuleViolation) as exc:
        services.check_in(held.meeting, first.checkin_code, actor=w.officer)
    assert exc.value.code == "already_checked_in"
    assert first.checked_in_at == held.meeting.starts_at - 30 * MINUTE
    assert [e.action for e in events_for("invitation", first.id)].count("checked_in") == 1


@pytest.mark.parametrize("code", ["", "   ", "ZZZZ9999", "-"])
def test_an_unknown_code_is_refused(w, held, code):
    with pytest.raises(RuleViolation) as exc:
        services.check_in(held.meeting, code, actor=w.officer)
    assert exc.value.field == "code"
    assert all(i.checked_in_at is None for i in held.meeting.invitations)


def test_a_code_of_another_meeting_is_refused(w, frozen):
    first, _r1 = drawn_meeting(w, quotas={"expert": 1}, seed="one")
    second, _r2 = drawn_meeting(w, quotas={"media": 1}, seed="two")
    mine = first.invitations[0]
    services.respond(mine, True, actor=SYSTEM)
    frozen(second.starts_at)
    with pytest.raises(RuleViolation) as exc:
        services.check_in(second, mine.checkin_code, actor=w.admin)
    assert exc.value.field == "code"
    assert mine.checked_in_at is None


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (-2 * HOUR - MINUTE, False),
        (-2 * HOUR, True),
        (HOUR, True),
        (3 * HOUR - MINUTE, True),
        (3 * HOUR, False),
        (DAY, False),
    ],
)
def test_check_in_only_in_its_window(w, held, frozen, offset, ok):
    frozen(held.meeting.starts_at + offset)
    invitation = held.accepted[1]
    if ok:
        services.check_in(held.meeting, invitation.checkin_code, actor=w.officer)
        assert invitation.checked_in_at == held.meeting.starts_at + offset
    else:
        with pytest.raises(RuleViolation) as exc:
            services.check_in(held.meeting, invitation.checkin_code, actor=w.officer)
        assert exc.value.field == "code"
        assert invitation.checked_in_at is None


def test_a_personal_code_is_for_the_staff_at_the_door_only(w, held, create_user):
    """A representative cannot check in with her own pass's code: it can be shown from home.
    Neither can an officer of another department."""
    me = held.accepted[0]
    user = create_user("representative")
    me.representative.user_id = user.id
    _db.session.flush()
    for code in (me.checkin_code, held.accepted[1].checkin_code):
        with pytest.raises(Forbidden):
            services.check_in(held.meeting, code, actor=user)
    with pytest.raises(Forbidden):
        services.check_in(held.meeting, held.accepted[2].checkin_code, actor=w.other_officer)
    assert all(i.checked_in_at is None for i in held.accepted)
    services.check_in(held.meeting, me.checkin_code, actor=w.officer)
    assert me.checked_in_at is not None


# --- on site, by the venue code ---------------------------------------------------------------


@pytest.fixture
def site(w, held, create_user):
    """`held`, with accounts for the first two accepted representatives (`me`, `you`) and the
    pending one (`waiting`)."""
    x = SimpleNamespace(meeting=held.meeting, held=held)
    x.me, x.you = held.accepted[0], held.accepted[1]
    x.waiting = held.pending
    for name in ("me", "you", "waiting"):
        user = create_user("representative")
        getattr(x, name).representative.user_id = user.id
        setattr(x, f"{name}_user", user)
    _db.session.flush()
    return x


def shown(meeting, at):
    return rules.venue_code(meeting.venue_secret, at)


def test_a_representative_checks_in_on_site_with_the_code_on_the_screen(w, site, frozen):
    now = site.meeting.starts_at - 30 * MINUTE
    invitation = services.check_in_on_site(
        site.meeting, shown(site.meeting, now), actor=site.me_user
    )
    assert invitation == site.me and site.me.checked_in_at == now
    (event,) = [e for e in events_for("invitation", site.me.id) if e.action == "checked_in"]
    assert event.details == {"by": "venue_code"} and event.actor_id == site.me_user.id
    # Again (the page reloaded, a second tap): nothing changes, the first time is answered.
    frozen(now + 5 * MINUTE)
    again = services.check_in_on_site(site.meeting, "000000", actor=site.me_user)
    assert again.checked_in_at == now
    assert [e.action for e in events_for("invitation", site.me.id)].count("checked_in") == 1


@pytest.mark.parametrize(
    ("scanned", "confirmed", "ok"),
    [
        (timedelta(0), timedelta(0), True),
        (-timedelta(seconds=rules.VENUE_CODE_STEP), timedelta(0), True),  # the code before
        (timedelta(0), rules.SCAN_VALID_FOR, True),  # logged in, then tapped
        (timedelta(0), rules.SCAN_VALID_FOR + MINUTE, False),  # too long after the scan
    ],
)
def test_the_scan_proves_presence_for_a_while(w, site, frozen, scanned, confirmed, ok):
    scan_at = site.meeting.starts_at - HOUR
    code = shown(site.meeting, scan_at + scanned)
    frozen(scan_at + confirmed)
    if ok:
        services.check_in_on_site(site.meeting, code, actor=site.me_user, scanned_at=scan_at)
        assert site.me.checked_in_at == scan_at + confirmed
    else:
        with pytest.raises(RuleViolation) as exc:
            services.check_in_on_site(site.meeting, code, actor=site.me_user, scanned_at=scan_at)
        assert exc.value.code == "code_expired" and site.me.checked_in_at is None


def test_an_expired_a_forged_or_a_future_code_is_refused(w, site, frozen):
    frozen(NOW)
    other = schedule(w, title="另一个会议")
    now = site.meeting.starts_at - HOUR
    frozen(now)
    step = timedelta(seconds=rules.VENUE_CODE_STEP)
    right = shown(site.meeting, now)
    forged = [
        shown(site.meeting, now - 2 * step),  # expired
        shown(site.meeting, now + step),  # not yet shown
        str((int(right) + 1) % 10**6).zfill(6),
        "",
        None,
    ]
    if shown(other, now) != right:
        forged.append(shown(other, now))  # another meeting's screen
    for code in forged:
        with pytest.raises(RuleViolation) as exc:
            services.check_in_on_site(site.meeting, code, actor=site.me_user)
        assert exc.value.code == "code_expired" and exc.value.field == "code"
    # A scan dated in the future (a forged session) proves nothing either.
    with pytest.raises(RuleViolation):
        services.check_in_on_site(
            site.meeting, shown(site.meeting, now + HOUR), actor=site.me_user, scanned_at=now + HOUR
        )
    assert site.me.checked_in_at is None


@pytest.mark.parametrize(
    ("offset", "code"),
    [
        (-2 * HOUR - MINUTE, "too_early"),
        (-2 * HOUR, None),
        (3 * HOUR - MINUTE, None),  # the meeting lasts three hours
        (3 * HOUR, "too_late"),
    ],
)
def test_on_site_check_in_only_in_its_window(w, site, frozen, offset, code):
    now = site.meeting.starts_at + offset
    frozen(now)
    if code is None:
        services.check_in_on_site(site.meeting, shown(site.meeting, now), actor=site.me_user)
        assert site.me.checked_in_at == now
        return
    with pytest.raises(RuleViolation) as exc:
        services.check_in_on_site(site.meeting, shown(site.meeting, now), actor=site.me_user)
    assert exc.value.code == code and site.me.checked_in_at is None
    if code == "too_early":
        # The message says when it opens (Beijing time: 10:00 → 08:00 the day of the meeting).
        opens = rules.checkin_opens_at(site.meeting.starts_at).astimezone(BEIJING)
        assert opens.strftime("%H:%M") in str(exc.value.message)


def test_only_an_invited_representative_who_accepted_checks_in(w, site, frozen, create_user):
    now = site.meeting.starts_at - HOUR
    code = shown(site.meeting, now)
    resident = create_user("resident")
    stranger = create_user("representative")
    add_rep("陌生人", "media", user_id=stranger.id)
    for user, why in (
        (resident, "not_invited"),
        (stranger, "not_invited"),
        (site.waiting_user, "not_accepted"),
    ):
        with pytest.raises(RuleViolation) as exc:
            services.check_in_on_site(site.meeting, code, actor=user)
        assert exc.value.code == why
    with pytest.raises(Forbidden):
        services.check_in_on_site(site.meeting, code, actor=None)
    assert site.waiting.checked_in_at is None


def test_a_declined_invitation_does_not_check_in(w, frozen, create_user):
    meeting, _row = drawn_meeting(w, quotas={"expert": 1})
    (invitation,) = meeting.invitations
    user = create_user("representative")
    invitation.representative.user_id = user.id
    services.respond(invitation, False, None, actor=SYSTEM)
    now = meeting.starts_at - HOUR
    frozen(now)
    with pytest.raises(RuleViolation) as exc:
        services.check_in_on_site(meeting, shown(meeting, now), actor=user)
    assert exc.value.code == "not_accepted" and "谢绝" in str(exc.value.message)


def test_the_venue_screen_code_is_for_the_organisers(w, site, frozen):
    now = site.meeting.starts_at - HOUR
    code, changes_at = services.venue_code(site.meeting, actor=w.officer, now=now)
    assert code == shown(site.meeting, now)
    assert now < changes_at <= now + timedelta(seconds=rules.VENUE_CODE_STEP)
    assert services.venue_code(site.meeting, actor=w.admin, now=now)[0] == code
    for outsider in (w.other_officer, site.me_user):
        with pytest.raises(Forbidden):
            services.venue_code(site.meeting, actor=outsider, now=now)


def test_attendance_comes_out_of_both_ways_of_checking_in(w, site, frozen):
    """One by the venue code, one by the door: both attended; the third accepted is absent,
    the pending one too."""
    now = site.meeting.starts_at - 10 * MINUTE
    frozen(now)
    services.check_in_on_site(site.meeting, shown(site.meeting, now), actor=site.me_user)
    services.check_in(site.meeting, site.you.checkin_code, actor=w.officer)
    frozen(site.meeting.ends_at)
    services.close_attendance(site.meeting, actor=w.officer)
    attendance = {i.id: i.attendance for i in site.meeting.invitations}
    assert attendance[site.me.id] == attendance[site.you.id] == "attended"
    assert attendance[site.held.accepted[2].id] == attendance[site.waiting.id] == "absent"


def test_a_representatives_own_record(w, site, frozen):
    now = site.meeting.starts_at - 10 * MINUTE
    frozen(now)
    services.check_in_on_site(site.meeting, shown(site.meeting, now), actor=site.me_user)
    rep = site.me.representative
    assert services.attendance_counts(rep, now) == {
        "invited": 1,
        "accepted": 1,
        "declined": 0,
        "attended": 1,
        "missed": 0,
    }
    # Not in the record of past meetings until the meeting is over.
    assert _db.session.scalars(services.past_invitations(rep, now)).all() == []
    later = site.meeting.ends_at
    assert _db.session.scalars(services.past_invitations(rep, later)).all() == [site.me]
    other = site.you.representative
    assert services.attendance_counts(other, later)["missed"] == 1


def test_close_attendance_after_the_meeting_once(w, held, frozen):
    services.check_in(held.meeting, held.accepted[0].checkin_code, actor=SYSTEM)
    with pytest.raises(RuleViolation):
        services.close_attendance(held.meeting, actor=w.officer)
    frozen(held.meeting.ends_at)
    assert services.close_attendance(held.meeting, actor=w.officer) == 4
    assert [i.attendance for i in held.meeting.invitations] == [
        "attended",
        "absent",
        "absent",
        "absent",
    ]
    closed_at = held.meeting.attendance_closed_at
    assert closed_at == held.meeting.ends_at
    events = len(events_for("meeting", held.meeting.id))
    frozen(held.meeting.ends_at + DAY)
    assert services.close_attendance(held.meeting, actor=w.admin) == 0
    assert held.meeting.attendance_closed_at == closed_at
    assert len(events_for("meeting", held.meeting.id)) == events
    assert [i.attendance for i in held.meeting.invitations].count("attended") == 1


# --- remarks -------------------------------------------------------------------------------


def consultation_on(matter, officer, opens_at, days=31):
    return consultations.open_consultation(
        matter,
        {
            "title": "征求意见稿",
            "draft": "第一条 本办法适用于本区。\n第二条 本办法自发布之日起施行。",
            "explanation": "",
            "contact": "区住建局，电话 0791-0000 0000",
            "opens_at": opens_at,
            "closes_at": opens_at + days * DAY,
        },
        actor=officer,
    )


def test_a_remark_on_a_matter_being_answered_enters_its_consultation(w, frozen):
    consultation = consultation_on(w.matter, w.officer, NOW + HOUR)
    frozen(consultation.closes_at + DAY)  # closed, the department has not answered yet
    meeting = schedule(w, starts_in=consultation.closes_at - NOW + 5 * DAY)
    services.invite(meeting, [w.reps["expert"][0].id], actor=w.officer)
    services.respond(meeting.invitations[0], True, actor=SYSTEM)
    with pytest.raises(RuleViolation):  # not before the meeting has started
        services.add_remark(
            meeting,
            {"representative_id": w.reps["expert"][0].id, "text": "建议分期实施改造工程。"},
            actor=w.officer,
        )
    frozen(meeting.starts_at + HOUR)
    (item,) = meeting.agenda
    text = "建议分期实施改造，先行试点再全面推开。"
    remark = services.add_remark(
        meeting,
        {"representative_id": w.reps["expert"][0].id, "agenda_item_id": item.id, "text": text},
        actor=w.officer,
    )
    comment = _db.session.get(Comment, remark.comment_id)
    assert comment.consultation_id == consultation.id
    assert comment.source == "meeting" and comment.body == text
    assert comment.author_name == "expert1" and comment.show_name
    assert comment.submitted_at == meeting.starts_at + HOUR
    assert comment.receipt and comment_services.find_by_receipt(comment.receipt) == comment
    timeline = catalogue.timeline(w.matter)
    assert any(
        e.action == "meeting_scheduled" and e.details["meeting_id"] == meeting.id for e in timeline
    )


@pytest.mark.parametrize("case", ["no_item", "no_consultation", "short", "not_opened"])
def test_other_remarks_stay_remarks(w, frozen, create_matter, case):
    matter = w.matter
    if case == "no_consultation":
        matter = create_matter(
            department=w.department, published=True, title="无征求意见事项", reason="年中新增。"
        )
    elif case == "not_opened":
        consultation_on(matter, w.officer, NOW + 30 * DAY)
    else:
        consultation_on(matter, w.officer, NOW + HOUR)
    meeting = schedule(w, agenda=[{"title": "", "matter_id": matter.id}])
    rep = w.reps["expert"][0]
    services.invite(meeting, [rep.id], actor=SYSTEM)
    services.respond(meeting.invitations[0], True, actor=SYSTEM)
    frozen(meeting.starts_at + HOUR)
    data = {
        "representative_id": rep.id,
        "agenda_item_id": None if case == "no_item" else meeting.agenda[0].id,
        "text": "好。" if case == "short" else "建议分期实施改造，先行试点。",
    }
    remark = services.add_remark(meeting, data, actor=SYSTEM)
    assert remark.comment_id is None and count(Comment) == 0


@pytest.mark.parametrize("status", ["pending", "declined", "never_invited"])
def test_only_an_accepted_invitee_has_remarks(w, frozen, status):
    meeting, _row = drawn_meeting(w, quotas={"expert": 1})
    invitation = meeting.invitations[0]
    rep_id = invitation.representative_id
    if status == "declined":
        services.respond(invitation, False, None, actor=SYSTEM)
    elif status == "never_invited":
        rep_id = w.reps["media"][0].id
    frozen(meeting.starts_at + HOUR)
    with pytest.raises(RuleViolation) as exc:
        services.add_remark(meeting, {"representative_id": rep_id, "text": "意见。"}, actor=SYSTEM)
    assert exc.value.field == "representative_id"
    assert count(Remark) == 0


def test_a_remark_is_audited(w, frozen):
    meeting, _row = drawn_meeting(w, quotas={"expert": 1})
    services.respond(meeting.invitations[0], True, actor=SYSTEM)
    frozen(meeting.starts_at + HOUR)
    before = count(AuditEvent)
    services.add_remark(
        meeting,
        {"representative_id": meeting.invitations[0].representative_id, "text": "建议公开。"},
        actor=w.officer,
    )
    assert count(AuditEvent) > before


# --- outcomes ------------------------------------------------------------------------------


def test_the_outcome_needs_a_decision_on_every_agenda_item(w, frozen, create_matter):
    second = create_matter(
        department=w.department, published=True, title="第二个事项", reason="年中新增。"
    )
    meeting = schedule(
        w,
        agenda=[
            {"title": "", "matter_id": w.matter.id},
            {"title": "审议第二个事项", "matter_id": second.id},
            {"title": "听取汇报", "matter_id": None},
        ],
    )
    first, middle, last = meeting.agenda
    data = {
        "summary": "会议审议通过。",
        "items": {
            first.id: {"decision": "原则通过。", "interpretation": "分三年实施。"},
            str(last.id): {"decision": "会议听取了汇报。"},
        },
    }
    with pytest.raises(RuleViolation):  # not before the meeting has ended
        services.publish_outcome(meeting, data, actor=w.officer)
    frozen(meeting.ends_at + HOUR)
    with pytest.raises(RuleViolation) as exc:
        services.publish_outcome(meeting, data, actor=w.officer)
    assert exc.value.field == f"decision_{middle.id}"
    _db.session.expire_all()
    assert meeting.outcome_published_at is None and meeting.attendance_closed_at is None
    with pytest.raises(RuleViolation) as exc:
        services.publish_outcome(meeting, {**data, "summary": "  "}, actor=w.officer)
    assert exc.value.field == "summary"
    data["items"][middle.id] = {"decision": "暂缓审议。", "interpretation": ""}
    services.publish_outcome(meeting, data, actor=w.officer)
    assert [a.decision for a in meeting.agenda] == ["原则通过。", "暂缓审议。", "会议听取了汇报。"]
    assert [a.interpretation for a in meeting.agenda] == ["分三年实施。", None, None]
    assert meeting.outcome_published_at == meeting.attendance_closed_at == NOW + 14 * DAY + 4 * HOUR
    for matter in (w.matter, second):
        (event,) = [
            e for e in catalogue.timeline(matter) if e.action == "meeting_outcome_published"
        ]
        assert event.details["meeting_id"] == meeting.id
    with pytest.raises(RuleViolation):
        services.publish_outcome(meeting, data, actor=w.officer)


def test_the_public_record_hides_the_outcome_until_published(w, frozen):
    meeting = schedule(w)
    record = services.public_record(meeting, NOW, detail=True)
    assert record["agenda"][0]["decision"] is None and record["outcome_summary"] is None
    frozen(meeting.ends_at)
    services.publish_outcome(
        meeting,
        {"summary": "通过。", "items": {meeting.agenda[0].id: {"decision": "通过。"}}},
        actor=SYSTEM,
    )
    record = services.public_record(meeting, NOW, detail=True)
    assert record["agenda"][0]["decision"] == "通过。" and record["outcome_summary"] == "通过。"


# --- figures -------------------------------------------------------------------------------


def hold(w, frozen, start: datetime, invite, accept, arrive, *, close: bool = True):
    """A meeting at `start`: invite by hand, accept, check in who arrives, then close."""
    frozen(start - 10 * DAY)
    meeting = services.create_meeting(
        {
            "kind": "symposium",
            "title": f"座谈会{start:%Y%m%d}",
            "place": "区政府",
            "starts_at": start,
            "ends_at": start + 2 * HOUR,
            "registration_deadline": start - DAY,
            "seats": 10,
            "department_id": w.department.id,
            "agenda": [],
        },
        actor=SYSTEM,
    )
    services.invite(meeting, ids(invite), actor=SYSTEM)
    for rep in accept:
        services.respond(invitation_of(meeting, rep), True, actor=SYSTEM)
    frozen(start)
    for rep in arrive:
        services.check_in(meeting, invitation_of(meeting, rep).checkin_code, actor=SYSTEM)
    if close:
        frozen(start + 3 * HOUR)
        services.close_attendance(meeting, actor=SYSTEM)
    return meeting


def test_figures_per_representative_category_and_year(db, frozen, create_department):
    frozen(datetime(2025, 1, 5, 2, 0, tzinfo=UTC))
    w = SimpleNamespace(department=create_department())
    a, b = add_rep("甲", "expert"), add_rep("乙", "expert")
    c = add_rep("丙", "media")
    d = add_rep("丁", "supervisor")  # invited only to a meeting not yet closed
    hold(w, frozen, datetime(2025, 6, 3, 1, 0, tzinfo=UTC), [a, b, c], [a, b, c], [a, c])
    hold(w, frozen, datetime(2026, 4, 8, 1, 0, tzinfo=UTC), [a, c], [a], [a])
    # 31 December 2025 after 16:00 UTC is already 2026 in Donghu: counted in 2026.
    hold(w, frozen, datetime(2025, 12, 31, 17, 0, tzinfo=UTC), [b], [b], [])
    hold(w, frozen, datetime(2026, 5, 6, 1, 0, tzinfo=UTC), [a, d], [a, d], [a, d], close=False)

    figures = services.figures()
    per_rep = figures["per_representative"]
    assert per_rep[a.id] == {"invited": 2, "accepted": 2, "attended": 2, "rate": 1.0}
    assert per_rep[b.id] == {"invited": 2, "accepted": 2, "attended": 0, "rate": 0.0}
    assert per_rep[c.id] == {"invited": 2, "accepted": 1, "attended": 1, "rate": 0.5}
    assert d.id not in per_rep
    assert figures["per_category"] == {
        "expert": {"invited": 4, "accepted": 4, "attended": 2, "rate": 0.5},
        "media": {"invited": 2, "accepted": 1, "attended": 1, "rate": 0.5},
    }
    assert figures["per_year"] == {
        2025: {"invited": 3, "accepted": 3, "attended": 2, "rate": 2 / 3},
        2026: {"invited": 3, "accepted": 2, "attended": 1, "rate": 1 / 3},
    }
    only_2025 = services.figures(year=2025)
    assert only_2025["per_representative"][b.id]["invited"] == 1
    assert only_2025["per_category"]["media"] == {
        "invited": 1,
        "accepted": 1,
        "attended": 1,
        "rate": 1.0,
    }
    assert list(only_2025["per_year"]) == [2025]
    assert services.figures(year=2024) == {
        "per_representative": {},
        "per_category": {},
        "per_year": {},
    }
