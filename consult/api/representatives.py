"""/api/v1/representatives: the public roster of the representative pool (no contacts)."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from consult.api import ApiError, bp, page_args
from consult.core.time import local_zone, today_in
from consult.meetings import services as meetings
from consult.representatives import services
from consult.representatives.models import CATEGORY_VALUES

NO_FIGURES = {"invited": 0, "accepted": 0, "attended": 0, "rate": None}


@bp.get("/representatives")
def list_representatives():
    category = request.args.get("category") or None
    if category is not None and category not in CATEGORY_VALUES:
        raise ApiError(
            400,
            _l("category must be one of %(values)s", values=", ".join(CATEGORY_VALUES)),
            field="category",
        )
    page, per_page = page_args()
    today = today_in(local_zone(current_app.config["TIMEZONE"]))
    everyone = [r for r in services.roster(today) if category is None or r.category == category]
    stats = meetings.figures()["per_representative"]
    shown = everyone[(page - 1) * per_page : page * per_page]
    return {
        "items": [
            services.public_record(r, stats.get(r.id, NO_FIGURES), today=today) for r in shown
        ],
        "total": len(everyone),
        "page": page,
        "per_page": per_page,
    }
