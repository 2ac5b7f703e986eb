"""/api/v1/representatives: the public roster of the representative pool (no contacts)."""

from __future__ import annotations

from consult.api import bp
from consult.api import listed
from consult.api import operations
from consult.core.time import local_today
from consult.meetings import services as meetings
from consult.representatives import schemas
from consult.representatives import services

operation = operations("representatives")

NO_FIGURES = {"invited": 0, "accepted": 0, "attended": 0, "rate": None}


@bp.get("/representatives")
@operation({200: schemas.RepresentativePage}, cached=True)
def list_representatives(query: schemas.RepresentativeQuery):
    """The public roster of the representative pool

    Everyone serving today; no contact details."""
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
