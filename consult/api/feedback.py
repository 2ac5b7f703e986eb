"""/api/v1 feedback: dispositions, publishing, and the PDF report."""

from __future__ import annotations

from flask import send_file
from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.api import api_actor
from consult.api import bp
from consult.api import listed
from consult.api import operations
from consult.comments import schemas as comment_schemas
from consult.comments.models import Comment
from consult.comments.services import receipt_record
from consult.consultations.services import get_consultation
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.errors import found
from consult.core.storage import storage
from consult.extensions import db
from consult.feedback import schemas
from consult.feedback import services

operation = operations("feedback")


@bp.get("/consultations/<int:consultation_id>/report.pdf")
@operation({200: "application/pdf"})
def report_pdf(consultation_id: int):
    """The latest ready feedback report"""
    report = services.latest_ready_report(get_consultation(consultation_id))
    if report is None:
        raise NotFound(_l("No feedback report is ready for this consultation yet."))
    return send_file(
        storage().path(report.file.storage_key),
        mimetype="application/pdf",
        as_attachment=True,
        etag=report.sha256,
        download_name=f"feedback-report-{consultation_id}-v{report.version}.pdf",
    )


@bp.get("/consultations/<int:consultation_id>/reports")
@operation({200: schemas.ReportPage}, cached=True)
def list_reports(consultation_id: int):
    """Versions of the feedback report

    All versions on one page, newest first."""
    items = [schemas.report_record(r) for r in services.reports(get_consultation(consultation_id))]
    return listed(items, len(items), 1, max(len(items), 1))


@bp.post("/comments/<int:comment_id>/disposition")
@operation({200: comment_schemas.Receipt}, access="staff")
def dispose(comment_id: int, body: schemas.DispositionInput):
    """Answer a comment, or correct an answer

    Every comment not adopted needs a reason."""
    comment = found(db.session.get(Comment, comment_id))
    services.correct_disposition(comment, body.model_dump(), actor=api_actor())
    db.session.commit()
    record = receipt_record(comment)
    answer = comment.answer
    record.update(disposition=answer.disposition, disposition_reason=answer.reason)
    return record


@bp.post("/consultations/<int:consultation_id>/feedback")
@operation({201: schemas.Report}, access="staff")
def publish(consultation_id: int, body: schemas.FeedbackInput):
    """Publish the feedback and request the PDF report

    Only when every comment has a disposition and every one not adopted a reason (422
    feedback_incomplete otherwise)."""
    consultation = get_consultation(consultation_id)
    report = services.publish_feedback(consultation, {"summary": body.summary}, actor=api_actor())
    db.session.commit()
    services.schedule_render(report.id)
    return schemas.report_record(services.get_report(report.id)), 201


def _selection_body(body) -> dict:
    return body.selection.model_dump(exclude_none=True, mode="json")


@bp.post("/consultations/<int:consultation_id>/dispositions")
@operation({200: schemas.Updated}, access="staff")
def dispose_selection(consultation_id: int, body: schemas.SelectionAnswerInput):
    """Answer every comment a selection matches

    One disposition and reason for a whole duplicate group, the rest of a group (`state:
    unanswered`), or a filter; set-based, however many comments match. A selection that matches
    nothing is 422 `empty_selection`; every comment not adopted needs a reason."""
    consultation = get_consultation(consultation_id)
    updated = services.answer_selection(
        consultation,
        _selection_body(body),
        body.model_dump(include={"disposition", "reason", "duplicate_of", "draft"}),
        actor=api_actor(),
    )
    db.session.commit()
    return {"updated": updated}


@bp.post("/consultations/<int:consultation_id>/assignments")
@operation({200: schemas.Updated}, access="staff")
def assign_selection(consultation_id: int, body: schemas.AssignmentInput):
    """Assign the comments a selection matches to an officer

    By the government office or the lead department's head; the officer must be one of the lead
    department's."""
    consultation = get_consultation(consultation_id)
    officer = None
    if body.officer_id is not None:
        officer = db.session.get(User, body.officer_id)
        if officer is None:
            raise RuleViolation(
                "officer_id", _l("Not an officer of this consultation's department.")
            )
    updated = services.assign_selection(
        consultation, _selection_body(body), officer, actor=api_actor()
    )
    db.session.commit()
    return {"updated": updated}
