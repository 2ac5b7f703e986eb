"""/api/v1 feedback: dispositions, publishing, and the PDF report."""

from __future__ import annotations

from flask import send_file
from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.api import api_actor
from consult.api import bp
from consult.api import listed
from consult.api import staff_required
from consult.api.consultations import CONSULTATION
from consult.api.spec import operation
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


@bp.get("/consultations/<int:consultation_id>/report.pdf")
@operation(
    "The latest ready feedback report",
    "feedback",
    responses={200: "application/pdf"},
    params=CONSULTATION,
)
def report_pdf(consultation_id: int):
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
@operation(
    "Versions of the feedback report",
    "feedback",
    responses={200: schemas.ReportPage},
    params=CONSULTATION,
    description="All versions on one page, newest first.",
    cached=True,
)
def list_reports(consultation_id: int):
    items = [schemas.report_record(r) for r in services.reports(get_consultation(consultation_id))]
    return listed(items, len(items), 1, max(len(items), 1))


@bp.post("/comments/<int:comment_id>/disposition")
@staff_required
@operation(
    "Answer a comment, or correct an answer",
    "feedback",
    body=schemas.DispositionInput,
    responses={200: comment_schemas.Receipt},
    params={"comment_id": "Comment"},
    description="Every comment not adopted needs a reason.",
)
def dispose(comment_id: int, body: schemas.DispositionInput):
    comment = found(db.session.get(Comment, comment_id))
    services.correct_disposition(comment, body.model_dump(), actor=api_actor())
    db.session.commit()
    record = receipt_record(comment)
    answer = comment.answer
    record.update(disposition=answer.disposition, disposition_reason=answer.reason)
    return record


@bp.post("/consultations/<int:consultation_id>/feedback")
@staff_required
@operation(
    "Publish the feedback and request the PDF report",
    "feedback",
    body=schemas.FeedbackInput,
    responses={201: schemas.Report},
    params=CONSULTATION,
    description="Only when every comment has a disposition and every one not adopted a reason "
    "(422 feedback_incomplete otherwise).",
)
def publish(consultation_id: int, body: schemas.FeedbackInput):
    consultation = get_consultation(consultation_id)
    report = services.publish_feedback(consultation, {"summary": body.summary}, actor=api_actor())
    db.session.commit()
    services.schedule_render(report.id)
    return schemas.report_record(services.get_report(report.id)), 201


def _selection_body(body) -> dict:
    return body.selection.model_dump(exclude_none=True, mode="json")


@bp.post("/consultations/<int:consultation_id>/dispositions")
@staff_required
@operation(
    "Answer every comment a selection matches",
    "feedback",
    body=schemas.SelectionAnswerInput,
    responses={200: schemas.Updated},
    params=CONSULTATION,
    description="One disposition and reason for a whole duplicate group, the rest of a group "
    "(`state: unanswered`), or a filter; set-based, however many comments match. A selection "
    "that matches nothing is 422 `empty_selection`; every comment not adopted needs a reason.",
)
def dispose_selection(consultation_id: int, body: schemas.SelectionAnswerInput):
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
@staff_required
@operation(
    "Assign the comments a selection matches to an officer",
    "feedback",
    body=schemas.AssignmentInput,
    responses={200: schemas.Updated},
    params=CONSULTATION,
    description="By the government office or the lead department's head; the officer must "
    "be one of the lead department's.",
)
def assign_selection(consultation_id: int, body: schemas.AssignmentInput):
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
