"""/api/v1/decisions: the decision catalogue."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from consult.api import ApiError, api_actor, bp, json_body, page_args, paginated, staff_required
from consult.catalogue import services
from consult.catalogue.models import STATUS_VALUES, DecisionMatter
from consult.core.errors import NotFound
from consult.core.time import local_zone, today_in
from consult.extensions import db

_BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(400, _l("%(name)s must be a whole number.", name=name), field=name)
    return int(raw)


def _record(matter: DecisionMatter, *, detail: bool = False) -> dict:
    today = today_in(local_zone(current_app.config["TIMEZONE"]))
    rec = services.public_record(matter, today=today)
    if detail:
        rec["adjustments"] = [services.adjustment_record(a) for a in matter.adjustments]
        rec["timeline"] = [
            {
                "at": e.occurred_at.isoformat(),
                "action": e.action,
                "details": {k: v for k, v in e.details.items() if k != "adjustment_id"},
            }
            for e in services.timeline(matter)
        ]
    return rec


@bp.get("/decisions")
def list_decisions():
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_VALUES:
        raise ApiError(
            400,
            _l("status must be one of %(values)s", values=", ".join(STATUS_VALUES)),
            field="status",
        )
    hearing_raw = request.args.get("hearing")
    if hearing_raw not in (None, "") and hearing_raw.lower() not in _BOOL:
        raise ApiError(400, _l("hearing must be true or false"), field="hearing")
    hearing = _BOOL.get((hearing_raw or "").lower())
    page, per_page = page_args()
    stmt = services.search_matters(
        year=_int_arg("year"),
        department_id=_int_arg("department"),
        status=status,
        hearing=hearing,
        q=(request.args.get("q") or "").strip()[:100] or None,
    )
    return paginated(stmt, _record, page, per_page)


def _visible_matter(matter_id: int) -> DecisionMatter:
    matter = db.session.get(DecisionMatter, matter_id)
    if matter is None:
        raise NotFound()
    if not matter.is_published:
        actor = api_actor() if request.headers.get("Authorization") else None
        if actor is None or not actor.is_staff:
            raise NotFound()
    return matter


@bp.get("/decisions/<int:matter_id>")
def get_decision(matter_id: int):
    return _record(_visible_matter(matter_id), detail=True)


_WRITABLE = (
    "year",
    "title",
    "summary",
    "department_id",
    "planned_time",
    "hearing",
    "procedures",
    "reason",
)


def _matter_data(body: dict) -> dict:
    data = {k: body[k] for k in _WRITABLE if k in body}
    if "lead_department_id" in body and "department_id" not in data:
        data["department_id"] = body["lead_department_id"]
    return data


@bp.post("/decisions")
@staff_required
def create_decision():
    data = _matter_data(json_body())
    data.setdefault("hearing", False)
    matter = services.create_matter(data, actor=api_actor())
    db.session.commit()
    return _record(matter, detail=True), 201


@bp.patch("/decisions/<int:matter_id>")
@staff_required
def update_decision(matter_id: int):
    matter = _visible_matter(matter_id)
    body = json_body()
    actor = api_actor()
    data = _matter_data(body)
    data.pop("year", None)
    if "status" in body and body["status"] != matter.status:
        if len(data) > (1 if "reason" in data else 0):
            raise ApiError(
                422,
                _l("Change the status in a request of its own."),
                field="status",
                code="rule_violation",
            )
        from datetime import date

        extra = {
            "reason": body.get("reason"),
            "decision_document_url": body.get("decision_document_url"),
        }
        if body.get("decision_date"):
            try:
                extra["decision_date"] = date.fromisoformat(str(body["decision_date"]))
            except ValueError:
                raise ApiError(
                    422,
                    _l("decision_date must be YYYY-MM-DD."),
                    field="decision_date",
                    code="rule_violation",
                ) from None
        services.change_status(matter, str(body["status"]), extra, actor=actor)
    else:
        services.update_matter(matter, data, actor=actor)
    db.session.commit()
    db.session.refresh(matter)
    return _record(matter, detail=True)
