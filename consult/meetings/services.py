"""Meetings: creating them, invitations (by hand or by the reproducible draw), replies and
substitutes, check-in, attendance, remarks and outcomes. Never commits."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from consult.accounts.models import SYSTEM
from consult.accounts.models import Actor
from consult.accounts.models import Department
from consult.accounts.models import require_manager
from consult.catalogue.models import DecisionMatter
from consult.comments import services as comments
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import found
from consult.core.records import record_of
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.core.time import require_aware
from consult.extensions import db
from consult.meetings import rules
from consult.meetings import schemas
from consult.meetings.models import KIND_VALUES
from consult.meetings.models import AgendaItem
from consult.meetings.models import Attendance
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import InvitationSource
from consult.meetings.models import InvitationStatus
from consult.meetings.models import Meeting
from consult.meetings.models import Remark
from consult.representatives import services as pool
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import Representative

log = logging.getLogger(__name__)


_MANAGE_OWN_MEETINGS = _l("You can only manage your own department's meetings.")


def _require_manager(actor: Actor, meeting: Meeting) -> None:
    require_manager(actor, meeting, _MANAGE_OWN_MEETINGS)


# --- meetings ----------------------------------------------------------------------------


def create_meeting(data: dict[str, Any], *, actor: Actor, now: datetime | None = None) -> Meeting:
    """data: kind, title, starts_at, ends_at, place, seats, registration_deadline,
    department_id (None: a district-government meeting, government office only),
    agenda: [{"title", "matter_id"}]."""
    now = now or now_utc()
    department_id = values.whole(
        data.get("department_id"), "department_id", minimum=1, required=False
    )
    if not getattr(actor, "is_staff", False):
        raise Forbidden(_l("Only staff can create meetings."))
    if actor.is_officer:  # type: ignore[union-attr]  (the office's may be the district's own)
        department_id = department_id or actor.department_id  # type: ignore[union-attr]
    require_manager(actor, department_id, _MANAGE_OWN_MEETINGS)
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise RuleViolation("department_id", _l("Unknown department."))
    meeting = Meeting(
        **_meeting_plan(data, now),
        department_id=department_id,
        venue_secret=rules.new_venue_secret(),
    )
    agenda = data.get("agenda") or []
    if not isinstance(agenda, list) or not all(isinstance(item, dict) for item in agenda):
        raise RuleViolation("agenda", _l('The agenda is a list of {"title", "matter_id"} items.'))
    for position, item in enumerate(agenda, start=1):
        meeting.agenda.append(_agenda_item(item, position, actor))
    created = {"title": meeting.title}
    audit.added(meeting, "created", stamp="created", actor=actor, now=now, details=created)
    starts = {"starts_at": meeting.starts_at.isoformat()}
    _on_agenda_timelines(meeting, "meeting_scheduled", lambda _item: starts, actor=actor, now=now)
    return meeting


def _meeting_plan(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What, when and where, and the seats for representatives, checked."""
    kind = data.get("kind")
    if kind not in KIND_VALUES:
        raise RuleViolation("kind", _l("Choose the type of meeting."))
    title = values.text(
        data.get("title"), "title", rules.MAX_TITLE, required=True, message=_l("Enter a title.")
    )
    place = values.text(
        data.get("place"), "place", rules.MAX_PLACE, required=True, message=_l("Enter the place.")
    )
    starts_at, ends_at = (
        require_aware(data.get("starts_at"), "starts_at"),
        require_aware(data.get("ends_at"), "ends_at"),
    )
    deadline = require_aware(data.get("registration_deadline"), "registration_deadline")
    rules.check_times(starts_at, ends_at, deadline, now)
    seats = data.get("seats")
    if isinstance(seats, bool) or not isinstance(seats, int) or not 0 <= seats <= rules.MAX_SEATS:
        raise RuleViolation(
            "seats",
            _l("Seats for representatives: a whole number from 0 to %(n)d.", n=rules.MAX_SEATS),
        )
    return {
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "seats": seats,
        "registration_deadline": deadline,
    }


def _on_agenda_timelines(
    meeting: Meeting,
    action: str,
    of_item: Callable[[AgendaItem], dict[str, Any]],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """An event of `meeting` on the public timeline of each decision matter on its agenda:
    which meeting, its title, and what `of_item` says of the matter's agenda item."""
    for item in meeting.agenda:
        if item.matter is not None:
            details = {"meeting_id": meeting.id, "title": meeting.title, **of_item(item)}
            audit.record(item.matter, action, actor=actor, now=now, details=details)


def _agenda_item(item: dict[str, Any], position: int, actor: Actor) -> AgendaItem:
    title = values.text(item.get("title"), "agenda", rules.MAX_TITLE, required=False)
    matter = None
    if item.get("matter_id"):
        raw = str(item["matter_id"])
        # Beyond the database's integer the driver would fail (a 500): it is simply unknown.
        matter = (
            db.session.get(DecisionMatter, int(raw))
            if raw.isdigit() and len(raw) <= 10 and int(raw) <= 2**31 - 1
            else None
        )
        if matter is None or not matter.is_published:
            raise RuleViolation("agenda", _l("Unknown decision matter on the agenda."))
        title = title or matter.title
    if not title:
        raise RuleViolation("agenda", _l("Each agenda item needs a title or a decision matter."))
    return AgendaItem(position=position, title=title, matter=matter)


def _agenda_matter_ids(meeting: Meeting) -> list[int]:
    return [item.matter_id for item in meeting.agenda if item.matter_id is not None]


def _active_invitations(meeting: Meeting) -> list[Invitation]:
    return [i for i in meeting.invitations if i.status != InvitationStatus.DECLINED]


def _check_can_invite(meeting: Meeting, now: datetime, extra: int) -> None:
    if now >= meeting.registration_deadline:
        raise RuleViolation(None, _l("Registration for this meeting has closed."))
    free = meeting.seats - len(_active_invitations(meeting))
    if extra > free:
        raise RuleViolation(
            "seats", _l("Only %(n)d seat(s) are free for representatives.", n=max(free, 0))
        )


def _eligibility_problem(rep: Representative, meeting: Meeting, conflicts: dict[int, list[int]]):
    day = local_date_of(meeting.starts_at)
    if not rep.serves_on(day):
        return _l(
            "%(name)s is not serving on the day of the meeting (term ended or suspended).",
            name=rep.name,
        )
    if rep.id in conflicts:
        return _l(
            "%(name)s has a recorded conflict of interest with a matter on the agenda.",
            name=rep.name,
        )
    if any(i.representative_id == rep.id for i in meeting.invitations):
        return _l("%(name)s is already invited.", name=rep.name)
    return None


def invite(
    meeting: Meeting,
    representative_ids: list[int],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[Invitation]:
    """Invite representatives picked by hand."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    ids = list(dict.fromkeys(representative_ids))
    if not ids:
        raise RuleViolation("representative_ids", _l("Choose at least one representative."))
    _check_can_invite(meeting, now, len(ids))
    conflicts = pool.conflicted_ids(_agenda_matter_ids(meeting))
    created = []
    for rep_id in ids:
        rep = db.session.get(Representative, rep_id)
        if rep is None:
            raise RuleViolation("representative_ids", _l("Unknown representative."))
        problem = _eligibility_problem(rep, meeting, conflicts)
        if problem:
            raise RuleViolation("representative_ids", problem)
        invitation = Invitation(
            meeting=meeting,
            representative=rep,
            source=InvitationSource.MANUAL.value,
            status=InvitationStatus.PENDING.value,
            invited_at=now,
        )
        db.session.add(invitation)
        created.append(invitation)
    db.session.flush()
    audit.record(meeting, "invited", actor=actor, now=now, details={"representatives": ids})
    return created


def eligible_pool(meeting: Meeting) -> tuple[dict[str, list[int]], list[dict[str, Any]]]:
    """Who a draw may pick, by category, and who was left out and why."""
    day = local_date_of(meeting.starts_at)
    conflicts = pool.conflicted_ids(_agenda_matter_ids(meeting))
    invited = {i.representative_id for i in meeting.invitations}
    candidates: dict[str, list[int]] = defaultdict(list)
    excluded: list[dict[str, Any]] = []
    for rep in db.session.scalars(sa.select(Representative).order_by(Representative.id)):
        if not rep.serves_on(day):
            continue
        if rep.id in conflicts:
            excluded.append(
                {"id": rep.id, "reason": "conflict_of_interest", "matters": conflicts[rep.id]}
            )
        elif rep.id in invited:
            excluded.append({"id": rep.id, "reason": "already_invited"})
        else:
            candidates[rep.category].append(rep.id)
    return dict(candidates), excluded


def run_draw(
    meeting: Meeting, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Draw:
    """Invite by a reproducible random draw with quotas per category; published in full."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    quotas = rules.clean_quotas(data.get("quotas"), set(CATEGORY_VALUES))
    seed = rules.clean_seed(data.get("seed"))
    _check_can_invite(meeting, now, sum(quotas.values()))
    candidates, excluded = eligible_pool(meeting)
    result = rules.draw(seed, quotas, candidates)
    draw = Draw(
        meeting=meeting,
        seed=seed,
        quotas=quotas,
        pool={c: candidates.get(c, []) for c in sorted(quotas)},
        excluded=excluded,
        result=result,
        drawn_at=now,
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(draw)
    db.session.flush()
    for category in sorted(result):
        for rep_id in result[category]:
            db.session.add(
                Invitation(
                    meeting=meeting,
                    representative_id=rep_id,
                    source=InvitationSource.DRAW.value,
                    draw=draw,
                    status=InvitationStatus.PENDING.value,
                    invited_at=now,
                )
            )
    db.session.flush()
    db.session.refresh(meeting)
    audit.record(
        meeting,
        "drawn",
        actor=actor,
        now=now,
        details={"draw_id": draw.id, "seed": seed, "quotas": quotas},
    )
    return draw


def _substitute(invitation: Invitation, now: datetime) -> Invitation | None:
    """Fill a declined drawn seat with the next eligible person of the same category in the
    same ranking, if registration is still open."""
    if invitation.draw_id is None or now >= invitation.meeting.registration_deadline:
        return None
    draw = db.session.get(Draw, invitation.draw_id)
    meeting = invitation.meeting
    category = invitation.representative.category
    conflicts = pool.conflicted_ids(_agenda_matter_ids(meeting))
    invited = {i.representative_id for i in meeting.invitations}
    day = local_date_of(meeting.starts_at)
    for rep_id in rules.ranking(draw.seed, category, draw.pool.get(category, [])):
        if rep_id in invited or rep_id in conflicts:
            continue
        rep = db.session.get(Representative, rep_id)
        if rep is None or not rep.serves_on(day):
            continue
        substitute = Invitation(
            meeting=meeting,
            representative=rep,
            source=InvitationSource.SUBSTITUTE.value,
            draw_id=draw.id,
            replaces_id=invitation.id,
            status=InvitationStatus.PENDING.value,
            invited_at=now,
        )
        replaced = {"replaces": invitation.representative_id, "representative": rep_id}
        return audit.added(
            substitute, "substitute_invited", about=meeting, actor=SYSTEM, now=now, details=replaced
        )
    return None


def respond(
    invitation: Invitation,
    accept: bool,
    reason: str | None = None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[Invitation, Invitation | None]:
    """The invited representative accepts or declines before the deadline. A decline frees
    the seat; a drawn seat goes to a substitute drawn the same way. Returns (invitation,
    substitute)."""
    if actor is not SYSTEM:
        rep = pool.representative_for(actor)
        if rep is None or rep.id != invitation.representative_id:
            raise Forbidden(_l("This invitation is addressed to someone else."))
    now = now or now_utc()
    meeting = invitation.meeting
    if now >= meeting.registration_deadline:
        raise RuleViolation(
            None, _l("The registration deadline has passed."), code="deadline_passed"
        )
    if invitation.status == InvitationStatus.DECLINED:
        raise RuleViolation(
            None,
            _l("You have declined this invitation; the seat has been offered to someone else."),
        )
    if accept and invitation.status == InvitationStatus.ACCEPTED:
        raise RuleViolation(None, _l("You have already accepted this invitation."))
    if accept and not invitation.representative.serves_on(local_date_of(meeting.starts_at)):
        raise RuleViolation(None, _l("Your term does not cover the day of the meeting."))
    substitute = None
    if accept:
        # Find the code first: its uniqueness query autoflushes, and an accepted row without
        # a code breaks the accepted_has_code constraint.
        code = _unique_code()
        invitation.status = InvitationStatus.ACCEPTED.value
        invitation.checkin_code = code
    else:
        invitation.status = InvitationStatus.DECLINED.value
        invitation.decline_reason = values.optional_text(reason, "reason", rules.MAX_DECLINE_REASON)
        invitation.checkin_code = None
    invitation.responded_at = now
    db.session.flush()
    audit.record(invitation, "accepted" if accept else "declined", actor=actor, now=now)
    if not accept:
        substitute = _substitute(invitation, now)
    return invitation, substitute


def _unique_code() -> str:
    while True:
        code = rules.new_checkin_code()
        if (
            db.session.scalar(sa.select(Invitation.id).where(Invitation.checkin_code == code))
            is None
        ):
            return code


def _at(moment: datetime) -> str:
    """A moment as the page's reader reads it (Beijing time), inside a message."""
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def _check_window(meeting: Meeting, now: datetime) -> None:
    phase = rules.checkin_phase(meeting.starts_at, meeting.ends_at, now)
    if phase == rules.CheckinPhase.EARLY:
        raise RuleViolation(
            "code",
            _l(
                "Check-in opens at %(time)s.",
                time=_at(rules.checkin_opens_at(meeting.starts_at)),
            ),
            code="too_early",
        )
    if phase == rules.CheckinPhase.CLOSED:
        raise RuleViolation(
            "code",
            _l("Check-in has closed: the meeting ended at %(time)s.", time=_at(meeting.ends_at)),
            code="too_late",
        )


def check_in(
    meeting: Meeting, code: str, *, actor: Actor, now: datetime | None = None
) -> Invitation:
    """Staff at the door record an arrival by the representative's personal code (scanned from
    the pass or typed). A representative proves presence with the venue code instead
    (`check_in_on_site`): a personal code can be shown from anywhere."""
    now = now or now_utc()
    if not meeting.can_manage(actor):
        raise Forbidden(
            _l(
                "The personal code is for the staff at the door. To check in yourself, scan the "
                "code on the screen at the venue."
            )
        )
    normalised = rules.normalise_code(code)
    if not normalised:
        raise RuleViolation("code", _l("Enter the check-in code."))
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.checkin_code == normalised)
    )
    if invitation is None:
        raise RuleViolation("code", _l("Unknown check-in code."))
    if invitation.meeting_id != meeting.id:
        raise RuleViolation("code", _l("This code belongs to another meeting."))
    _check_window(meeting, now)
    if invitation.checked_in_at is not None:
        raise RuleViolation(
            "code",
            _l(
                "%(name)s has already checked in, at %(time)s.",
                name=invitation.representative.name,
                time=format_datetime(invitation.checked_in_at, "HH:mm"),
            ),
            code="already_checked_in",
        )
    invitation.checked_in_at = now
    db.session.flush()
    audit.record(invitation, "checked_in", actor=actor, now=now, details={"by": "personal_code"})
    return invitation


def own_invitation(meeting: Meeting, actor: Actor) -> Invitation | None:
    """The actor's invitation to this meeting, if the actor is an invited representative."""
    rep = pool.representative_for(actor)
    if rep is None:
        return None
    return next((i for i in meeting.invitations if i.representative_id == rep.id), None)


def venue_code(meeting: Meeting, *, actor: Actor, now: datetime | None = None):
    """What the venue screen shows now: (code, when it gives way to the next). Staff only."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    return rules.venue_code(meeting.venue_secret, now), rules.venue_step_ends(now)


def check_in_on_site(
    meeting: Meeting,
    code: str | None,
    *,
    actor: Actor,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> Invitation:
    """A signed-in representative checks in herself with the venue code she scanned (or typed)
    at `scanned_at`; she may confirm up to SCAN_VALID_FOR later (time to log in). Only an
    invited representative who accepted; checking in twice changes nothing and answers the
    first time."""
    now = now or now_utc()
    scanned_at = scanned_at or now
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_l("Log in to check in."))
    invitation = own_invitation(meeting, actor)
    if invitation is None:
        raise RuleViolation(
            None,
            _l("You are not invited to this meeting, so there is no check-in for you."),
            code="not_invited",
        )
    if invitation.checked_in_at is not None:
        return invitation
    if invitation.status != InvitationStatus.ACCEPTED:
        raise RuleViolation(
            None,
            _l("You declined the invitation to this meeting.")
            if invitation.status == InvitationStatus.DECLINED
            else _l("You have not accepted the invitation to this meeting."),
            code="not_accepted",
        )
    _check_window(meeting, now)
    if not (
        scanned_at <= now
        and now - scanned_at <= rules.SCAN_VALID_FOR
        and rules.venue_code_valid(meeting.venue_secret, code, scanned_at)
    ):
        raise RuleViolation(
            "code",
            _l(
                "This code has expired or is not right. Scan the QR code on the screen at the "
                "venue again, or type the six digits it shows now."
            ),
            code="code_expired",
        )
    invitation.checked_in_at = now
    db.session.flush()
    audit.record(invitation, "checked_in", actor=actor, now=now, details={"by": "venue_code"})
    return invitation


def close_attendance(meeting: Meeting, *, actor: Actor, now: datetime | None = None) -> int:
    """After the meeting: who checked in attended; every other invited person is absent."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    if not meeting.has_ended(now):
        raise RuleViolation(None, _l("Attendance is recorded after the meeting has ended."))
    if meeting.attendance_closed_at is not None:
        return 0
    for invitation in meeting.invitations:
        invitation.attendance = (
            Attendance.ATTENDED if invitation.checked_in_at else Attendance.ABSENT
        ).value
    meeting.attendance_closed_at = now
    db.session.flush()
    audit.record(
        meeting,
        "attendance_closed",
        actor=actor,
        now=now,
        details={
            "attended": sum(1 for i in meeting.invitations if i.attendance == Attendance.ATTENDED)
        },
    )
    return len(meeting.invitations)


def _consultation_being_answered(
    matter: DecisionMatter | None, now: datetime
) -> Consultation | None:
    if matter is None:
        return None
    # Only one that has opened: a remark cannot enter a consultation that has not started.
    return db.session.scalar(
        sa.select(Consultation)
        .where(
            Consultation.matter_id == matter.id,
            Consultation.feedback_published_at.is_(None),
            Consultation.opens_at <= now,
        )
        .order_by(Consultation.closes_at.desc())
        .limit(1)
    )


def add_remark(
    meeting: Meeting, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Remark:
    """Record a representative's remark. On a matter whose consultation is still being
    answered it also enters that consultation as a comment (source: meeting)."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    if now < meeting.starts_at:
        raise RuleViolation(None, _l("Remarks are recorded once the meeting has started."))
    rep_id = data.get("representative_id")
    invitation = next((i for i in meeting.invitations if i.representative_id == rep_id), None)
    if invitation is None or invitation.status != InvitationStatus.ACCEPTED:
        raise RuleViolation(
            "representative_id", _l("Only a representative who attended can have remarks recorded.")
        )
    item = None
    if data.get("agenda_item_id"):
        item = next((a for a in meeting.agenda if a.id == data["agenda_item_id"]), None)
        if item is None:
            raise RuleViolation("agenda_item_id", _l("Unknown agenda item."))
    text = values.text(
        data.get("text"), "text", 5000, required=True, message=_l("Enter the remark.")
    )
    consultation = _consultation_being_answered(item.matter if item else None, now)
    comment_id = None
    if consultation is not None and len(text) >= 10:
        comment = comments.enter_offline_comment(
            consultation,
            {
                "source": "meeting",
                "author_name": invitation.representative.name,
                "show_name": True,
                "body": text,
                "received_at": now,
            },
            actor=SYSTEM,
            now=now,
        )
        comment_id = comment.id
    # Built after the queries above: their autoflush would meet a remark not yet in the session.
    remark = Remark(
        meeting=meeting,
        representative_id=rep_id,
        agenda_item=item,
        text=text,
        comment_id=comment_id,
    )
    return audit.added(
        remark,
        "remark_recorded",
        about=meeting,
        id_key="remark_id",
        stamp="recorded",
        actor=actor,
        now=now,
        details={"representative_id": rep_id, "comment_id": comment_id},
    )


def publish_outcome(
    meeting: Meeting, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Meeting:
    """Publish what was decided on each agenda item, its policy interpretation, who attended
    and the remarks. data: summary, items: {agenda_item_id: {"decision", "interpretation"}}."""
    _require_manager(actor, meeting)
    now = now or now_utc()
    if not meeting.has_ended(now):
        raise RuleViolation(None, _l("The outcome is published after the meeting."))
    if meeting.outcome_published_at is not None:
        raise RuleViolation(None, _l("The outcome of this meeting is already published."))
    summary = values.text(
        data.get("summary"),
        "summary",
        20_000,
        required=True,
        message=_l("Summarise the outcome of the meeting."),
    )
    items = data.get("items") or {}
    for item in meeting.agenda:
        entry = items.get(item.id) or items.get(str(item.id)) or {}
        decision = values.text(
            entry.get("decision"),
            f"decision_{item.id}",
            10_000,
            required=True,
            message=_l("Record the decision on “%(title)s”.", title=item.title),
        )
        item.decision = decision
        item.interpretation = (
            values.text(
                entry.get("interpretation"), f"interpretation_{item.id}", 20_000, required=False
            )
            or None
        )
    close_attendance(meeting, actor=actor, now=now)
    meeting.outcome_summary = summary
    meeting.outcome_published_at = now
    db.session.flush()
    audit.record(meeting, "outcome_published", actor=actor, now=now)
    _on_agenda_timelines(
        meeting,
        "meeting_outcome_published",
        lambda item: {"decision": item.decision[:200]},
        actor=actor,
        now=now,
    )
    return meeting


# --- queries -----------------------------------------------------------------------------


def get_meeting(meeting_id: int) -> Meeting:
    return found(db.session.get(Meeting, meeting_id), _l("No such meeting."))


def figures(*, year: int | None = None) -> dict[str, Any]:
    """Attendance figures per representative, per category and per year, over meetings whose
    attendance has been recorded."""
    stmt = (
        sa.select(Invitation, Meeting.starts_at)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(Meeting.attendance_closed_at.is_not(None))
    )
    per_rep: dict[int, dict[str, int]] = defaultdict(
        lambda: {"invited": 0, "accepted": 0, "attended": 0}
    )
    per_year: dict[int, dict[str, int]] = defaultdict(
        lambda: {"invited": 0, "accepted": 0, "attended": 0}
    )
    for invitation, starts_at in db.session.execute(stmt):
        meeting_year = local_date_of(starts_at).year
        if year is not None and meeting_year != year:
            continue
        for bucket in (per_rep[invitation.representative_id], per_year[meeting_year]):
            bucket["invited"] += 1
            bucket["accepted"] += invitation.status == InvitationStatus.ACCEPTED
            bucket["attended"] += invitation.attendance == Attendance.ATTENDED
    reps = {r.id: r for r in db.session.scalars(sa.select(Representative))}
    per_category: dict[str, dict[str, int]] = defaultdict(
        lambda: {"invited": 0, "accepted": 0, "attended": 0}
    )
    for rep_id, counts in per_rep.items():
        for key, n in counts.items():
            per_category[reps[rep_id].category][key] += n

    def with_rate(counts: dict[str, int]) -> dict[str, Any]:
        return {
            **counts,
            "rate": counts["attended"] / counts["invited"] if counts["invited"] else None,
        }

    return {
        "per_representative": {rep_id: with_rate(c) for rep_id, c in per_rep.items()},
        "per_category": {cat: with_rate(c) for cat, c in per_category.items()},
        "per_year": {y: with_rate(c) for y, c in sorted(per_year.items())},
    }


def attendance_counts(rep: Representative, now: datetime) -> dict[str, int]:
    """A representative's record: invited, accepted, declined, checked in, and missed (accepted,
    the meeting over, never checked in)."""
    rows = db.session.execute(
        sa.select(Invitation.status, Invitation.checked_in_at, Meeting.ends_at)
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .where(Invitation.representative_id == rep.id)
    ).all()
    accepted = [r for r in rows if r.status == InvitationStatus.ACCEPTED]
    return {
        "invited": len(rows),
        "accepted": len(accepted),
        "declined": sum(r.status == InvitationStatus.DECLINED for r in rows),
        "attended": sum(r.checked_in_at is not None for r in rows),
        "missed": sum(r.checked_in_at is None and r.ends_at <= now for r in accepted),
    }


def past_invitations(rep: Representative, now: datetime) -> sa.Select:
    """Invitations to meetings that have ended, the latest first (for paging)."""
    return (
        sa.select(Invitation)
        .join(Invitation.meeting)
        .where(Invitation.representative_id == rep.id, Meeting.ends_at <= now)
        .order_by(Meeting.starts_at.desc(), Invitation.id.desc())
    )


def invitations_for(rep: Representative) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Invitation.meeting)
            .where(Invitation.representative_id == rep.id)
            .order_by(Meeting.starts_at.desc())
        )
    )


def public_record(meeting: Meeting, now: datetime, *, detail: bool = False) -> dict[str, Any]:
    """The meeting as the API gives it (schemas.Meeting, or MeetingDetail)."""
    published = meeting.outcome_published_at is not None
    fields = _meeting_fields(meeting)
    if not detail:
        return schemas.Meeting(**fields).record()
    return schemas.MeetingDetail(
        **fields,
        outcome_summary=meeting.outcome_summary if published else None,
        draws=[draw_record(d, schemas.DrawRecord) for d in meeting.draws],
        invited=[
            schemas.Invited(
                representative_id=i.representative_id,
                name=i.representative.name,
                category=i.representative.category,
                source=i.source,
                status=i.status,
                attendance=i.attendance,
            )
            for i in meeting.invitations
        ],
        remarks=[
            schemas.Remark(
                representative=r.representative.name,
                agenda_position=r.agenda_item.position if r.agenda_item else None,
                text=r.text,
            )
            for r in meeting.remarks
        ]
        if published
        else [],
    ).record()


def _meeting_fields(meeting: Meeting) -> dict[str, Any]:
    """The fields of schemas.Meeting, which its detail and its open-data record extend."""
    published = meeting.outcome_published_at is not None
    fields = record_of(
        schemas.Meeting,
        meeting,
        organiser=meeting.department.name if meeting.department else None,
        agenda=[
            schemas.AgendaItem(
                position=a.position,
                title=a.title,
                decision_id=a.matter_id,
                decision=a.decision if published else None,
                interpretation=a.interpretation if published else None,
            )
            for a in meeting.agenda
        ],
    )
    return dict(fields)


def open_data_record(meeting: Meeting) -> dict[str, Any]:
    """The meeting in the open-data download (schemas.MeetingRecord)."""
    published = meeting.outcome_published_at is not None
    return schemas.MeetingRecord(
        **_meeting_fields(meeting),
        outcome_summary=meeting.outcome_summary if published else None,
        attendance_recorded_at=meeting.attendance_closed_at,
    ).record()


def draw_record(draw: Draw, model: type[schemas.DrawRecord] = schemas.Draw):
    """A published draw: its seed, quotas, pool, exclusions and result."""
    return record_of(model, draw)
