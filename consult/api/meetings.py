"""/api/v1 meetings: the public record, a representative's reply, the organiser's actions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l

from consult.api import (
    ApiError,
    api_actor,
    bp,
    json_body,
    page_args,
    paginated,
    staff_required,
    user_required,
)
from consult.api.consultations import _time
from consult.core.errors import NotFound
from consult.core.time import now_utc
from consult.extensions import db
from consult.meetings import services
from consult.meetings.models import Draw, Invitation, InvitationStatus, Meeting
from consult.meetings.views import send_invitation_mails

WHEN = ("upcoming", "past")


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_l("No such meeting."))
    return meeting


def _draw_record(draw: Draw) -> dict:
    return {
        "id": draw.id,
        "seed": draw.seed,
        "quotas": draw.quotas,
        "pool": draw.pool,
        "excluded": draw.excluded,
        "result": draw.result,
        "drawn_at": draw.drawn_at.isoformat(),
    }


def _optional_int(body: dict, field: str) -> int | None:
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 2**31 - 1:
        raise ApiError(
            422,
            _l("%(field)s must be a positive whole number.", field=field),
            field=field,
            code="rule_violation",
        )
    return value


@bp.get("/meetings")
def list_meetings():
    when = request.args.get("when") or None
    if when is not None and when not in WHEN:
        raise ApiError(
            400, _l("when must be one of %(values)s", values=", ".join(WHEN)), field="when"
        )
    page, per_page = page_args()
    now = now_utc()
    stmt = sa.select(Meeting)
    if when == "upcoming":
        stmt = stmt.where(Meeting.ends_at > now).order_by(Meeting.starts_at, Meeting.id)
    elif when == "past":
        stmt = stmt.where(Meeting.ends_at <= now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return paginated(stmt, lambda m: services.public_record(m, now), page, per_page)


@bp.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id: int):
    return services.public_record(_meeting(meeting_id), now_utc(), detail=True)


@bp.post("/meetings")
@staff_required
def create_meeting():
    body = json_body()
    agenda = body.get("agenda") or []
    if not isinstance(agenda, list) or not all(isinstance(a, dict) for a in agenda):
        raise ApiError(
            422,
            _l('agenda is a list of {"title", "decision_id"} objects.'),
            field="agenda",
            code="rule_violation",
        )
    seats = body.get("seats", 0)
    meeting = services.create_meeting(
        {
            "kind": body.get("kind"),
            "title": body.get("title") if isinstance(body.get("title"), str) else None,
            "place": body.get("place") if isinstance(body.get("place"), str) else None,
            "starts_at": _time(body, "starts_at"),
            "ends_at": _time(body, "ends_at"),
            "registration_deadline": _time(body, "registration_deadline"),
            "seats": seats,
            "department_id": _optional_int(body, "department_id"),
            "agenda": [
                {
                    "title": a.get("title") if isinstance(a.get("title"), str) else None,
                    "matter_id": a.get("decision_id", a.get("matter_id")),
                }
                for a in agenda
            ],
        },
        actor=api_actor(),
    )
    db.session.commit()
    return services.public_record(meeting, now_utc(), detail=True), 201


@bp.post("/meetings/<int:meeting_id>/draw")
@staff_required
def draw(meeting_id: int):
    meeting = _meeting(meeting_id)
    body = json_body()
    seed = body.get("seed")
    if seed is not None and not isinstance(seed, str):
        raise ApiError(422, _l("seed must be a string."), field="seed", code="rule_violation")
    result = services.run_draw(
        meeting, {"seed": seed, "quotas": body.get("quotas")}, actor=api_actor()
    )
    db.session.commit()
    send_invitation_mails([i for i in meeting.invitations if i.draw_id == result.id])
    return _draw_record(result), 201


@bp.post("/meetings/<int:meeting_id>/check-in")
@staff_required
def check_in(meeting_id: int):
    meeting = _meeting(meeting_id)
    body = json_body()
    code = body.get("code")
    if not isinstance(code, str):
        raise ApiError(422, _l("Enter the check-in code."), field="code", code="rule_violation")
    invitation = services.check_in(meeting, code, actor=api_actor())
    db.session.commit()
    return {
        "invitation_id": invitation.id,
        "representative": invitation.representative.name,
        "checked_in_at": invitation.checked_in_at.isoformat(),
    }


@bp.post("/invitations/<int:invitation_id>/response")
@user_required
def respond(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound(_l("No such invitation."))
    body = json_body()
    accept = body.get("accept")
    if not isinstance(accept, bool):
        raise ApiError(
            422, _l("accept must be true or false."), field="accept", code="rule_violation"
        )
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError(422, _l("reason must be a string."), field="reason", code="rule_violation")
    invitation, substitute = services.respond(invitation, accept, reason, actor=api_actor())
    db.session.commit()
    if substitute is not None:
        send_invitation_mails([substitute])
    record = {
        "id": invitation.id,
        "meeting_id": invitation.meeting_id,
        "status": invitation.status,
        "responded_at": invitation.responded_at.isoformat(),
    }
    if invitation.status == InvitationStatus.ACCEPTED:
        # The invitee's own code, answered to the invitee only.
        record["checkin_code"] = invitation.checkin_code
    return record
