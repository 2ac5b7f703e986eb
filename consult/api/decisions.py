"""/api/v1/decisions: the decision catalogue."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from consult.api import api_actor
from consult.api import bp
from consult.api import operations
from consult.api import paginated
from consult.catalogue import schemas
from consult.catalogue import services
from consult.catalogue.models import DecisionMatter
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.time import local_today
from consult.extensions import db

operation = operations("decisions")


@bp.get("/decisions")
@operation({200: schemas.DecisionPage}, cached=True)
def list_decisions(query: schemas.DecisionQuery):
    """Search the published decision catalogue"""
    stmt = services.search_matters(
        year=query.year,
        department_id=query.department,
        status=query.status,
        hearing=query.hearing,
        q=query.q,
    )
    today = local_today()
    return paginated(
        stmt, lambda m: services.public_record(m, today=today), query.page, query.per_page
    )


def _visible_matter(matter_id: int) -> DecisionMatter:
    matter = services.get_matter(matter_id)
    if not matter.is_published:
        actor = api_actor() if request.headers.get("Authorization") else None
        if not getattr(actor, "is_staff", False):
            raise NotFound()
    return matter


@bp.get("/decisions/<int:matter_id>")
@operation({200: schemas.DecisionDetail}, errors=(401,))
def get_decision(matter_id: int):
    """One matter with its adjustments and public timeline"""
    return services.detail_record(_visible_matter(matter_id), today=local_today())


def _matter_data(body: schemas.DecisionInput | schemas.DecisionPatch) -> dict:
    data = body.model_dump(exclude_unset=True, include=set(services.API_FIELDS))
    if body.lead_department_id is not None and "department_id" not in data:
        data["department_id"] = body.lead_department_id
    return data


@bp.post("/decisions")
@operation({201: schemas.DecisionDetail}, access="staff")
def create_decision(body: schemas.DecisionInput):
    """Add a matter to a catalogue"""
    data = _matter_data(body)
    data["year"] = body.year
    data.setdefault("hearing", False)
    matter = services.create_matter(data, actor=api_actor())
    db.session.commit()
    return services.detail_record(matter, today=local_today()), 201


@bp.patch("/decisions/<int:matter_id>")
@operation({200: schemas.DecisionDetail}, access="staff")
def update_decision(matter_id: int, body: schemas.DecisionPatch):
    """Adjust a matter or change its status"""
    matter = _visible_matter(matter_id)
    actor = api_actor()
    data = _matter_data(body)
    if body.status is not None and body.status != matter.status:
        if len(data) > (1 if "reason" in data else 0):
            raise RuleViolation("status", _l("Change the status in a request of its own."))
        extra = {
            "reason": body.reason,
            "decision_date": body.decision_date,
            "decision_document_url": body.decision_document_url,
            "interpretation": body.interpretation.model_dump() if body.interpretation else None,
        }
        services.change_status(matter, body.status, extra, actor=actor)
    else:
        services.update_matter(matter, data, actor=actor)
    db.session.commit()
    db.session.refresh(matter)
    return services.detail_record(matter, today=local_today())


@bp.post("/decisions/<int:matter_id>/postponement")
@operation({200: schemas.DecisionDetail}, access="staff")
def postpone_decision(matter_id: int, body: schemas.Postponement):
    """Postpone a matter into the next year's catalogue"""
    matter = _visible_matter(matter_id)
    services.postpone_matter(matter, body.model_dump(), actor=api_actor())
    db.session.commit()
    db.session.refresh(matter)
    return services.detail_record(matter, today=local_today())
