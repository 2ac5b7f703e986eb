"""The append-only event log. Every state change writes one; public timelines read them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.core.time import UTCDateTime
from consult.core.time import now_utc
from consult.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"


@event.listens_for(Session, "before_flush")
def _refuse_rewriting_history(session: Session, _ctx, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events are append-only")


def record(
    obj: Any,
    action: str,
    *,
    actor: Any | None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append an event about `obj` (a model with `id`; flushed first if new)."""
    if obj.id is None:
        db.session.flush()
    entry = record_key(obj.__tablename__, obj.id, action, actor=actor, details=details, now=now)
    by = entry.actor_id or ("system" if getattr(actor, "is_system", False) else "anonymous")
    log.info("audit %s %s:%s by %s", action, entry.object_type, obj.id, by)
    return entry


def added(
    obj: T,
    action: str,
    *,
    about: Any | None = None,
    id_key: str | None = None,
    stamp: str | None = None,
    actor: Any | None,
    now: datetime | None = None,
    details: dict[str, Any] | None = None,
) -> T:
    """Add the new `obj` and flush it (it has its id now), then record `action` about `about`
    (`obj` itself by default). Returns `obj`.

    `id_key`: the details entry, first, that names the new object. `stamp`: the prefix of the
    row's own when-and-who columns (`"created"`: created_at, created_by_id), set to the
    event's time and actor."""
    if stamp is not None:
        for column in (f"{stamp}_at", f"{stamp}_by_id"):
            # A mistyped stamp would set a plain attribute and leave the column empty.
            if not isinstance(getattr(type(obj), column, None), InstrumentedAttribute):
                raise AttributeError(f"{type(obj).__name__} has no column {column}")
        now = now or now_utc()
        setattr(obj, f"{stamp}_at", now)
        setattr(obj, f"{stamp}_by_id", getattr(actor, "id", None))
    db.session.add(obj)
    db.session.flush()
    if id_key is not None:
        details = {id_key: obj.id, **(details or {})}  # type: ignore[attr-defined]
    record(obj if about is None else about, action, actor=actor, now=now, details=details)
    return obj


def record_key(
    object_type: str,
    object_id: int,
    action: str,
    *,
    actor: Any | None,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append an event about an object whose key is not an `id` column (e.g. a year)."""
    entry = AuditEvent(
        occurred_at=now or now_utc(),
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=object_id,
        action=action,
        details=details or {},
    )
    db.session.add(entry)
    return entry


def events_for(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
