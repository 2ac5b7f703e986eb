"""Public consultations: the draft and its clauses, documents, the comment window and its
changes, and the offline activities where comments were gathered."""

from __future__ import annotations

import enum
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import User
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterOwned
from consult.core.columns import Created
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import filled_unless
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.core.constraints import not_negative
from consult.extensions import db


class ConsultationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    FEEDBACK_PUBLISHED = "feedback_published"


class ActivityKind(enum.StrEnum):
    SYMPOSIUM = "symposium"
    HEARING = "hearing"
    FIELD_VISIT = "field_visit"


ACTIVITY_VALUES = tuple(k.value for k in ActivityKind)


class StoredFile(SurrogateKey, db.Model):
    """An uploaded file's metadata; the bytes live in storage under `storage_key`."""

    __tablename__ = "stored_file"

    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    uploaded_at: Mapped[timestamp]

    __table_args__ = (not_negative("size"),)

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.filename!r} {self.size}B>"


class Consultation(SurrogateKey, Created, MatterOwned, db.Model):
    __tablename__ = "consultation"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    preamble: Mapped[str] = mapped_column(sa.Text, default="")
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    opens_at: Mapped[moment] = mapped_column(index=True)
    closes_at: Mapped[moment] = mapped_column(index=True)
    activated_at: Mapped[moment | None]
    # Feedback: published once every comment has its disposition (rule 3).
    feedback_published_at: Mapped[moment | None]
    feedback_summary: Mapped[str | None] = mapped_column(sa.Text)
    # Counted when the feedback is published (and again with each corrected version), so that
    # the responsiveness figures read them instead of a million comments.
    feedback_answered: Mapped[int | None] = mapped_column()
    feedback_with_reason: Mapped[int | None] = mapped_column()
    revised_draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))

    matter: Mapped[DecisionMatter] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    revised_draft: Mapped[StoredFile | None] = relationship()
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Clause.number"
    )
    documents: Mapped[list[ConsultationDocument]] = relationship(
        back_populates="consultation",
        cascade="all, delete-orphan",
        order_by="ConsultationDocument.id",
    )
    # Only a consultation that never opened can be deleted; its history goes with it.
    window_changes: Mapped[list[WindowChange]] = relationship(
        back_populates="consultation",
        order_by="WindowChange.changed_at",
        cascade="all, delete-orphan",
    )
    activities: Mapped[list[OfflineActivity]] = relationship(
        back_populates="consultation",
        order_by="OfflineActivity.held_on",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        not_blank("title"),
        filled_unless(
            "feedback_published_at IS NULL", "feedback_summary", name="feedback_has_summary"
        ),
    )

    def __repr__(self) -> str:
        return f"<Consultation {self.id} matter={self.matter_id} {self.opens_at:%Y-%m-%d}→{self.closes_at:%Y-%m-%d}>"

    def status_at(self, now: datetime) -> str:
        if self.feedback_published_at is not None:
            return ConsultationStatus.FEEDBACK_PUBLISHED
        if now < self.opens_at:
            return ConsultationStatus.SCHEDULED
        if now < self.closes_at:
            return ConsultationStatus.OPEN
        return ConsultationStatus.CLOSED

    @hybrid_method
    def is_open_at(self, now: datetime) -> bool:
        """Rule 2: comments are accepted only while opens_at <= now < closes_at. Also a SQL
        condition (`Consultation.is_open_at(now)`): a submission's INSERT is guarded by it."""
        return (self.opens_at <= now) & (self.closes_at > now)


class Clause(SurrogateKey, db.Model):
    """One numbered article of the consultation draft (第一条 …), with an anchor."""

    __tablename__ = "clause"

    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    heading: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)

    consultation: Mapped[Consultation] = relationship(back_populates="clauses")

    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "number", name="uq_clause_consultation_number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"<Clause {self.consultation_id}#{self.number}>"

    @property
    def anchor(self) -> str:
        return f"clause-{self.number}"


class ConsultationDocument(SurrogateKey, db.Model):
    __tablename__ = "consultation_document"

    consultation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    label: Mapped[str] = mapped_column(sa.String(200), default="")

    consultation: Mapped[Consultation] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ConsultationDocument {self.id} file={self.file_id}>"


class WindowChange(SurrogateKey, db.Model):
    """A public announcement that the closing time moved, and why."""

    __tablename__ = "window_change"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    old_closes_at: Mapped[moment]
    new_closes_at: Mapped[moment]
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_at: Mapped[timestamp]
    actor_id: Mapped[user_fk]

    consultation: Mapped[Consultation] = relationship(back_populates="window_changes")

    __table_args__ = (not_blank("reason", name="reason_required"),)

    def __repr__(self) -> str:
        return f"<WindowChange {self.consultation_id} {self.old_closes_at}→{self.new_closes_at}>"


class OfflineActivity(SurrogateKey, Created, db.Model):
    """A symposium, hearing or field visit held for a consultation."""

    __tablename__ = "offline_activity"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    held_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(200))
    participants: Mapped[int] = mapped_column()
    minutes: Mapped[str] = mapped_column(sa.Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="activities")

    __table_args__ = (
        known("kind", ACTIVITY_VALUES),
        not_negative("participants"),
    )

    def __repr__(self) -> str:
        return f"<OfflineActivity {self.id} {self.kind} {self.held_on}>"
