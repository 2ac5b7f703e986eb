"""When the public data last changed: the Last-Modified of lists, feeds and downloads.

Every state change writes an audit event (DESIGN.md), so the newest event of the relevant
kinds is the newest change; online comments (no event of their own) add their submission
time. Some of what a page shows changes with the clock alone: a consultation's status at its
opening and closing times, the hours left until it closes, a matter turning overdue when a
month begins, a representative's term ending at midnight. Those moments count as changes
too, so a client revalidating with If-Modified-Since never keeps a stale copy.

The blueprint has no routes: it adds the validators after the listed endpoints answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask import request
from sqlalchemy.exc import SQLAlchemyError

from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core import http
from consult.core.audit import AuditEvent
from consult.core.time import configured_zone
from consult.core.time import now_utc
from consult.extensions import db
from consult.feedback.models import FeedbackReport
from consult.meetings.models import Meeting

log = logging.getLogger(__name__)

bp = Blueprint("freshness", __name__)
HOUR = timedelta(hours=1)


def latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _scalar(stmt) -> datetime | None:
    return db.session.scalar(stmt)


def _audit(*object_types: str) -> datetime | None:
    return _scalar(
        sa.select(sa.func.max(AuditEvent.occurred_at)).where(
            AuditEvent.object_type.in_(object_types)
        )
    )


def _passed(column, now: datetime, *criteria) -> datetime | None:
    """The latest time in `column` that has already come: a status that flipped then."""
    return _scalar(sa.select(sa.func.max(column)).where(column <= now, *criteria))


def local_midnight(now: datetime) -> datetime:
    local = now.astimezone(configured_zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def local_month_start(now: datetime) -> datetime:
    local = now.astimezone(configured_zone())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def countdown_tick(closing_times: Iterable[datetime], now: datetime) -> datetime | None:
    """When the shown "N days M hours left" of an open consultation last changed: the value
    is the remaining time rounded down to the hour, so it steps each whole hour before the
    closing time."""
    ticks = [c - ((c - now) // HOUR + 1) * HOUR for c in closing_times if c > now]
    return max(ticks) if ticks else None


# --- per kind of data ----------------------------------------------------------------------


def catalogue(year: int | None = None) -> datetime | None:
    from consult.catalogue.models import DecisionMatter

    now = now_utc()
    criteria = [DecisionMatter.year == year] if year is not None else []
    return latest(
        _audit("decision_matter", "catalogue_year", "department"),
        _scalar(sa.select(sa.func.max(DecisionMatter.updated_at)).where(*criteria)),
        # "Overdue" starts the day after a planned month or quarter: on the 1st of a month.
        local_month_start(now),
    )


def consultations(*, countdown: bool = True) -> datetime | None:
    now = now_utc()
    tick = None
    if countdown:
        closing = db.session.scalars(
            sa.select(Consultation.closes_at).where(Consultation.is_open_at(now))
        )
        tick = countdown_tick(closing, now)
    return latest(
        _audit("consultation", "comment", "decision_matter", "department"),
        _scalar(sa.select(sa.func.max(Comment.submitted_at))),
        _passed(Consultation.opens_at, now),
        _passed(Consultation.closes_at, now),
        tick,
    )


def comments(consultation_id: int | None = None) -> datetime | None:
    # The newest comment of each consultation, read from ix_comment_listing's tail (a max
    # over all comments would read them all).
    newest = (
        sa.select(sa.func.max(Comment.submitted_at))
        .where(Comment.consultation_id == Consultation.id)
        .scalar_subquery()
    )
    criteria = [Consultation.id == consultation_id] if consultation_id else []
    return latest(
        _audit("comment", "consultation"),
        _scalar(sa.select(sa.func.max(newest)).where(*criteria)),
    )


def reports(consultation_id: int | None = None) -> datetime | None:
    criteria = [FeedbackReport.consultation_id == consultation_id] if consultation_id else []
    return latest(
        _audit("consultation"),
        _scalar(sa.select(sa.func.max(FeedbackReport.requested_at)).where(*criteria)),
        _scalar(sa.select(sa.func.max(FeedbackReport.finished_at)).where(*criteria)),
    )


def meetings() -> datetime | None:
    now = now_utc()
    return latest(
        _audit("meeting", "invitation", "representative", "department", "decision_matter"),
        _passed(Meeting.registration_deadline, now),
        _passed(Meeting.starts_at, now),
        _passed(Meeting.ends_at, now),
    )


def representatives() -> datetime | None:
    # Terms begin and end by the calendar: the roster can change at any local midnight.
    return latest(_audit("representative", "meeting", "invitation"), local_midnight(now_utc()))


def consultations_feed() -> datetime | None:
    return latest(
        _audit("consultation", "decision_matter", "department"),
        _passed(Consultation.opens_at, now_utc()),
    )


def feedback_feed() -> datetime | None:
    return latest(
        _audit("consultation", "decision_matter", "department"),
        _scalar(sa.select(sa.func.max(FeedbackReport.finished_at))),
    )


def meetings_feed() -> datetime | None:
    return _audit("meeting", "department", "decision_matter")


def interpretations() -> datetime | None:
    """Interpretations are published as events of their matters."""
    return _audit("decision_matter", "department")


def questions() -> datetime | None:
    """Questions, their answers and moderation; the overdue flag turns at local midnight."""
    return latest(
        _audit("question", "policy_specialist", "decision_matter", "department"),
        local_midnight(now_utc()),
    )


def everything() -> datetime | None:
    return latest(
        catalogue(),
        consultations(countdown=False),
        comments(),
        meetings(),
        representatives(),
        questions(),
    )


# --- the after-request step ----------------------------------------------------------------

LAST_MODIFIED: dict[str, Callable[..., datetime | None]] = {
    "catalogue.year": lambda year: catalogue(year),
    "consultations.index": lambda: consultations(),
    "meetings.index": meetings,
    "feeds.consultations": consultations_feed,
    "feeds.feedback": feedback_feed,
    "feeds.meetings": meetings_feed,
    "feeds.interpretations": interpretations,
    "opendata.index": everything,
    "api.list_decisions": lambda: catalogue(),
    "api.list_consultations": lambda: consultations(),
    "api.list_comments": lambda consultation_id: comments(consultation_id),
    "api.list_reports": lambda consultation_id: reports(consultation_id),
    "api.list_meetings": meetings,
    "api.list_representatives": representatives,
    "api.openapi": lambda: None,
}


@bp.after_app_request
def _add_validators(response: Response) -> Response:
    find = LAST_MODIFIED.get(request.endpoint or "")
    if find is None or response.status_code != 200:
        return response
    try:
        last_modified = find(**(request.view_args or {}))
    except SQLAlchemyError:  # never fail a page over a cache header
        db.session.rollback()
        log.exception("finding the last change for %s failed", request.endpoint)
        return response
    return http.validate_page(response, last_modified)
