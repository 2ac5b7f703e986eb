"""Consultation state changes and queries. Never commits."""

from __future__ import annotations

import logging
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l

from consult.accounts.models import SYSTEM
from consult.accounts.models import Actor
from consult.accounts.models import require_manager
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.consultations import rules
from consult.consultations import schemas
from consult.consultations.models import ACTIVITY_VALUES
from consult.consultations.models import Clause
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationDocument
from consult.consultations.models import OfflineActivity
from consult.consultations.models import StoredFile
from consult.consultations.models import WindowChange
from consult.core import audit
from consult.core import files
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.errors import found
from consult.core.records import record_of
from consult.core.storage import storage
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.core.time import require_aware
from consult.extensions import db

log = logging.getLogger(__name__)

DOCUMENT_KINDS = {files.KIND_PDF, files.KIND_DOCX, files.KIND_ODT}
# The texts of a consultation: (field, limit, what to say when it is missing; None: optional).
TEXTS = (
    ("title", rules.MAX_TITLE, _l("Enter a title.")),
    ("draft", rules.MAX_TEXT, _l("Paste the consultation draft.")),
    ("explanation", rules.MAX_TEXT, None),
    ("contact", rules.MAX_CONTACT, _l("Give a contact for questions (office, phone or email).")),
)


def configured_minimum() -> timedelta:
    days = current_app.config.get("MIN_COMMENT_WINDOW_DAYS") if has_app_context() else None
    return rules.minimum_window(days)


def on_matter_timeline(
    consultation: Consultation,
    action: str,
    *,
    actor: Actor,
    now: datetime | None,
    **details: Any,
) -> None:
    """An event of `consultation` on its decision matter's public timeline
    (catalogue.services.timeline): which consultation, and `details`."""
    audit.record(
        consultation.matter,
        action,
        actor=actor,
        now=now,
        details={"consultation_id": consultation.id, **details},
    )


def store_file(upload: files.CheckedFile, *, now: datetime | None = None) -> StoredFile:
    key, digest = storage().save(upload.data)
    row = StoredFile(
        filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=digest,
        storage_key=key,
        uploaded_at=now or now_utc(),
    )
    db.session.add(row)
    return row


def open_consultation(
    matter: DecisionMatter, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Consultation:
    """Open (or schedule) a public consultation on a decision matter.

    data: title, draft (text with 第一条 … clauses), explanation, contact, opens_at, closes_at
    (aware datetimes), documents: [(filename, bytes)]."""
    require_manager(actor, matter)
    now = now or now_utc()
    if not matter.is_published:
        raise RuleViolation(None, _l("Publish the catalogue entry before consulting on it."))
    if matter.is_closed:
        raise RuleViolation(None, _l("A decided or withdrawn matter cannot be consulted on."))
    texts = values.texts(data, TEXTS)
    opens_at = require_aware(data.get("opens_at"), "opens_at")
    closes_at = require_aware(data.get("closes_at"), "closes_at")
    rules.check_window(opens_at, closes_at, now, configured_minimum())
    preamble, clauses = rules.split_draft(texts.pop("draft"))
    checked = [
        files.check_upload(name, content, DOCUMENT_KINDS, rules.MAX_DOCUMENT_BYTES, "documents")
        for name, content in (data.get("documents") or [])
    ]
    consultation = Consultation(
        matter=matter, **texts, preamble=preamble, opens_at=opens_at, closes_at=closes_at
    )
    consultation.clauses = [
        Clause(number=c.number, heading=c.heading, text=c.text) for c in clauses
    ]
    for upload in checked:
        consultation.documents.append(
            ConsultationDocument(file=store_file(upload, now=now), label=upload.filename)
        )
    window = {"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()}
    audit.added(consultation, "created", stamp="created", actor=actor, now=now, details=window)
    on_matter_timeline(
        consultation,
        "consultation_scheduled",
        actor=actor,
        now=now,
        title=consultation.title,
        opens_at=opens_at.isoformat(),
        closes_at=closes_at.isoformat(),
    )
    if opens_at <= now:
        activate(consultation, now=now)
    return consultation


def activate(consultation: Consultation, *, now: datetime | None = None) -> None:
    """Mark an opened consultation as started; its matter moves to "consulting" (the event is
    dated at the opening time, not when someone noticed)."""
    if consultation.activated_at is not None:
        return
    now = now or now_utc()
    if consultation.opens_at > now:
        return
    consultation.activated_at = consultation.opens_at
    matter = consultation.matter
    on_matter_timeline(
        consultation,
        "consultation_opened",
        actor=SYSTEM,
        now=consultation.opens_at,
        title=consultation.title,
        closes_at=consultation.closes_at.isoformat(),
    )
    if matter.status == MatterStatus.PLANNED:
        old = matter.status
        matter.status = MatterStatus.CONSULTING.value
        matter.updated_at = consultation.opens_at
        audit.record(
            matter,
            "status_changed",
            actor=SYSTEM,
            now=consultation.opens_at,
            details={
                "from": old,
                "to": MatterStatus.CONSULTING.value,
                "consultation_id": consultation.id,
            },
        )
    db.session.flush()


def activate_due(*, now: datetime | None = None) -> int:
    """Activate every consultation whose opening time has come. Cheap when there are none."""
    now = now or now_utc()
    due = list(
        db.session.scalars(
            sa.select(Consultation).where(
                Consultation.activated_at.is_(None), Consultation.opens_at <= now
            )
        )
    )
    for consultation in due:
        activate(consultation, now=now)
    return len(due)


def change_closing(
    consultation: Consultation,
    new_closes_at: datetime,
    reason: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> WindowChange:
    """Move the closing time (usually to extend it). Logged and announced on the page."""
    require_manager(actor, consultation)
    now = now or now_utc()
    new_closes_at = require_aware(new_closes_at, "closes_at")
    reason = values.text(
        reason,
        "reason",
        rules.MAX_REASON,
        required=True,
        message=_l("Give a reason: it is announced on the consultation page."),
    )
    if new_closes_at == consultation.closes_at:
        raise RuleViolation("closes_at", _l("This is already the closing time."))
    rules.check_new_closing(
        consultation.opens_at, consultation.closes_at, new_closes_at, now, configured_minimum()
    )
    change = WindowChange(
        consultation=consultation,
        old_closes_at=consultation.closes_at,
        new_closes_at=new_closes_at,
        reason=reason,
        changed_at=now,
        actor_id=getattr(actor, "id", None),
    )
    consultation.closes_at = new_closes_at
    audit.added(
        change,
        "window_changed",
        about=consultation,
        actor=actor,
        now=now,
        details={
            "old": change.old_closes_at.isoformat(),
            "new": new_closes_at.isoformat(),
            "reason": reason,
        },
    )
    on_matter_timeline(
        consultation,
        "consultation_window_changed",
        actor=actor,
        now=now,
        new=new_closes_at.isoformat(),
        reason=reason,
    )
    return change


def delete_consultation(
    consultation: Consultation, *, actor: Actor, now: datetime | None = None
) -> None:
    """Only a consultation that has not opened yet can be deleted."""
    require_manager(actor, consultation)
    now = now or now_utc()
    if consultation.opens_at <= now or consultation.activated_at is not None:
        raise RuleViolation(None, _l("A consultation that has opened cannot be deleted."))
    on_matter_timeline(
        consultation, "consultation_cancelled", actor=actor, now=now, title=consultation.title
    )
    db.session.delete(consultation)
    db.session.flush()


def add_document(
    consultation: Consultation,
    filename: str,
    content: bytes,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> ConsultationDocument:
    require_manager(actor, consultation)
    upload = files.check_upload(
        filename, content, DOCUMENT_KINDS, rules.MAX_DOCUMENT_BYTES, "documents"
    )
    doc = ConsultationDocument(
        consultation=consultation, file=store_file(upload, now=now), label=upload.filename
    )
    return audit.added(
        doc,
        "document_added",
        about=consultation,
        actor=actor,
        now=now,
        details={"filename": upload.filename},
    )


def record_activity(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> OfflineActivity:
    """Record a symposium, hearing or field visit held for the consultation."""
    require_manager(actor, consultation)
    now = now or now_utc()
    activity = OfflineActivity(consultation=consultation, **_activity_fields(data, now))
    return audit.added(
        activity,
        "activity_recorded",
        about=consultation,
        id_key="activity_id",
        stamp="created",
        actor=actor,
        now=now,
        details={"kind": activity.kind, "held_on": activity.held_on.isoformat()},
    )


def _activity_fields(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    kind = data.get("kind")
    if kind not in ACTIVITY_VALUES:
        raise RuleViolation("kind", _l("Choose symposium, hearing or field visit."))
    held_on = data.get("held_on")
    if not isinstance(held_on, date):
        raise RuleViolation("held_on", _l("Enter the date."))
    if held_on > local_date_of(now):
        raise RuleViolation("held_on", _l("Record an activity once it has taken place."))
    place = values.text(
        data.get("place"), "place", rules.MAX_PLACE, required=True, message=_l("Enter the place.")
    )
    participants = values.whole(
        data.get("participants"),
        "participants",
        minimum=0,
        maximum=rules.MAX_PARTICIPANTS,
        message=_l("Enter the number of participants."),
    )
    minutes = values.text(data.get("minutes"), "minutes", rules.MAX_TEXT, required=False)
    return {
        "kind": kind,
        "held_on": held_on,
        "place": place,
        "participants": participants,
        "minutes": minutes,
    }


# --- queries -----------------------------------------------------------------------------


def get_consultation(consultation_id: int) -> Consultation:
    return found(db.session.get(Consultation, consultation_id), _l("No such consultation."))


def list_by_status(status: str | None, now: datetime) -> sa.Select:
    """Consultations by their status at `now`: scheduled, open, closed (feedback pending or
    published) — computed from the window, so no job has to flip a flag at the deadline."""
    stmt = sa.select(Consultation)
    if status == "scheduled":
        stmt = stmt.where(Consultation.opens_at > now).order_by(Consultation.opens_at)
    elif status == "open":
        stmt = stmt.where(Consultation.is_open_at(now)).order_by(Consultation.closes_at)
    elif status in ("ended", "closed", "feedback_published"):
        # "ended": every consultation whose window is over, answered or not.
        stmt = stmt.where(Consultation.closes_at <= now)
        published = Consultation.feedback_published_at.is_not(None)
        if status == "feedback_published":
            stmt = stmt.where(published)
        elif status == "closed":
            stmt = stmt.where(~published)
        stmt = stmt.order_by(Consultation.closes_at.desc())
    else:
        stmt = stmt.order_by(Consultation.opens_at.desc())
    return stmt


def public_record(consultation: Consultation, now: datetime, comment_count: int) -> dict[str, Any]:
    """The consultation as the API gives it (schemas.Consultation)."""
    days, hours = rules.time_left(consultation.closes_at, now)
    return schemas.Consultation(
        **_fields(consultation, now, comment_count),
        time_left=schemas.TimeLeft(days=days, hours=hours),
    ).record()


def open_data_record(consultation: Consultation, now: datetime, comment_count: int) -> dict:
    """The consultation in the open-data download (schemas.ConsultationRecord)."""
    published = consultation.feedback_published_at
    return schemas.ConsultationRecord(
        **_fields(consultation, now, comment_count),
        feedback_published_at=published,
        feedback_summary=consultation.feedback_summary if published else None,
    ).record()


def _fields(consultation: Consultation, now: datetime, comment_count: int) -> dict[str, Any]:
    return dict(
        id=consultation.id,
        title=consultation.title,
        decision_id=consultation.matter_id,
        decision_title=consultation.matter.title,
        lead_department=consultation.matter.department.name,
        status=consultation.status_at(now),
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        comment_count=comment_count,
        contact=consultation.contact,
        preamble=consultation.preamble,
        explanation=consultation.explanation,
        clauses=[record_of(schemas.Clause, c) for c in consultation.clauses],
        documents=[record_of(schemas.Document, d.file, id=d.id) for d in consultation.documents],
        window_changes=[record_of(schemas.WindowChange, w) for w in consultation.window_changes],
        activities=[record_of(schemas.Activity, a) for a in consultation.activities],
    )
