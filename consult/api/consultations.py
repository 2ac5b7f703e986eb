"""/api/v1 consultations, comments and receipts."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from consult.api import api_actor
from consult.api import bp
from consult.api import listed
from consult.api import operations
from consult.api import paginated
from consult.catalogue import services as catalogue
from consult.comments import grouping
from consult.comments import schemas as comment_schemas
from consult.comments import services as comments
from consult.comments.limits import comment_limits
from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup
from consult.consultations import schemas
from consult.consultations import services
from consult.consultations.models import Consultation
from consult.core import ids
from consult.core.errors import NotFound
from consult.core.errors import found
from consult.core.time import now_utc
from consult.extensions import db
from consult.notifications.services import notify_after_commit

operation = operations("consultations")
comment_operation = operations("comments")


def _record(consultation: Consultation) -> dict:
    count = comments.count_comments([consultation.id]).get(consultation.id, 0)
    return services.public_record(consultation, now_utc(), count)


def _receipt(comment) -> tuple[dict, int]:
    """The answer to a comment taken in (DESIGN.md: 201 with its receipt)."""
    return comment_schemas.CommentReceipt(
        receipt=comment.receipt, submitted_at=comment.submitted_at
    ).record(), 201


@bp.get("/consultations")
@operation({200: schemas.ConsultationPage}, cached=True)
def list_consultations(query: schemas.ConsultationQuery):
    """Public consultations by status

    Without a status: all, newest opening first."""
    now = now_utc()
    stmt = services.list_by_status(query.status, now)
    result = paginated(stmt, lambda c: c, query.page, query.per_page)
    counts = comments.count_comments([c.id for c in result["items"]])
    result["items"] = [services.public_record(c, now, counts.get(c.id, 0)) for c in result["items"]]
    return result


@bp.get("/consultations/<int:consultation_id>")
@operation({200: schemas.Consultation})
def get_consultation(consultation_id: int):
    """One consultation"""
    return _record(services.get_consultation(consultation_id))


@bp.get("/consultations/<int:consultation_id>/comments")
@comment_operation({200: comment_schemas.CommentPage}, cached=True)
def list_comments(consultation_id: int, query: comment_schemas.CommentQuery):
    """Published comments of a consultation

    Oldest first. `total` is the stored count of published comments."""
    consultation = services.get_consultation(consultation_id)
    if query.group is not None:
        group = db.session.get(DuplicateGroup, query.group)
        if group is None or group.consultation_id != consultation.id:
            raise NotFound(_l("No such group of comments in this consultation."))
        shown = comments.group_page(group, query.page, query.per_page)
    else:
        shown = comments.comments_page(consultation, query.page, query.per_page)
    sizes = comments.group_sizes(shown.items)
    return listed(
        [comments.public_comment_record(c, sizes.get(c.duplicate_group_id)) for c in shown.items],
        shown.total,
        query.page,
        query.per_page,
    )


@bp.post("/consultations/<int:consultation_id>/comments")
@comment_limits
@comment_operation({201: comment_schemas.CommentReceipt}, errors=(429,))
def submit_comment(consultation_id: int, body: comment_schemas.CommentInput):
    """Submit a comment while the consultation is open

    Accepted only while opens_at <= now < closes_at, by the server's clock. Rate-limited per
    address, together with the web form."""
    # Checked without the database, stored by one guarded INSERT, grouped after the commit
    # (see comments.views.submit).
    draft = comments.check_comment(consultation_id, body.model_dump(), ip=request.remote_addr)
    stored = comments.store_comment(draft)
    db.session.commit()
    grouping.after_commit()
    return _receipt(stored)


@bp.get("/receipts/<number>")
@comment_operation({200: comment_schemas.Receipt})
def get_receipt(number: str):
    """Follow a comment by its receipt number"""
    if len(number) > ids.RECEIPT_TEXT_MAX:
        raise NotFound(comments.NO_SUCH_RECEIPT)
    return comments.receipt_record(comments.find_by_receipt(number))


@bp.post("/decisions/<int:matter_id>/consultations")
@operation({201: schemas.Consultation}, access="staff", description=schemas.WINDOW)
def create_consultation(matter_id: int, body: schemas.ConsultationInput):
    """Open (or schedule) a public consultation on a matter"""
    matter = catalogue.get_matter(matter_id)
    consultation = services.open_consultation(matter, body.model_dump(), actor=api_actor())
    db.session.commit()
    notify_after_commit("consultation_opened")
    return services.public_record(consultation, now_utc(), 0), 201


@bp.patch("/consultations/<int:consultation_id>")
@operation({200: schemas.Consultation}, access="staff")
def patch_consultation(consultation_id: int, body: schemas.ClosingChange):
    """Change the closing time, with a reason"""
    consultation = services.get_consultation(consultation_id)
    services.change_closing(consultation, body.closes_at, body.reason, actor=api_actor())
    db.session.commit()
    return _record(consultation)


@bp.post("/consultations/<int:consultation_id>/offline-comments")
@comment_operation({201: comment_schemas.CommentReceipt}, access="staff")
def offline_comment(consultation_id: int, body: comment_schemas.OfflineCommentInput):
    """Enter a comment received offline"""
    consultation = services.get_consultation(consultation_id)
    comment = comments.enter_offline_comment(
        consultation, body.model_dump(exclude_none=True), actor=api_actor()
    )
    db.session.commit()
    return _receipt(comment)


@bp.post("/comments/<int:comment_id>/hide")
@comment_operation({200: comment_schemas.Receipt}, access="staff")
def hide_comment(comment_id: int, body: comment_schemas.HideInput):
    """Withhold a comment, with a recorded reason

    Nothing a resident submitted is deleted: moderation hides."""
    comment = found(db.session.get(Comment, comment_id))
    comments.hide_comment(comment, body.reason, body.note, actor=api_actor())
    db.session.commit()
    return comments.receipt_record(comment)
