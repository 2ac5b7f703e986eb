"""Answer templates and the versioned, immutable feedback reports."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import Department, DepartmentOwned, _in
from consult.comments.models import DISPOSITION_VALUES
from consult.consultations.models import Consultation, StoredFile
from consult.core.time import UTCDateTime, now_utc
from consult.extensions import db


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


REPORT_STATUS_VALUES = tuple(s.value for s in ReportStatus)


class AnswerTemplate(DepartmentOwned, db.Model):
    """A department's reusable answer: a disposition and a reason, edited before applying."""

    __tablename__ = "answer_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    disposition: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    department: Mapped[Department] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_in("disposition", DISPOSITION_VALUES), name="disposition_known"),
        sa.CheckConstraint(
            "disposition = 'adopted' OR length(trim(reason)) > 0", name="reason_if_not_adopted"
        ),
        sa.UniqueConstraint("department_id", "title", name="uq_answer_template_department_title"),
    )

    def __repr__(self) -> str:
        return f"<AnswerTemplate {self.id} {self.title!r}>"


class FeedbackReport(db.Model):
    """One version of a consultation's PDF feedback report. Never changed once ready: a
    correction is a new version, and every version stays listed."""

    __tablename__ = "feedback_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20), default=ReportStatus.PENDING.value)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_note: Mapped[str | None] = mapped_column(sa.Text)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pages: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)

    consultation: Mapped[Consultation] = relationship()
    file: Mapped[StoredFile | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint(
            "consultation_id", "version", name="uq_feedback_report_consultation_version"
        ),
        sa.CheckConstraint(_in("status", REPORT_STATUS_VALUES), name="status_known"),
        sa.CheckConstraint(
            "status <> 'ready' OR (file_id IS NOT NULL AND sha256 IS NOT NULL)",
            name="ready_has_file",
        ),
        sa.CheckConstraint(
            "version >= 2 OR correction_note IS NULL", name="first_version_no_correction"
        ),
    )

    def __repr__(self) -> str:
        return f"<FeedbackReport {self.consultation_id} v{self.version} {self.status}>"
