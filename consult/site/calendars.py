"""The iCalendar feeds: government meetings, and the last half hour of every consultation's
comment window, for residents' calendars (RFC 5545 written by icalendar)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event

from consult.consultations.models import Consultation
from consult.core.time import now_utc
from consult.core.urls import public_host
from consult.core.urls import public_url
from consult.extensions import db
from consult.meetings import rules as meeting_rules
from consult.meetings.models import Meeting

bp = Blueprint("calendars", __name__)

CALENDAR_PAST = timedelta(days=180)
CALENDAR_LIMIT = 300


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Donghu District People's Government//Consult//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _ics(cal: Calendar, filename: str) -> Response:
    response = Response(cal.to_ical(), mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=900"
    return response


def _uid(kind: str, ident: int) -> str:
    # Stable across requests and deployments of the same site, so calendars update in place.
    return f"{kind}-{ident}@{public_host()}"


def _event(uid: str, url: str, now, start, end, summary: str, lines, **extra) -> Event:
    """One calendar event; `lines` (the empty ones left out) make its description, `extra`
    its further properties (location, created, status, transp …)."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", "\n".join(line for line in lines if line))
    event.add("url", url)
    for key, value in extra.items():
        event.add(key, value)
    return event


def _feed(title: str, filename: str, ends, order, event_for) -> Response:
    """A feed of the rows (of the model whose column `ends` is) that ended at most
    CALENDAR_PAST ago, in `order`, each made an event by `event_for(row, now)`."""
    now = now_utc()
    cal = _calendar(title)
    stmt = (
        sa.select(ends.class_)
        .where(ends >= now - CALENDAR_PAST)
        .order_by(order)
        .limit(CALENDAR_LIMIT)
    )
    for row in db.session.scalars(stmt):
        cal.add_component(event_for(row, now))
    return _ics(cal, filename)


@bp.get("/calendar/meetings.ics")
def meetings():
    title = _("Donghu District: government meetings")
    return _feed(title, "meetings.ics", Meeting.ends_at, Meeting.starts_at, _meeting_event)


def _meeting_event(meeting: Meeting, now) -> Event:
    url = public_url("meetings.detail", meeting_id=meeting.id)
    agenda = "\n".join(f"{a.position}. {a.title}" for a in meeting.agenda)
    organiser = meeting.department.name if meeting.department else _("District People's Government")
    lines = (
        str(meeting_rules.KIND_LABELS.get(meeting.kind, meeting.kind)),
        _("Organiser: %(name)s", name=organiser),
        _("Agenda:") + "\n" + agenda if agenda else "",
        url,
    )
    return _event(
        _uid("meeting", meeting.id),
        url,
        now,
        meeting.starts_at,
        meeting.ends_at,
        meeting.title,
        lines,
        created=meeting.created_at,
        location=meeting.place,
        status="CONFIRMED",
        transp="OPAQUE",
    )


@bp.get("/calendar/consultations.ics")
def consultations():
    title = _("Donghu District: public consultations closing")
    when = Consultation.closes_at
    return _feed(title, "consultations.ics", when, when, _closing_event)


def _closing_event(consultation: Consultation, now) -> Event:
    url = public_url("consultations.detail", consultation_id=consultation.id)
    lines = (
        _("The call for comments on this draft closes at the end of this event. Comment online:"),
        url,
    )
    # A closing time is an instant; the event is the last half hour for commenting, so a
    # calendar's reminder comes while there is still time.
    return _event(
        _uid("consultation-closes", consultation.id),
        url,
        now,
        consultation.closes_at - timedelta(minutes=30),
        consultation.closes_at,
        _("Comments close: %(title)s", title=consultation.title),
        lines,
        transp="TRANSPARENT",
    )
