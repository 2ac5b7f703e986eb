"""/api/v1/representatives: the public roster of the representative pool (no contacts)."""

from __future__ import annotations

from consult.api import bp
from consult.api import listed
from consult.api.spec import operation
from consult.core.time import local_today
from consult.meetings import services as meetings
from consult.representatives import schemas
from consult.representatives import services

NO_FIGURES = {"invited": 0, "accepted": 0, "attended": 0, "rate": None}


@bp.get("/representatives")
@operation(
    "The public roster of the representative pool",
    "representatives",
    query=schemas.RepresentativeQuery,
    responses={200: schemas.RepresentativePage},
    description="Everyone serving today; no contact details.",
    cached=True,
)
def list_representatives(query: schemas.RepresentativeQuery):
    today = local_today()
    everyone = [
        r for r in services.roster(today) if query.category is None or r.category == query.category
    ]
    stats = meetings.figures()["per_representative"]
    shown = everyone[(query.page - 1) * query.per_page : query.page * query.per_page]
    return listed(
        [services.public_record(r, stats.get(r.id, NO_FIGURES), today=today) for r in shown],
        len(everyone),
        query.page,
        query.per_page,
    )
