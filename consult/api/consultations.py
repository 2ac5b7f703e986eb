"""/api/v1 consultations, comments and receipts."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from consult.api import ApiError, api_actor, bp, json_body, page_args, paginated, staff_required
from consult.catalogue.models import DecisionMatter
from consult.comments import grouping
from consult.comments import services as comments
from consult.comments.models import Comment, DuplicateGroup
from consult.consultations import services
from consult.consultations.models import Consultation
from consult.core.errors import NotFound
from consult.core.forms import MAX_DB_INT
from consult.core.time import now_utc
from consult.extensions import db, limiter
from consult.notifications.services import notify_after_commit

STATUSES = ("scheduled", "open", "closed", "feedback_published")


def _consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_l("No such consultation."))
    return consultation


def _time(body: dict, field: str, required: bool = True) -> datetime | None:
    raw = body.get(field)
    if raw in (None, ""):
        if required:
            raise ApiError(422, _l("This field is required."), field=field, code="rule_violation")
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        raise ApiError(
            422,
            _l("Use ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00+08:00."),
            field=field,
            code="rule_violation",
        ) from None
    if value.tzinfo is None:
        raise ApiError(
            422,
            _l("Use ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00+08:00."),
            field=field,
            code="rule_violation",
        )
    return value


@bp.get("/consultations")
def list_consultations():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(
            400, _l("status must be one of %(values)s", values=", ".join(STATUSES)), field="status"
        )
    page, per_page = page_args()
    now = now_utc()
    stmt = services.list_by_status(status, now)
    result = paginated(stmt, lambda c: c, page, per_page)
    counts = comments.count_comments([c.id for c in result["items"]])
    result["items"] = [services.public_record(c, now, counts.get(c.id, 0)) for c in result["items"]]
    return result


@bp.get("/consultations/<int:consultation_id>")
def get_consultation(consultation_id: int):
    consultation = _consultation(consultation_id)
    count = comments.count_comments([consultation.id]).get(consultation.id, 0)
    return services.public_record(consultation, now_utc(), count)


@bp.get("/consultations/<int:consultation_id>/comments")
def list_comments(consultation_id: int):
    consultation = _consultation(consultation_id)
    page, per_page = page_args()
    group_id = request.args.get("group")
    if group_id is not None:
        group = (
            db.session.get(DuplicateGroup, int(group_id))
            if group_id.isdigit() and int(group_id) <= MAX_DB_INT
            else None
        )
        if group is None or group.consultation_id != consultation.id:
            raise NotFound(_l("No such group of comments in this consultation."))
        listed = comments.group_page(group, page, per_page)
    else:
        listed = comments.comments_page(consultation, page, per_page)
    sizes = comments.group_sizes(listed.items)
    return {
        "items": [
            comments.public_comment_record(c, sizes.get(c.duplicate_group_id)) for c in listed.items
        ],
        "total": listed.total,
        "page": page,
        "per_page": per_page,
    }


def _comment_limit() -> str:
    return current_app.config["COMMENT_RATE_LIMIT"]


@bp.post("/consultations/<int:consultation_id>/comments")
@limiter.limit(_comment_limit)
def submit_comment(consultation_id: int):
    body = json_body()
    for key in ("show_name", "consent"):
        if key in body and not isinstance(body[key], bool):
            raise ApiError(
                422,
                _l("%(field)s must be true or false.", field=key),
                field=key,
                code="rule_violation",
            )
    # Checked without the database, stored by one guarded INSERT, grouped after the commit
    # (see comments.views.submit).
    draft = comments.check_comment(
        consultation_id,
        {
            "author_name": body.get("author_name")
            if isinstance(body.get("author_name"), str)
            else None,
            "show_name": body.get("show_name", False),
            "contact": body.get("contact") if isinstance(body.get("contact"), str) else None,
            "body": body.get("body") if isinstance(body.get("body"), str) else None,
            "clause": body.get("clause"),
            "consent": body.get("consent", False),
        },
        ip=request.remote_addr,
    )
    stored = comments.store_comment(draft)
    db.session.commit()
    grouping.after_commit()
    return {"receipt": stored.receipt, "submitted_at": stored.submitted_at.isoformat()}, 201


@bp.get("/receipts/<number>")
def get_receipt(number: str):
    return comments.receipt_record(comments.find_by_receipt(number))


@bp.post("/decisions/<int:matter_id>/consultations")
@staff_required
def create_consultation(matter_id: int):
    matter = db.session.get(DecisionMatter, matter_id)
    if matter is None:
        raise NotFound()
    body = json_body()
    consultation = services.open_consultation(
        matter,
        {
            "title": body.get("title"),
            "draft": body.get("draft"),
            "explanation": body.get("explanation"),
            "contact": body.get("contact"),
            "opens_at": _time(body, "opens_at"),
            "closes_at": _time(body, "closes_at"),
        },
        actor=api_actor(),
    )
    db.session.commit()
    notify_after_commit("consultation_opened")
    return services.public_record(consultation, now_utc(), 0), 201


@bp.patch("/consultations/<int:consultation_id>")
@staff_required
def patch_consultation(consultation_id: int):
    consultation = _consultation(consultation_id)
    body = json_body()
    services.change_closing(
        consultation, _time(body, "closes_at"), body.get("reason"), actor=api_actor()
    )
    db.session.commit()
    return services.public_record(consultation, now_utc())


@bp.post("/consultations/<int:consultation_id>/offline-comments")
@staff_required
def offline_comment(consultation_id: int):
    consultation = _consultation(consultation_id)
    body = json_body()
    comment = comments.enter_offline_comment(
        consultation,
        {
            "source": body.get("source"),
            "activity_id": body.get("activity_id"),
            "received_at": _time(body, "received_at", required=False),
            "clause": body.get("clause"),
            "author_name": body.get("author_name"),
            "show_name": bool(body.get("show_name")),
            "contact": body.get("contact"),
            "body": body.get("body"),
        },
        actor=api_actor(),
    )
    db.session.commit()
    return {"receipt": comment.receipt, "submitted_at": comment.submitted_at.isoformat()}, 201


@bp.post("/comments/<int:comment_id>/hide")
@staff_required
def hide_comment(comment_id: int):
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    body = json_body()
    comments.hide_comment(comment, body.get("reason"), body.get("note"), actor=api_actor())
    db.session.commit()
    return comments.receipt_record(comment)
