"""/api/v1 meetings: the public record, a representative's reply, the organiser's actions."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from consult.api import api_actor
from consult.api import bp
from consult.api import operations
from consult.api import paginated
from consult.core.errors import found
from consult.core.time import now_utc
from consult.extensions import db
from consult.meetings import schemas
from consult.meetings import services
from consult.meetings.limits import checkin_limit
from consult.meetings.models import Invitation
from consult.meetings.models import InvitationStatus
from consult.meetings.models import Meeting
from consult.meetings.views import send_invitation_mails

operation = operations("meetings")


@bp.get("/meetings")
@operation({200: schemas.MeetingPage}, cached=True)
def list_meetings(query: schemas.MeetingQuery):
    """Government meetings

    Without `when`: all, latest start first."""
    now = now_utc()
    stmt = sa.select(Meeting)
    if query.when == "upcoming":
        stmt = stmt.where(Meeting.ends_at > now).order_by(Meeting.starts_at, Meeting.id)
    elif query.when == "past":
        stmt = stmt.where(Meeting.ends_at <= now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        stmt = stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return paginated(stmt, lambda m: services.public_record(m, now), query.page, query.per_page)


@bp.get("/meetings/<int:meeting_id>")
@operation({200: schemas.MeetingDetail})
def get_meeting(meeting_id: int):
    """One meeting: agenda, draws, invitations, outcome"""
    return services.public_record(services.get_meeting(meeting_id), now_utc(), detail=True)


@bp.post("/meetings")
@operation({201: schemas.MeetingDetail}, access="staff")
def create_meeting(body: schemas.MeetingInput):
    """Schedule a meeting"""
    data = body.model_dump(exclude={"agenda"})
    data["agenda"] = [{"title": a.title, "matter_id": a.decision_id} for a in body.agenda]
    meeting = services.create_meeting(data, actor=api_actor())
    db.session.commit()
    return services.public_record(meeting, now_utc(), detail=True), 201


@bp.post("/meetings/<int:meeting_id>/draw")
@operation({201: schemas.Draw}, access="staff")
def draw(meeting_id: int, body: schemas.DrawInput):
    """Draw representatives by lot

    Reproducible: the seed, the pool and the result are published."""
    meeting = services.get_meeting(meeting_id)
    result = services.run_draw(meeting, body.model_dump(), actor=api_actor())
    db.session.commit()
    send_invitation_mails([i for i in meeting.invitations if i.draw_id == result.id])
    return services.draw_record(result).record(), 201


@bp.post("/meetings/<int:meeting_id>/check-in")
@operation({200: schemas.CheckIn}, access="staff")
def check_in(meeting_id: int, body: schemas.CheckInInput):
    """Record a representative's arrival by check-in code"""
    invitation = services.check_in(services.get_meeting(meeting_id), body.code, actor=api_actor())
    db.session.commit()
    return _check_in_record(invitation)


def _check_in_record(invitation) -> dict:
    return schemas.CheckIn(
        invitation_id=invitation.id,
        representative=invitation.representative.name,
        checked_in_at=invitation.checked_in_at,
    ).record()


@bp.post("/meetings/<int:meeting_id>/venue-check-in")
@operation({200: schemas.CheckIn}, access="user", errors=(429,))
@checkin_limit
def venue_check_in(meeting_id: int, body: schemas.VenueCheckInInput):
    """Check in on site with the venue code (the invited representative)

    The six-digit code the venue screen shows now (it changes every 30 seconds; the one before
    is still taken). Only a representative who accepted the invitation, while check-in is open;
    422 with code `too_early`, `too_late`, `not_invited`, `not_accepted` or `code_expired`
    otherwise. Checking in again answers the first check-in."""
    invitation = services.check_in_on_site(
        services.get_meeting(meeting_id), body.code, actor=api_actor()
    )
    db.session.commit()
    return _check_in_record(invitation)


@bp.post("/invitations/<int:invitation_id>/response")
@operation({200: schemas.InvitationReply}, access="user")
def respond(invitation_id: int, body: schemas.InvitationResponseInput):
    """Accept or decline an invitation (the invited representative)

    Any signed-in account may call it; only the invited representative may answer (403
    otherwise). A declined drawn seat goes to a substitute drawn the same way."""
    invitation = found(db.session.get(Invitation, invitation_id), _l("No such invitation."))
    invitation, substitute = services.respond(
        invitation, body.accept, body.reason, actor=api_actor()
    )
    db.session.commit()
    if substitute is not None:
        send_invitation_mails([substitute])
    accepted = invitation.status == InvitationStatus.ACCEPTED
    return schemas.InvitationReply(
        id=invitation.id,
        meeting_id=invitation.meeting_id,
        status=invitation.status,
        responded_at=invitation.responded_at,
        # The invitee's own code, answered to the invitee only.
        checkin_code=invitation.checkin_code if accepted else None,
    ).record()
