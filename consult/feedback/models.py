"""Answer templates and the versioned, immutable feedback reports."""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import Department
from consult.accounts.models import DepartmentOwned
from consult.comments.models import DISPOSITION_VALUES
from consult.consultations.models import Consultation
from consult.consultations.models import StoredFile
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.constraints import known
from consult.core.constraints import not_negative
from consult.extensions import db


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


REPORT_STATUS_VALUES = tuple(s.value for s in ReportStatus)


class AnswerTemplate(SurrogateKey, DepartmentOwned, db.Model):
    """A department's reusable answer: a disposition and a reason, edited before applying."""

    __tablename__ = "answer_template"

    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    disposition: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[timestamp]

    department: Mapped[Department] = relationship()

    __table_args__ = (
        known("disposition", DISPOSITION_VALUES),
        sa.CheckConstraint(
            "disposition = 'adopted' OR length(trim(reason)) > 0", name="reason_if_not_adopted"
        ),
        sa.UniqueConstraint("department_id", "title", name="uq_answer_template_department_title"),
    )

    def __repr__(self) -> str:
        return f"<AnswerTemplate {self.id} {self.title!r}>"


class FeedbackReport(SurrogateKey, db.Model):
    """One version of a consultation's PDF feedback report. Never changed once ready: a
    correction is a new version, and every version stays listed."""

    __tablename__ = "feedback_report"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    version: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20), default=ReportStatus.PENDING.value)
    requested_at: Mapped[timestamp]
    finished_at: Mapped[moment | None]
    correction_note: Mapped[str | None] = mapped_column(sa.Text)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pages: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)
    # Rendering (consult/feedback/report.py): who renders holds a lease and renews it while
    # alive; an expired lease lets the tick (or another worker) take the work over. `plan`:
    # what the parts need (header, figures, part ranges, the stored CSV and fonts), while
    # the parts are rendered by RQ jobs.
    lease_until: Mapped[moment | None]
    attempts: Mapped[int] = mapped_column(default=0)
    plan: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    consultation: Mapped[Consultation] = relationship()
    file: Mapped[StoredFile | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint(
            "consultation_id", "version", name="uq_feedback_report_consultation_version"
        ),
        known("status", REPORT_STATUS_VALUES),
        sa.CheckConstraint(
            "status <> 'ready' OR (file_id IS NOT NULL AND sha256 IS NOT NULL)",
            name="ready_has_file",
        ),
        sa.CheckConstraint(
            "version >= 2 OR correction_note IS NULL", name="first_version_no_correction"
        ),
        not_negative("attempts"),
    )

    def __repr__(self) -> str:
        return f"<FeedbackReport {self.consultation_id} v{self.version} {self.status}>"


class PartStatus(enum.StrEnum):
    PENDING = "pending"
    RENDERING = "rendering"
    DONE = "done"


class ReportPart(SurrogateKey, db.Model):
    """One part of a report being rendered by RQ jobs (any worker on any machine that shares
    the database, Redis and the storage): its range of the table, its lease while a worker
    renders it, and the stored PDF when done (deleted from the storage once the report is
    joined; the row stays, the record of who rendered what)."""

    __tablename__ = "feedback_report_part"

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_report.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()  # 0: the front
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the range, see report.py
    status: Mapped[str] = mapped_column(sa.String(20), default=PartStatus.PENDING.value)
    lease_until: Mapped[moment | None]
    attempts: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[str | None] = mapped_column(sa.String(100))
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    pages: Mapped[int | None] = mapped_column()
    bookmarks: Mapped[list[Any] | None] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.UniqueConstraint("report_id", "number", name="uq_feedback_report_part_report_number"),
        known("status", PartStatus),
        sa.CheckConstraint(
            "status <> 'done' OR (storage_key IS NOT NULL AND pages IS NOT NULL)",
            name="done_has_file",
        ),
        not_negative("attempts"),
    )

    def __repr__(self) -> str:
        return f"<ReportPart report={self.report_id} #{self.number} {self.status}>"
