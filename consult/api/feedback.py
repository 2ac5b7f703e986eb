"""/api/v1 feedback: dispositions, publishing, and the PDF report."""

from __future__ import annotations

from flask import send_file
from flask_babel import lazy_gettext as _l

from consult.api import ApiError, api_actor, bp, json_body, staff_required
from consult.comments.models import Comment
from consult.comments.services import receipt_record
from consult.consultations.models import Consultation
from consult.core.errors import NotFound
from consult.core.storage import storage
from consult.extensions import db
from consult.feedback import services


def _report_record(report) -> dict:
    return {
        "version": report.version,
        "status": report.status,
        "requested_at": report.requested_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "sha256": report.sha256,
        "pages": report.pages,
        "correction_note": report.correction_note,
    }


@bp.get("/consultations/<int:consultation_id>/report.pdf")
def report_pdf(consultation_id: int):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    report = services.latest_ready_report(consultation)
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
def list_reports(consultation_id: int):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    items = [_report_record(r) for r in services.reports(consultation)]
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}


@bp.post("/comments/<int:comment_id>/disposition")
@staff_required
def dispose(comment_id: int):
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    body = json_body()
    services.correct_disposition(
        comment,
        {
            "disposition": body.get("disposition"),
            "reason": body.get("reason"),
            "duplicate_of": body.get("duplicate_of"),
        },
        actor=api_actor(),
    )
    db.session.commit()
    record = receipt_record(comment)
    record.update(disposition=comment.disposition, disposition_reason=comment.disposition_reason)
    return record


@bp.post("/consultations/<int:consultation_id>/feedback")
@staff_required
def publish(consultation_id: int):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound()
    body = json_body()
    summary = body.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise ApiError(422, _l("summary must be text."), field="summary", code="rule_violation")
    report = services.publish_feedback(consultation, {"summary": summary}, actor=api_actor())
    db.session.commit()
    services.schedule_render(report.id)
    return _report_record(services.get_report(report.id)), 201
