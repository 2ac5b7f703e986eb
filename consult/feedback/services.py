"""Feedback state changes and queries: dispositions (one or in bulk), answer templates,
publishing the feedback, and the versioned PDF report. Never commits, except the report
job, which runs outside any request."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Department, User, manages_department
from consult.comments.models import Comment, Disposition
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.core import audit, files, ids, values
from consult.core.errors import Forbidden, NotFound, RuleViolation
from consult.core.forms import db_int
from consult.core.time import now_utc
from consult.extensions import db
from consult.feedback import rules
from consult.feedback.models import AnswerTemplate, FeedbackReport, ReportStatus

log = logging.getLogger(__name__)

REVISED_DRAFT_KINDS = {files.KIND_PDF, files.KIND_DOCX, files.KIND_ODT}


def feedback_period() -> timedelta:
    days = current_app.config.get("FEEDBACK_PERIOD_DAYS") if has_app_context() else None
    return timedelta(days=days) if days else rules.FEEDBACK_PERIOD


def _require_manager(actor: User | None, consultation: Consultation) -> None:
    if actor is not None and not consultations.may_manage(actor, consultation):
        raise Forbidden(_l("You can only act for your own department."))


def _require_answerable(consultation: Consultation, now: datetime) -> None:
    """Answers may be drafted from the day the window opens, so that a department is not left
    with the whole load on closing day; they stay internal until the feedback is published."""
    if now < consultation.opens_at:
        raise RuleViolation(None, _l("Comments are answered once the consultation opens."))
    if consultation.feedback_published_at is not None:
        raise RuleViolation(
            None, _l("The feedback is published; a correction is made as a new report version.")
        )


# --- dispositions ------------------------------------------------------------------------


def _duplicate_target(comment: Comment, ref: Any) -> int | None:
    if ref in (None, ""):
        return None
    target = None
    if (
        isinstance(ref, int)
        and not isinstance(ref, bool)
        or (isinstance(ref, str) and ref.isdigit())
    ):
        try:
            target = db.session.get(Comment, db_int(str(ref)))
        except ValueError:
            target = None
    elif isinstance(ref, str):
        receipt = ids.normalise_receipt(ref)
        target = (
            db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt))
            if receipt
            else None
        )
    if target is None or target.consultation_id != comment.consultation_id:
        raise RuleViolation("duplicate_of", _l("Unknown comment in this consultation."))
    if target.id == comment.id:
        raise RuleViolation("duplicate_of", _l("A comment cannot be a duplicate of itself."))
    return target.id


def dispose_comment(
    comment: Comment, data: dict[str, Any], *, actor: User | None, now: datetime | None = None
) -> Comment:
    """Answer one comment: a disposition, and a reason unless it is adopted (rule 3)."""
    consultation = comment.consultation
    _require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason"))
    duplicate_of = _duplicate_target(comment, data.get("duplicate_of"))
    if duplicate_of is not None and disposition != Disposition.NOT_APPLICABLE:
        raise RuleViolation(
            "duplicate_of", _l("Only a “not applicable” answer can point to a duplicate.")
        )
    old = (comment.disposition, comment.disposition_reason)
    comment.disposition = disposition
    comment.disposition_reason = reason
    comment.duplicate_of_id = duplicate_of
    comment.disposed_at = now
    comment.disposed_by_id = getattr(actor, "id", None)
    db.session.flush()
    if old != (disposition, reason):
        audit.record(
            comment,
            "disposed",
            actor=actor,
            now=now,
            details={"disposition": disposition, "previous": old[0]},
        )
    return comment


def dispose_comments(
    consultation: Consultation,
    comment_ids: list[int],
    data: dict[str, Any],
    *,
    actor: User | None,
    now: datetime | None = None,
) -> int:
    """Apply one disposition and reason to many comments of a consultation. All or nothing."""
    _require_manager(actor, consultation)
    if not comment_ids:
        raise RuleViolation("comment_ids", _l("Select at least one comment."))
    selected = list(db.session.scalars(sa.select(Comment).where(Comment.id.in_(comment_ids))))
    if len(selected) != len(set(comment_ids)) or any(
        c.consultation_id != consultation.id for c in selected
    ):
        raise RuleViolation("comment_ids", _l("Unknown comment in this consultation."))
    for comment in selected:
        dispose_comment(comment, data, actor=actor, now=now)
    return len(selected)


def group_member_ids(comment: Comment) -> list[int]:
    if comment.duplicate_group_id is None:
        return [comment.id]
    return list(
        db.session.scalars(
            sa.select(Comment.id).where(Comment.duplicate_group_id == comment.duplicate_group_id)
        )
    )


# --- answer templates --------------------------------------------------------------------


def save_template(
    department: Department,
    data: dict[str, Any],
    *,
    actor: User | None,
    template: AnswerTemplate | None = None,
    now: datetime | None = None,
) -> AnswerTemplate:
    if template is not None and template.department_id != department.id:
        # Someone else's template reached through one's own department: not theirs to edit.
        raise Forbidden(_l("This template belongs to another department."))
    if actor is not None and not manages_department(actor, department.id):
        raise Forbidden(_l("You can only act for your own department."))
    title = (data.get("title") or "").strip()
    if not title:
        raise RuleViolation("title", _l("Give the template a title."))
    if len(title) > 100:
        raise RuleViolation("title", _l("At most %(n)d characters.", n=100))
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason")) or ""
    clash = db.session.scalar(
        sa.select(AnswerTemplate.id).where(
            AnswerTemplate.department_id == department.id,
            AnswerTemplate.title == title,
            AnswerTemplate.id != (template.id if template else -1),
        )
    )
    if clash is not None:
        raise RuleViolation("title", _l("Another template already has this title."))
    template = template or AnswerTemplate(department_id=department.id)
    template.title, template.disposition, template.reason = title, disposition, reason
    template.updated_at = now or now_utc()
    db.session.add(template)
    db.session.flush()
    return template


def delete_template(template: AnswerTemplate, *, actor: User | None) -> None:
    if actor is not None and not template.can_manage(actor):
        raise Forbidden(_l("You can only act for your own department."))
    db.session.delete(template)
    db.session.flush()


def templates_for(department_id: int) -> list[AnswerTemplate]:
    return list(
        db.session.scalars(
            sa.select(AnswerTemplate)
            .where(AnswerTemplate.department_id == department_id)
            .order_by(AnswerTemplate.title)
        )
    )


# --- closing with feedback ---------------------------------------------------------------


def all_comments_query(consultation: Consultation) -> sa.Select:
    return (
        sa.select(Comment)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.submitted_at, Comment.id)
    )


def all_comments(consultation: Consultation) -> list[Comment]:
    return list(db.session.scalars(all_comments_query(consultation)))


def closing_problems(consultation: Consultation) -> list[tuple[Comment, str]]:
    return rules.closing_problems(all_comments(consultation))


def publish_feedback(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    actor: User | None,
    now: datetime | None = None,
) -> FeedbackReport:
    """Close the consultation with feedback: only when every comment has a disposition and
    every one not adopted has a reason. Publishes the answers and requests the PDF report."""
    _require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    if now < consultation.closes_at:
        raise RuleViolation(
            None,
            _l("The feedback is published after the consultation closes."),
            code="consultation_open",
        )
    problems = closing_problems(consultation)
    if problems:
        listed = "; ".join(f"{c.receipt} {rules.PROBLEM_LABELS[p]}" for c, p in problems[:20])
        more = len(problems) - 20
        raise RuleViolation(
            "comments",
            _l(
                "%(n)d comment(s) still need an answer: %(list)s",
                n=len(problems),
                list=listed + (f" … (+{more})" if more > 0 else ""),
            ),
            code="feedback_incomplete",
        )
    summary = values.text(
        data.get("summary"),
        "summary",
        rules.MAX_SUMMARY,
        required=True,
        message=_l("Summarise how the draft changed after the consultation."),
    )
    revised = data.get("revised_draft")
    if revised is not None:
        upload = files.check_upload(
            revised[0],
            revised[1],
            REVISED_DRAFT_KINDS,
            rules.MAX_REVISED_DRAFT_BYTES,
            "revised_draft",
        )
        consultation.revised_draft = consultations.store_file(upload, now=now)
    consultation.feedback_summary = summary
    consultation.feedback_published_at = now
    report = FeedbackReport(
        consultation=consultation, version=1, status=ReportStatus.PENDING.value, requested_at=now
    )
    db.session.add(report)
    db.session.flush()
    counts = Counter(c.disposition for c in all_comments(consultation))
    audit.record(consultation, "feedback_published", actor=actor, now=now, details=dict(counts))
    audit.record(
        consultation.matter,
        "consultation_feedback_published",
        actor=actor,
        now=now,
        details={
            "consultation_id": consultation.id,
            "title": consultation.title,
            "comments": sum(counts.values()),
        },
    )
    return report


def request_correction(
    consultation: Consultation, note: str, *, actor: User | None, now: datetime | None = None
) -> FeedbackReport:
    """A new version of the report (e.g. after correcting an answer). Old versions stay."""
    _require_manager(actor, consultation)
    if consultation.feedback_published_at is None:
        raise RuleViolation(None, _l("The feedback has not been published yet."))
    note = values.text(
        note,
        "note",
        rules.MAX_CORRECTION_NOTE,
        required=True,
        message=_l("Say what the new version corrects."),
    )
    version = (
        db.session.scalar(
            sa.select(sa.func.max(FeedbackReport.version)).where(
                FeedbackReport.consultation_id == consultation.id
            )
        )
        or 0
    ) + 1
    report = FeedbackReport(
        consultation=consultation,
        version=version,
        correction_note=note,
        status=ReportStatus.PENDING.value,
        requested_at=now or now_utc(),
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        consultation,
        "report_version_requested",
        actor=actor,
        now=now,
        details={"version": version, "note": note[:200]},
    )
    return report


def correct_disposition(
    comment: Comment, data: dict[str, Any], *, actor: User | None, now: datetime | None = None
) -> Comment:
    """After publication an answer can still be corrected; the caller then requests a new
    report version, so the published record of what changed stays complete."""
    consultation = comment.consultation
    _require_manager(actor, consultation)
    if consultation.feedback_published_at is None:
        return dispose_comment(comment, data, actor=actor, now=now)
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason"))
    duplicate_of = _duplicate_target(comment, data.get("duplicate_of"))
    if duplicate_of is not None and disposition != Disposition.NOT_APPLICABLE:
        raise RuleViolation(
            "duplicate_of", _l("Only a “not applicable” answer can point to a duplicate.")
        )
    now = now or now_utc()
    old = {"disposition": comment.disposition, "reason": comment.disposition_reason}
    comment.disposition, comment.disposition_reason = disposition, reason
    comment.duplicate_of_id = duplicate_of
    comment.disposed_at, comment.disposed_by_id = now, getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        comment,
        "disposition_corrected",
        actor=actor,
        now=now,
        details={"old": old, "new": {"disposition": disposition, "reason": reason}},
    )
    return comment


# --- queries -----------------------------------------------------------------------------


def progress(consultation: Consultation) -> tuple[int, int]:
    """(answered, total): answered means a disposition and, unless adopted, a reason."""
    comments = all_comments(consultation)
    return len(comments) - len(rules.closing_problems(comments)), len(comments)


def overdue(department_id: int | None, now: datetime | None = None) -> list[Consultation]:
    """Closed consultations whose feedback is past due, for a department or for all."""
    now = now or now_utc()
    due_before = now - feedback_period()
    stmt = (
        sa.select(Consultation)
        .where(Consultation.feedback_published_at.is_(None), Consultation.closes_at < due_before)
        .order_by(Consultation.closes_at)
    )
    if department_id is not None:
        from consult.catalogue.models import DecisionMatter

        stmt = stmt.join(Consultation.matter).where(DecisionMatter.department_id == department_id)
    return list(db.session.scalars(stmt))


def awaiting_feedback(department_id: int | None, now: datetime | None = None) -> list[Consultation]:
    now = now or now_utc()
    stmt = (
        sa.select(Consultation)
        .where(Consultation.feedback_published_at.is_(None), Consultation.closes_at <= now)
        .order_by(Consultation.closes_at)
    )
    if department_id is not None:
        from consult.catalogue.models import DecisionMatter

        stmt = stmt.join(Consultation.matter).where(DecisionMatter.department_id == department_id)
    return list(db.session.scalars(stmt))


def reports(consultation: Consultation) -> list[FeedbackReport]:
    return list(
        db.session.scalars(
            sa.select(FeedbackReport)
            .where(FeedbackReport.consultation_id == consultation.id)
            .order_by(FeedbackReport.version.desc())
        )
    )


def latest_ready_report(consultation: Consultation) -> FeedbackReport | None:
    return db.session.scalar(
        sa.select(FeedbackReport)
        .where(
            FeedbackReport.consultation_id == consultation.id,
            FeedbackReport.status == ReportStatus.READY,
        )
        .order_by(FeedbackReport.version.desc())
        .limit(1)
    )


def get_report(report_id: int) -> FeedbackReport:
    report = db.session.get(FeedbackReport, report_id)
    if report is None:
        raise NotFound()
    return report


# --- the PDF report ----------------------------------------------------------------------


def report_data(report: FeedbackReport, locale: str | None = None) -> dict[str, Any]:
    """What the PDF shows besides its table, in `locale` (default: the platform's language,
    zh-Hans: the published report is the official Chinese document, whoever asked for it),
    counted set-based. The table itself streams from the database while the report renders
    (consult/feedback/report.py). No contact details or IPs ever enter it (rule 6)."""
    from consult.feedback import report as reports

    locale = locale or current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh_Hans"
    return reports.header(report, locale)


def render_report_now(report_id: int, *, workers: int | None = None) -> FeedbackReport:
    """Render and store one report version in this process (and its worker pool). Commits:
    it runs as a job, outside requests."""
    from consult.feedback import report as reports

    return reports.render_here(report_id, workers=workers)


def _render_in_new_context(app: Flask, report_id: int) -> None:
    with app.app_context():
        render_report_now(report_id)


def schedule_render(report_id: int) -> str:
    """Start rendering after the commit: RQ on Redis when configured (the report's parts are
    jobs of their own), else a thread (or inline when REPORT_RENDERING=inline, as in tests
    and the demo seeding). `flask tick` takes up a report whose renderer died."""
    mode = current_app.config.get("REPORT_RENDERING") or (
        "rq" if current_app.config.get("REDIS_URL") else "thread"
    )
    if mode == "inline":
        render_report_now(report_id)
    elif mode == "rq":
        from consult.feedback import report as reports

        # Its parts are RQ jobs too: every worker on the queue renders some.
        reports.enqueue_report(report_id)
    else:
        app = current_app._get_current_object()
        threading.Thread(
            target=_render_in_new_context,
            args=(app, report_id),
            daemon=True,
            name=f"report-{report_id}",
        ).start()
    return mode
