"""Catalogue state changes and queries. Services check permission and rules, write the audit
log, flush, and never commit: the caller commits once at its boundary."""

from __future__ import annotations

import logging
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Actor
from consult.accounts.models import Department
from consult.accounts.models import User
from consult.accounts.models import acts_as_office
from consult.accounts.models import require_manager
from consult.accounts.models import require_office
from consult.catalogue import rules
from consult.catalogue import schemas
from consult.catalogue.models import PROCEDURE_VALUES
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterProcedure
from consult.catalogue.models import MatterStatus
from consult.core import audit
from consult.core import search
from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import found
from consult.core.records import record_of
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.extensions import db

log = logging.getLogger(__name__)

CATALOGUE_FIELDS = ("title", "summary", "department_id", "planned_time", "hearing", "procedures")
# What the API may set on a matter: the catalogue fields and the reason for an adjustment.
API_FIELDS = (*CATALOGUE_FIELDS, "reason")


# --- permissions -------------------------------------------------------------------------


def can_edit_matter(actor: Actor, matter: DecisionMatter) -> bool:
    return matter.can_manage(actor) and not matter.is_closed


# --- catalogue years ---------------------------------------------------------------------


def get_or_create_year(year: int, *, actor: Actor, now: datetime | None = None) -> CatalogueYear:
    if not rules.YEAR_MIN <= year <= rules.YEAR_MAX:
        raise RuleViolation("year", _l("Not a plausible catalogue year."))
    cat = db.session.get(CatalogueYear, year)
    if cat is None:
        cat = CatalogueYear(year=year)
        db.session.add(cat)
        db.session.flush()
        audit.record_key("catalogue_year", year, "created", actor=actor, now=now)
    return cat


def publish_catalogue(
    cat: CatalogueYear, *, actor: Actor, now: datetime | None = None
) -> CatalogueYear:
    """Publish a year's catalogue. From now on every change to its matters is an adjustment."""
    require_office(actor)
    if cat.is_published:
        raise RuleViolation(None, _l("The %(year)d catalogue is already published.", year=cat.year))
    matters = list(
        db.session.scalars(sa.select(DecisionMatter).where(DecisionMatter.year == cat.year))
    )
    if not matters:
        raise RuleViolation(None, _l("The catalogue has no matters yet."))
    now = now or now_utc()
    cat.published_at = now
    cat.published_by_id = getattr(actor, "id", None)
    audit.record_key(
        "catalogue_year",
        cat.year,
        "published",
        actor=actor,
        now=now,
        details={"matters": len(matters)},
    )
    for matter in matters:
        audit.record(matter, "listed", actor=actor, now=now, details={"year": cat.year})
    db.session.flush()
    return cat


# --- matters -----------------------------------------------------------------------------


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool, message) -> str:
    return values.text(data.get(key), key, limit, required=required, message=message)


def _department(department_id: Any) -> Department:
    message = _l("Choose the lead department.")
    number = values.whole(department_id, "department_id", minimum=1, message=message)
    dept = db.session.get(Department, number)
    if dept is None:
        raise RuleViolation("department_id", message)
    if not dept.active:
        raise RuleViolation("department_id", _l("This department is no longer active."))
    return dept


def _procedures(data: dict[str, Any]) -> dict[str, bool]:
    """Which statutory procedures are required: {kind: bool} for all five kinds."""
    given = data.get("procedures") or {}
    if isinstance(given, list | tuple | set):
        if not all(isinstance(k, str) for k in given):
            raise RuleViolation("procedures", _l("Name the procedures required."))
        given = {k: True for k in given}
    if not isinstance(given, dict) or not all(
        isinstance(k, str) and isinstance(v, bool) for k, v in given.items()
    ):
        raise RuleViolation("procedures", _l("Say for each procedure whether it is required."))
    unknown = set(given) - set(PROCEDURE_VALUES)
    if unknown:
        raise RuleViolation(
            "procedures", _l("Unknown procedure: %(name)s", name=", ".join(sorted(unknown)))
        )
    return {kind: bool(given.get(kind, False)) for kind in PROCEDURE_VALUES}


def _clean_matter_data(data: dict[str, Any], year: int) -> dict[str, Any]:
    title = _text(
        data, "title", rules.MAX_TITLE, required=True, message=_l("Enter the decision matter.")
    )
    summary = _text(data, "summary", rules.MAX_SUMMARY, required=False, message=None)
    dept = _department(data.get("department_id"))
    planned = rules.parse_planned_time(str(data.get("planned_time") or ""), year)
    hearing = data.get("hearing")
    if not isinstance(hearing, bool):
        raise RuleViolation("hearing", _l("Say whether a hearing is held."))
    return {
        "title": title,
        "summary": summary,
        "department_id": dept.id,
        "planned": planned,
        "hearing": hearing,
        "procedures": _procedures(data),
    }


def create_matter(
    data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> DecisionMatter:
    """Add a matter to a year's catalogue. In a published catalogue this is an adjustment."""
    year = values.whole(
        data.get("year"),
        "year",
        minimum=rules.YEAR_MIN,
        maximum=rules.YEAR_MAX,
        message=_l("Choose a catalogue year."),
    )
    clean = _clean_matter_data(data, year)
    require_manager(actor, clean["department_id"])
    cat = get_or_create_year(year, actor=actor, now=now)
    reason = rules.require_reason(data.get("reason")) if cat.is_published else None
    now = now or now_utc()
    number = (
        db.session.scalar(
            sa.select(sa.func.max(DecisionMatter.number)).where(DecisionMatter.year == year)
        )
        or 0
    ) + 1
    matter = DecisionMatter(
        year=year,
        number=number,
        title=clean["title"],
        summary=clean["summary"],
        department_id=clean["department_id"],
        planned_precision=clean["planned"].precision,
        planned_index=clean["planned"].index,
        hearing=clean["hearing"],
        status=MatterStatus.PLANNED.value,
        created_at=now,
        updated_at=now,
    )
    matter.procedures = [
        MatterProcedure(kind=kind, position=i, required=required)
        for i, (kind, required) in enumerate(clean["procedures"].items())
    ]
    audit.added(matter, "created", actor=actor, now=now, details={"title": matter.title})
    if cat.is_published:
        _adjust(
            matter,
            "addition",
            [{"field": "title", "old": None, "new": matter.title}],
            reason,
            actor,
            now,
        )
        audit.record(matter, "listed", actor=actor, now=now, details={"year": year})
    return matter


def _snapshot(matter: DecisionMatter) -> dict[str, Any]:
    return {
        "title": matter.title,
        "summary": matter.summary,
        "department_id": matter.department_id,
        "planned_time": matter.planned.code,
        "hearing": matter.hearing,
        "procedures": sorted(p.kind for p in matter.procedures if p.required),
    }


def _adjust(matter, kind, changes, reason, actor, now, from_year=None) -> CatalogueAdjustment:
    made = {"kind": kind, "changes": changes, "reason": reason}
    return audit.added(
        CatalogueAdjustment(
            matter=matter,
            actor_id=getattr(actor, "id", None),
            made_at=now,
            **made,
            from_year=from_year,
        ),
        "adjusted",
        about=matter,
        id_key="adjustment_id",
        actor=actor,
        now=now,
        details=made,
    )


def update_matter(
    matter: DecisionMatter, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> CatalogueAdjustment | None:
    """Change a matter's catalogue fields. After publication the change is a public adjustment
    and needs a reason. Returns the adjustment, if one was made."""
    require_manager(actor, matter)
    if matter.is_closed:
        raise RuleViolation(None, _l("A decided or withdrawn matter can no longer be changed."))
    merged = {**_snapshot(matter), **{k: v for k, v in data.items() if k in CATALOGUE_FIELDS}}
    if isinstance(merged["procedures"], list | tuple | set):
        merged["procedures"] = {k: True for k in merged["procedures"]}
    clean = _clean_matter_data(merged, matter.year)
    if clean["department_id"] != matter.department_id and not acts_as_office(actor):
        raise Forbidden(_l("Only the government office can move a matter to another department."))
    before = _snapshot(matter)
    after = {
        "title": clean["title"],
        "summary": clean["summary"],
        "department_id": clean["department_id"],
        "planned_time": clean["planned"].code,
        "hearing": clean["hearing"],
        "procedures": sorted(k for k, required in clean["procedures"].items() if required),
    }
    changes = [
        {"field": key, "old": _describe(key, before[key]), "new": _describe(key, after[key])}
        for key in before
        if before[key] != after[key]
    ]
    if not changes:
        return None
    # The reason is checked before anything changes, so a refusal leaves the matter as it was.
    reason = rules.require_reason(data.get("reason")) if matter.is_published else None
    now = now or now_utc()
    matter.title = clean["title"]
    matter.summary = clean["summary"]
    matter.department_id = clean["department_id"]
    matter.planned_precision = clean["planned"].precision
    matter.planned_index = clean["planned"].index
    matter.hearing = clean["hearing"]
    for proc in matter.procedures:
        proc.required = clean["procedures"][proc.kind]
    matter.updated_at = now
    if reason is not None:
        return _adjust(matter, "change", changes, reason, actor, now)
    db.session.flush()
    audit.record(matter, "edited", actor=actor, now=now, details={"changes": changes})
    return None


def postpone_matter(
    matter: DecisionMatter, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> CatalogueAdjustment:
    """Move a matter that will not be decided this year into the next year's catalogue, with
    its new planned time and a public reason. It keeps its page, consultations and history;
    the catalogue it leaves lists it as postponed, the one it joins as carried over."""
    from consult.consultations.models import Consultation

    require_manager(actor, matter)
    if matter.is_closed:
        raise RuleViolation(None, _l("A decided or withdrawn matter can no longer be changed."))
    if not matter.is_published:
        raise RuleViolation(
            None, _l("A matter of a draft catalogue is edited, not postponed: publish it first.")
        )
    now = now or now_utc()
    target = rules.postponement_year(matter.year)
    planned = rules.parse_planned_time(str(data.get("planned_time") or ""), target)
    reason = rules.require_reason(data.get("reason"))
    open_now = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Consultation)
        .where(Consultation.matter_id == matter.id, Consultation.is_open_at(now))
    )
    if open_now:
        raise RuleViolation(
            None, _l("The matter's consultation is open: it is postponed after the window closes.")
        )
    get_or_create_year(target, actor=actor, now=now)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(DecisionMatter.number)).where(DecisionMatter.year == target)
        )
        or 0
    ) + 1
    old_year, old_code, old_planned = matter.year, matter.code, matter.planned.code
    matter.year, matter.number = target, number
    matter.planned_precision, matter.planned_index = planned.precision, planned.index
    matter.updated_at = now
    db.session.flush()
    db.session.expire(matter, ["catalogue"])
    changes = [
        {"field": "year", "old": old_year, "new": target},
        {"field": "code", "old": old_code, "new": matter.code},
        {"field": "planned_time", "old": old_planned, "new": planned.code},
    ]
    adjustment = _adjust(matter, "postponement", changes, reason, actor, now, from_year=old_year)
    return adjustment


def postponed_from(year: int) -> list[CatalogueAdjustment]:
    """The postponements out of a year's catalogue, in the order they were made."""
    return list(
        db.session.scalars(
            sa.select(CatalogueAdjustment)
            .where(CatalogueAdjustment.from_year == year)
            .order_by(CatalogueAdjustment.made_at, CatalogueAdjustment.id)
        )
    )


def carried_over(matter_ids: list[int]) -> dict[int, CatalogueAdjustment]:
    """For the matters of one listing page: the postponement that brought each into its year."""
    if not matter_ids:
        return {}
    found = db.session.scalars(
        sa.select(CatalogueAdjustment)
        .where(
            CatalogueAdjustment.matter_id.in_(matter_ids),
            CatalogueAdjustment.kind == "postponement",
        )
        .order_by(CatalogueAdjustment.made_at)
    )
    return {a.matter_id: a for a in found}


def _describe(field: str, value: Any) -> Any:
    """Store adjustments readable forever: names, not ids that may later change meaning."""
    if field == "department_id" and value is not None:
        dept = db.session.get(Department, value)
        return dept.name if dept else value
    return value


def record_procedure(
    matter: DecisionMatter,
    kind: str,
    done_on: date | None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> MatterProcedure:
    """Record that a statutory procedure was done (or clear it). Progress, not an adjustment."""
    require_manager(actor, matter)
    if matter.is_closed:
        raise RuleViolation(None, _l("A decided or withdrawn matter can no longer be changed."))
    proc = matter.procedure(kind)
    if proc is None:
        raise RuleViolation("kind", _l("Unknown procedure."))
    today = local_date_of(now or now_utc())
    if done_on is not None and done_on > today:
        raise RuleViolation("done_on", _l("A procedure cannot be done in the future."))
    if proc.done_on != done_on:
        proc.done_on = done_on
        audit.record(
            matter,
            "procedure_done" if done_on else "procedure_reopened",
            actor=actor,
            now=now,
            details={"kind": kind, "done_on": done_on.isoformat() if done_on else None},
        )
    db.session.flush()
    return proc


def change_status(
    matter: DecisionMatter,
    target: str,
    data: dict[str, Any] | None = None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> DecisionMatter:
    """Move a matter along its lifecycle. Withdrawal goes through `withdraw_matter`.

    A decision is published together with its policy interpretation (政策解读): moving to
    "decided" needs `data["interpretation"]` (interpretation.services.check_interpretation's
    fields), checked with the decision's own fields before anything changes."""
    from consult.interpretation import services as interpretation

    require_manager(actor, matter)
    data = data or {}
    if target == MatterStatus.WITHDRAWN:
        return withdraw_matter(matter, data.get("reason", ""), actor=actor, now=now)
    if not matter.is_published:
        raise RuleViolation("status", _l("Publish the catalogue before the matter moves on."))
    rules.check_transition(matter.status, target)
    now = now or now_utc()
    details: dict[str, Any] = {"from": matter.status, "to": target}
    explained = None
    if target == MatterStatus.DECIDED:
        decision_date = data.get("decision_date")
        if not isinstance(decision_date, date):
            raise RuleViolation("decision_date", _l("Enter the date of the decision."))
        if decision_date > local_date_of(now) or decision_date.year < matter.year:
            raise RuleViolation(
                "decision_date",
                _l("The decision date cannot be in the future or before the catalogue year."),
            )
        url = rules.check_document_url(data.get("decision_document_url"))
        if url is None:
            raise RuleViolation(
                "decision_document_url", _l("Link the published decision document.")
            )
        explained = interpretation.check_interpretation(
            matter, data.get("interpretation"), within="interpretation"
        )
        matter.decision_date = decision_date
        matter.decision_document_url = url
        details.update(decision_date=decision_date.isoformat(), document=url)
    matter.status = target
    matter.updated_at = now
    db.session.flush()
    audit.record(matter, "status_changed", actor=actor, now=now, details=details)
    if explained is not None:
        interpretation.record_interpretation(matter, explained, "initial", actor=actor, now=now)
    return matter


def withdraw_matter(
    matter: DecisionMatter, reason: str, *, actor: Actor, now: datetime | None = None
) -> DecisionMatter:
    """The government office withdraws a matter from the catalogue, with a public reason."""
    require_office(actor)
    rules.check_transition(matter.status, MatterStatus.WITHDRAWN)
    reason = rules.require_reason(reason)
    now = now or now_utc()
    old = matter.status
    matter.status = MatterStatus.WITHDRAWN.value
    matter.withdrawal_reason = reason
    matter.updated_at = now
    db.session.flush()
    if matter.is_published:
        _adjust(
            matter,
            "withdrawal",
            [{"field": "status", "old": old, "new": "withdrawn"}],
            reason,
            actor,
            now,
        )
    else:
        audit.record(matter, "withdrawn", actor=actor, now=now, details={"reason": reason})
    return matter


# --- queries -----------------------------------------------------------------------------


def get_matter(matter_id: int) -> DecisionMatter:
    return found(db.session.get(DecisionMatter, matter_id), _l("No such decision matter."))


def published_years() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(CatalogueYear.year)
            .where(CatalogueYear.published_at.is_not(None))
            .order_by(CatalogueYear.year.desc())
        )
    )


def all_years() -> list[CatalogueYear]:
    return list(db.session.scalars(sa.select(CatalogueYear).order_by(CatalogueYear.year.desc())))


def search_matters(
    *,
    year: int | None = None,
    department_id: int | None = None,
    status: str | None = None,
    hearing: bool | None = None,
    q: str | None = None,
    published_only: bool = True,
    visible_to: User | None = None,
) -> sa.Select:
    """The catalogue query behind the pages, the exports and the API.

    Without `q`, the matters in catalogue order (newest year first). With it, the matters
    whose title or summary match (`core.search`: pairs of Chinese characters, whole Latin
    words, Traditional typed as Simplified), best match first, then the newest year.
    Every year unless `year` is given; only published years unless `published_only` is off.
    """
    stmt = sa.select(DecisionMatter).join(DecisionMatter.catalogue)
    if published_only:
        stmt = stmt.where(CatalogueYear.published_at.is_not(None))
    if year is not None:
        stmt = stmt.where(DecisionMatter.year == year)
    if department_id is not None:
        stmt = stmt.where(DecisionMatter.department_id == department_id)
    if status:
        stmt = stmt.where(DecisionMatter.status == status)
    if hearing is not None:
        stmt = stmt.where(DecisionMatter.hearing == hearing)
    text = values.search_query(q, rules.MAX_QUERY)
    ranking: tuple = ()
    if text:
        # Only punctuation is a query for nothing, not for everything.
        found = search.match(
            search.parse(text, max_terms=rules.MAX_TERMS),
            (
                (DecisionMatter.title, search.TITLE_WEIGHT),
                (DecisionMatter.summary, search.SUMMARY_WEIGHT),
            ),
        )
        stmt = stmt.where(found.condition)
        ranking = found.ranking
    return stmt.order_by(*ranking, DecisionMatter.year.desc(), DecisionMatter.number)


def count_by_year(stmt: sa.Select) -> list[tuple[int, int]]:
    """(year, matters) of what a search_matters statement finds, newest year first."""
    found = stmt.order_by(None).subquery()
    return [
        (year, n)
        for year, n in db.session.execute(
            sa.select(found.c.year, sa.func.count())
            .group_by(found.c.year)
            .order_by(found.c.year.desc())
        )
    ]


def timeline(matter: DecisionMatter) -> list[audit.AuditEvent]:
    """The public history of a matter. Before publication nothing of it is public."""
    events = audit.events_for("decision_matter", matter.id)
    if matter.is_published:
        listed = next((e for e in events if e.action == "listed"), None)
        if listed is not None:
            # Drafting is not public: only what happened from the listing on.
            return [
                e
                for e in events
                if e.occurred_at >= listed.occurred_at and e.action not in ("edited", "created")
            ]
    return events


def public_record(matter: DecisionMatter, *, today: date) -> dict[str, Any]:
    """The public fields of a matter (schemas.Decision), shared by the API and the exports."""
    return _decision(matter, today).record()


def detail_record(matter: DecisionMatter, *, today: date) -> dict[str, Any]:
    """A matter with its adjustments, interpretations and public timeline
    (schemas.DecisionDetail)."""
    from consult.interpretation import services as interpretation

    return schemas.DecisionDetail(
        **dict(_decision(matter, today)),
        adjustments=[adjustment_record(a) for a in matter.adjustments],
        interpretations=[
            interpretation.interpretation_record(i) for i in interpretation.interpretations(matter)
        ],
        timeline=[
            schemas.TimelineEntry(
                at=e.occurred_at,
                action=e.action,
                details={k: v for k, v in e.details.items() if k != "adjustment_id"},
            )
            for e in timeline(matter)
        ],
    ).record()


def _decision(matter: DecisionMatter, today: date) -> schemas.Decision:
    return record_of(
        schemas.Decision,
        matter,
        lead_department=record_of(schemas.Department, matter.department),
        planned_time=matter.planned.code,
        procedures=[record_of(schemas.Procedure, p) for p in matter.procedures],
        completion=rules.completion(matter.status, matter.planned, matter.decision_date, today),
    )


def adjustment_record(adj: CatalogueAdjustment) -> schemas.Adjustment:
    return record_of(schemas.Adjustment, adj, actor=adj.actor.signature if adj.actor else None)
