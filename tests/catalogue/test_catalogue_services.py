"""Catalogue services for every role: matters, adjustments, lifecycle, publication, search."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
from consult.core import audit
from consult.core.audit import AuditEvent
from consult.core.audit import events_for
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.extensions import db as _db
from tests.helpers import decision

# The clock: drafted in March, published mid-March, worked on afterwards.
DRAFTING = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PUBLISHING = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
MUCH_LATER = datetime(2026, 9, 10, 2, 0, tzinfo=UTC)

PROCEDURE_KINDS = [
    "public_participation",
    "expert_argumentation",
    "risk_assessment",
    "legality_review",
    "collective_discussion",
]


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(DRAFTING)


def _build_cast(db, create_department, create_user):
    """Two departments and one actor of every kind; `own` is the lead department."""
    own = create_department(name="东湖区住房和城乡建设局", short_name="住建局")
    other = create_department(name="东湖区交通运输局", short_name="交通局")
    actors = {
        "admin": create_user("admin"),
        "own_officer": create_user("officer", department=own),
        "other_officer": create_user("officer", department=other),
        "representative": create_user("representative"),
        "resident": create_user("resident"),
    }
    return SimpleNamespace(own=own, other=other, actors=actors, **actors)


@pytest.fixture
def cast(prepared):
    """Built once per worker (`_build_cast`, in a prepared database)."""
    return prepared(_build_cast)


def matter_data(department, **overrides):
    return {
        "year": 2026,
        "title": "老旧小区停车设施改造",
        "summary": "对辖区老旧小区停车设施进行改造。",
        "department_id": department.id,
        "planned_time": "2026-Q3",
        "hearing": False,
        "procedures": {"public_participation": True, "legality_review": True},
        **overrides,
    }


def actions(matter) -> list[str]:
    return [e.action for e in events_for("decision_matter", matter.id)]


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def publish(matter, frozen, at=PUBLISHING):
    frozen(at)
    services.publish_catalogue(matter.catalogue, actor=SYSTEM)


# --- creating matters --------------------------------------------------------------------


# Who may do what to a department's matters: tests/accounts/test_role_matrix.py.


def test_an_officer_adds_a_matter_to_the_departments_draft_catalogue(db, cast):
    actor = cast.own_officer
    matter = services.create_matter(matter_data(cast.own), actor=actor)
    assert (matter.year, matter.number, matter.status) == (2026, 1, "planned")
    assert matter.department_id == cast.own.id
    assert (matter.planned_precision, matter.planned_index) == ("quarter", 3)
    assert matter.created_at == DRAFTING
    event = events_for("decision_matter", matter.id)[-1]
    assert (event.action, event.actor_id) == ("created", actor.id)
    assert matter.adjustments == []


def test_a_new_matter_lists_all_five_procedures_marking_the_required_ones(db, cast):
    matter = services.create_matter(
        matter_data(cast.own, procedures=["risk_assessment", "legality_review"]),
        actor=cast.own_officer,
    )
    assert [p.kind for p in matter.procedures] == PROCEDURE_KINDS
    assert {p.kind for p in matter.procedures if p.required} == {
        "risk_assessment",
        "legality_review",
    }
    assert all(p.done_on is None for p in matter.procedures)


def test_matters_are_numbered_within_their_year(db, cast):
    first = services.create_matter(matter_data(cast.own), actor=SYSTEM)
    second = services.create_matter(matter_data(cast.other, title="公交线网优化"), actor=SYSTEM)
    next_year = services.create_matter(
        matter_data(cast.own, year=2027, planned_time="2027-03"), actor=SYSTEM
    )
    assert [first.code, second.code, next_year.code] == ["2026-01", "2026-02", "2027-01"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"summary": "长" * 5001}, "summary"),
        ({"planned_time": "明年"}, "planned_time"),
        ({"planned_time": "2027-01"}, "planned_time"),
        ({"planned_time": "2026-13"}, "planned_time"),
        ({"hearing": "yes"}, "hearing"),
        ({"hearing": None}, "hearing"),
        ({"procedures": ["public_participation", "coin_toss"]}, "procedures"),
        ({"department_id": 999_999}, "department_id"),
        ({"department_id": "abc"}, "department_id"),
        ({"year": "next"}, "year"),
        ({"year": None}, "year"),
        ({"year": 1999, "planned_time": "1999-Q1"}, "year"),
    ],
)
def test_create_matter_refuses_broken_data(db, cast, overrides, field):
    with pytest.raises(RuleViolation) as exc:
        services.create_matter(matter_data(cast.own, **overrides), actor=cast.admin)
    assert exc.value.field == field
    assert count(DecisionMatter) == 0


def test_create_matter_refuses_an_inactive_department(db, cast):
    accounts.update_department(cast.other, {"active": False}, actor=cast.admin)
    with pytest.raises(RuleViolation) as exc:
        services.create_matter(matter_data(cast.other), actor=cast.admin)
    assert exc.value.field == "department_id"


def test_adding_to_a_published_catalogue_needs_a_reason(db, cast, create_matter, frozen):
    first = create_matter(cast.own)
    publish(first, frozen)
    frozen(LATER)
    with pytest.raises(RuleViolation) as exc:
        services.create_matter(matter_data(cast.own, title="新增事项"), actor=cast.own_officer)
    assert exc.value.field == "reason"
    assert count(DecisionMatter) == 1


def test_adding_to_a_published_catalogue_is_a_public_adjustment(db, cast, create_matter, frozen):
    first = create_matter(cast.own)
    publish(first, frozen)
    frozen(LATER)
    added = services.create_matter(
        matter_data(cast.own, title="新增：背街小巷整治", reason=" 区政府常务会议决定增补 "),
        actor=cast.own_officer,
    )
    (adjustment,) = added.adjustments
    assert adjustment.kind == "addition"
    assert adjustment.reason == "区政府常务会议决定增补"
    assert adjustment.actor_id == cast.own_officer.id
    assert adjustment.made_at == LATER
    assert adjustment.changes == [{"field": "title", "old": None, "new": "新增：背街小巷整治"}]
    assert {"adjusted", "listed"} <= set(actions(added))
    assert {e.action for e in services.timeline(added)} >= {"adjusted", "listed"}


# --- editing matters ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["own_officer", "other_officer"])
def test_who_may_edit_a_draft_matter(db, cast, create_matter, who):
    matter = create_matter(cast.own)
    assert services.can_edit_matter(cast.actors[who], matter) is (who == "own_officer")


def test_editing_a_draft_matter_changes_it_in_place(db, cast, create_matter):
    matter = create_matter(cast.own)
    title = "老旧小区停车设施改造（一期）"
    assert services.update_matter(matter, {"title": title}, actor=cast.own_officer) is None
    assert matter.title == title


def test_editing_a_draft_is_recorded_but_is_no_adjustment(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    frozen(DRAFTING.replace(day=5))
    result = services.update_matter(
        matter,
        {"title": "老旧小区停车设施改造（一期）", "planned_time": "2026-07"},
        actor=cast.own_officer,
    )
    assert result is None
    assert matter.adjustments == []
    assert count(CatalogueAdjustment) == 0
    assert matter.planned.code == "2026-07"
    assert matter.updated_at == DRAFTING.replace(day=5)
    event = events_for("decision_matter", matter.id)[-1]
    assert event.action == "edited"
    assert event.actor_id == cast.own_officer.id
    assert {c["field"] for c in event.details["changes"]} == {"title", "planned_time"}


def test_an_edit_that_changes_nothing_leaves_no_trace(db, cast, create_matter):
    matter = create_matter(cast.own)
    before = actions(matter)
    assert (
        services.update_matter(matter, {"title": "  老旧小区停车设施改造 "}, actor=cast.admin)
        is None
    )
    assert actions(matter) == before


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_changing_a_published_matter_without_a_reason_changes_nothing(
    db, cast, create_matter, frozen, reason
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(LATER)
    before = actions(matter)
    data = {"title": "换个标题", "planned_time": "2026-Q4", "hearing": True}
    if reason is not None:
        data["reason"] = reason
    with pytest.raises(RuleViolation) as exc:
        services.update_matter(matter, data, actor=cast.own_officer)
    assert exc.value.field == "reason"
    db.session.expire(matter)
    assert (matter.title, matter.planned.code, matter.hearing) == (
        "老旧小区停车设施改造",
        "2026-Q3",
        False,
    )
    assert matter.updated_at == DRAFTING
    assert count(CatalogueAdjustment) == 0
    assert actions(matter) == before


def test_changing_a_published_matter_with_a_reason_records_old_and_new(
    db, cast, create_matter, frozen
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(LATER)
    adjustment = services.update_matter(
        matter,
        {
            "title": "老旧小区停车设施改造（扩围）",
            "planned_time": "2026年第四季度",
            "procedures": ["public_participation", "legality_review", "risk_assessment"],
            "reason": "纳入更多小区，需开展风险评估",
        },
        actor=cast.own_officer,
    )
    assert isinstance(adjustment, CatalogueAdjustment)
    assert adjustment.kind == "change"
    assert adjustment.reason == "纳入更多小区，需开展风险评估"
    assert adjustment.actor_id == cast.own_officer.id
    assert adjustment.made_at == LATER
    changes = {c["field"]: (c["old"], c["new"]) for c in adjustment.changes}
    assert changes == {
        "title": ("老旧小区停车设施改造", "老旧小区停车设施改造（扩围）"),
        "planned_time": ("2026-Q3", "2026-Q4"),
        "procedures": (
            ["legality_review", "public_participation"],
            ["legality_review", "public_participation", "risk_assessment"],
        ),
    }
    assert matter.title == "老旧小区停车设施改造（扩围）"
    assert matter.procedure("risk_assessment").required is True
    assert matter.updated_at == LATER
    assert matter.adjustments == [adjustment]
    event = events_for("decision_matter", matter.id)[-1]
    assert event.action == "adjusted"
    assert event.details["reason"] == "纳入更多小区，需开展风险评估"
    assert event.details["adjustment_id"] == adjustment.id


def test_changing_a_published_matter_is_an_adjustment(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    data = {"hearing": True, "reason": "涉及群众切身利益，增加听证"}
    adjustment = services.update_matter(matter, data, actor=cast.own_officer)
    assert adjustment.changes == [{"field": "hearing", "old": False, "new": True}]


@pytest.mark.parametrize("published", [False, True])
def test_officer_cannot_move_a_matter_to_another_department(
    db, cast, create_matter, frozen, published
):
    matter = create_matter(cast.own)
    if published:
        publish(matter, frozen)
    with pytest.raises(Forbidden):
        services.update_matter(
            matter, {"department_id": cast.other.id, "reason": "移交"}, actor=cast.own_officer
        )
    db.session.expire(matter)
    assert matter.department_id == cast.own.id
    assert count(CatalogueAdjustment) == 0


def test_admin_moves_a_published_matter_and_the_adjustment_names_the_departments(
    db, cast, create_matter, frozen
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    adjustment = services.update_matter(
        matter, {"department_id": cast.other.id, "reason": "职能划转"}, actor=cast.admin
    )
    assert matter.department_id == cast.other.id
    assert adjustment.changes == [
        {"field": "department_id", "old": "东湖区住房和城乡建设局", "new": "东湖区交通运输局"}
    ]
    # From now on the other department's officer acts for it, and the first one no longer does.
    assert services.can_edit_matter(cast.other_officer, matter)
    assert not services.can_edit_matter(cast.own_officer, matter)


def test_a_withdrawn_matter_can_no_longer_be_edited(db, cast, create_matter):
    matter = create_matter(cast.own)
    services.withdraw_matter(matter, "不再需要", actor=cast.admin)
    assert not services.can_edit_matter(cast.admin, matter)
    with pytest.raises(RuleViolation):
        services.update_matter(matter, {"title": "复活"}, actor=cast.admin)


def test_deactivated_staff_cannot_edit(db, cast, create_matter):
    matter = create_matter(cast.own)
    accounts.update_user(cast.own_officer, {"active": False}, actor=cast.admin)
    assert not services.can_edit_matter(cast.own_officer, matter)
    with pytest.raises(Forbidden):
        services.update_matter(matter, {"title": "改了"}, actor=cast.own_officer)


# --- withdrawal --------------------------------------------------------------------------


def test_the_government_office_withdraws_a_matter(db, cast, create_matter):
    matter = create_matter(cast.own)
    services.withdraw_matter(matter, "上级政策调整", actor=cast.admin)
    assert matter.status == "withdrawn"


def test_an_officer_cannot_withdraw_through_change_status_either(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    with pytest.raises(Forbidden):
        services.change_status(matter, "withdrawn", {"reason": "不做了"}, actor=cast.own_officer)
    assert matter.status == "planned"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_withdrawal_needs_a_reason(db, cast, create_matter, reason):
    matter = create_matter(cast.own)
    with pytest.raises(RuleViolation) as exc:
        services.withdraw_matter(matter, reason, actor=cast.admin)
    assert exc.value.field == "reason"
    assert (matter.status, matter.withdrawal_reason) == ("planned", None)


def test_withdrawing_a_draft_matter_is_logged_without_adjustment(db, cast, create_matter):
    matter = create_matter(cast.own)
    services.withdraw_matter(matter, "  上级政策调整 ", actor=cast.admin)
    assert (matter.status, matter.withdrawal_reason) == ("withdrawn", "上级政策调整")
    assert matter.adjustments == []
    assert actions(matter)[-1] == "withdrawn"


def test_withdrawing_a_published_matter_is_a_public_adjustment(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(LATER)
    services.change_status(matter, "consulting", actor=cast.own_officer)
    services.withdraw_matter(matter, "上级政策调整", actor=cast.admin)
    (adjustment,) = matter.adjustments
    assert adjustment.kind == "withdrawal"
    assert adjustment.reason == "上级政策调整"
    assert adjustment.changes == [{"field": "status", "old": "consulting", "new": "withdrawn"}]


def test_a_decided_matter_cannot_be_withdrawn(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(MUCH_LATER)
    services.change_status(matter, "deliberating", actor=cast.admin)
    services.change_status(
        matter,
        "decided",
        decision(date(2026, 9, 1)),
        actor=cast.admin,
    )
    with pytest.raises(RuleViolation) as exc:
        services.withdraw_matter(matter, "后悔了", actor=cast.admin)
    assert exc.value.field == "status"
    assert matter.status == "decided"


# --- status lifecycle --------------------------------------------------------------------


def test_moving_a_matter_along_is_recorded(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(LATER)
    services.change_status(matter, "consulting", actor=cast.own_officer)
    assert matter.status == "consulting"
    assert matter.updated_at == LATER
    event = events_for("decision_matter", matter.id)[-1]
    assert event.action == "status_changed"
    assert event.details == {"from": "planned", "to": "consulting"}
    assert event.actor_id == cast.own_officer.id


def test_a_matter_waits_for_its_catalogue_to_be_published(db, cast, create_matter):
    matter = create_matter(cast.own)
    with pytest.raises(RuleViolation) as exc:
        services.change_status(matter, "consulting", actor=cast.admin)
    assert exc.value.field == "status"
    assert matter.status == "planned"


@pytest.mark.parametrize(
    "path, refused",
    [
        (["consulting"], "planned"),
        (["deliberating"], "consulting"),
        (["deliberating"], "planned"),
        ([], "decided"),
        (["consulting"], "decided"),
        ([], "planned"),
        ([], "archived"),
    ],
)
def test_status_moves_forward_only(db, cast, create_matter, frozen, path, refused):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    for status in path:
        services.change_status(matter, status, actor=cast.admin)
    before = matter.status
    with pytest.raises(RuleViolation) as exc:
        services.change_status(
            matter,
            refused,
            {"decision_date": date(2026, 3, 10), "decision_document_url": "https://gov.example/d"},
            actor=cast.admin,
        )
    assert exc.value.field == "status"
    assert matter.status == before


@pytest.fixture
def deliberating(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(MUCH_LATER)
    services.change_status(matter, "deliberating", actor=cast.own_officer)
    return matter


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "decision_date"),
        ({"decision_document_url": "https://gov.example/d/1"}, "decision_date"),
        (
            {"decision_date": "2026-09-01", "decision_document_url": "https://x.example/d"},
            "decision_date",
        ),
        ({"decision_date": date(2026, 9, 1)}, "decision_document_url"),
        (
            {"decision_date": date(2026, 9, 1), "decision_document_url": "  "},
            "decision_document_url",
        ),
        (
            {"decision_date": date(2026, 9, 1), "decision_document_url": "javascript:alert(1)"},
            "decision_document_url",
        ),
        (
            {"decision_date": date(2026, 9, 11), "decision_document_url": "https://x.example/d"},
            "decision_date",
        ),
        (
            {"decision_date": date(2025, 12, 31), "decision_document_url": "https://x.example/d"},
            "decision_date",
        ),
    ],
)
def test_deciding_needs_a_past_date_and_a_document_link(db, cast, deliberating, data, field):
    with pytest.raises(RuleViolation) as exc:
        services.change_status(deliberating, "decided", data, actor=cast.own_officer)
    assert exc.value.field == field
    assert deliberating.status == "deliberating"
    assert deliberating.decision_date is None


def test_deciding_records_the_date_and_the_document(db, cast, deliberating):
    services.change_status(
        deliberating,
        "decided",
        decision(date(2026, 9, 10), " https://gov.example/d/7 "),
        actor=cast.own_officer,
    )
    assert deliberating.status == "decided"
    assert deliberating.decision_date == date(2026, 9, 10)
    assert deliberating.decision_document_url == "https://gov.example/d/7"
    assert deliberating.is_closed
    event = next(
        e
        for e in events_for("decision_matter", deliberating.id)
        if e.action == "status_changed" and e.details["to"] == "decided"
    )
    assert event.details == {
        "from": "deliberating",
        "to": "decided",
        "decision_date": "2026-09-10",
        "document": "https://gov.example/d/7",
    }


# 07:30 in Shanghai on 1 September is still 31 August in UTC.
SHANGHAI_MORNING = datetime(2026, 8, 31, 23, 30, tzinfo=UTC)


def test_a_decision_dated_today_local_time_is_accepted_early_in_the_morning(
    db, cast, create_matter, frozen
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(SHANGHAI_MORNING)
    services.change_status(matter, "deliberating", actor=cast.own_officer)
    services.change_status(
        matter,
        "decided",
        decision(date(2026, 9, 1), "https://gov.example/d/9"),
        actor=cast.own_officer,
    )
    assert matter.decision_date == date(2026, 9, 1)


# --- statutory procedures ----------------------------------------------------------------


def test_recording_a_procedure_is_recorded(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    frozen(LATER)
    proc = services.record_procedure(
        matter, "public_participation", date(2026, 5, 1), actor=cast.own_officer
    )
    assert proc.done_on == date(2026, 5, 1)
    event = events_for("decision_matter", matter.id)[-1]
    assert event.action == "procedure_done"
    assert event.details == {"kind": "public_participation", "done_on": "2026-05-01"}


def test_clearing_a_procedure_reopens_it_and_repeating_is_quiet(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    frozen(LATER)
    services.record_procedure(matter, "legality_review", date(2026, 5, 1), actor=cast.own_officer)
    services.record_procedure(matter, "legality_review", date(2026, 5, 1), actor=cast.own_officer)
    services.record_procedure(matter, "legality_review", None, actor=cast.own_officer)
    assert matter.procedure("legality_review").done_on is None
    assert actions(matter)[-2:] == ["procedure_done", "procedure_reopened"]
    assert actions(matter).count("procedure_done") == 1


@pytest.mark.parametrize(
    "kind, done_on, field",
    [
        ("coin_toss", date(2026, 5, 1), "kind"),
        ("public_participation", date(2026, 5, 7), "done_on"),
    ],
)
def test_record_procedure_refuses_unknown_kinds_and_future_dates(
    db, cast, create_matter, frozen, kind, done_on, field
):
    matter = create_matter(cast.own)
    frozen(LATER)
    with pytest.raises(RuleViolation) as exc:
        services.record_procedure(matter, kind, done_on, actor=cast.own_officer)
    assert exc.value.field == field


def test_procedures_of_a_withdrawn_matter_are_frozen(db, cast, create_matter):
    matter = create_matter(cast.own)
    services.withdraw_matter(matter, "不再需要", actor=cast.admin)
    with pytest.raises(RuleViolation):
        services.record_procedure(matter, "legality_review", date(2026, 3, 1), actor=cast.admin)


def test_a_procedure_done_today_local_time_is_accepted_early_in_the_morning(
    db, cast, create_matter, frozen
):
    matter = create_matter(cast.own)
    frozen(SHANGHAI_MORNING)
    proc = services.record_procedure(
        matter, "legality_review", date(2026, 9, 1), actor=cast.own_officer
    )
    assert proc.done_on == date(2026, 9, 1)


# --- publication -------------------------------------------------------------------------


def test_the_government_office_publishes_the_catalogue(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    frozen(PUBLISHING)
    services.publish_catalogue(matter.catalogue, actor=cast.admin)
    assert matter.is_published
    assert matter.catalogue.published_at == PUBLISHING
    assert matter.catalogue.published_by_id == cast.admin.id


def test_publishing_lists_every_matter_of_the_year(db, cast, create_matter, frozen):
    first = create_matter(cast.own)
    second = create_matter(cast.other, title="公交线网优化")
    other_year = create_matter(cast.own, year=2027)
    publish(first, frozen)
    assert actions(first)[-1] == actions(second)[-1] == "listed"
    assert "listed" not in actions(other_year)
    (event,) = events_for("catalogue_year", 2026)[-1:]
    assert (event.action, event.details) == ("published", {"matters": 2})
    assert services.published_years() == [2026]


def test_a_catalogue_is_published_only_once(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(LATER)
    with pytest.raises(RuleViolation):
        services.publish_catalogue(matter.catalogue, actor=cast.admin)
    assert matter.catalogue.published_at == PUBLISHING
    assert actions(matter).count("listed") == 1


def test_an_empty_catalogue_cannot_be_published(db, cast):
    cat = services.get_or_create_year(2026, actor=cast.admin)
    with pytest.raises(RuleViolation):
        services.publish_catalogue(cat, actor=cast.admin)
    assert not cat.is_published


# --- search ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, cast, create_matter, frozen):
    """Published 2025 and 2026 catalogues and an unpublished 2027 draft."""
    m = SimpleNamespace(
        fees=create_matter(
            cast.other,
            year=2025,
            title="城区公共停车场收费标准调整",
            summary="对城区公共停车场和道路临时泊位实行差别化收费。",
        ),
        old_bus=create_matter(
            cast.other, year=2025, title="城区公交站台改造", summary="改造站台。"
        ),
        parking=create_matter(
            cast.own,
            title="老旧小区停车设施改造",
            summary="利用边角地增设停车泊位，缓解停车难。",
            hearing=True,
        ),
        bus=create_matter(
            cast.other, title="公交线网优化调整", summary="优化城区公交线路与站点设置。"
        ),
        school=create_matter(
            cast.other, title="中小学周边交通组织", summary="规范上下学时段接送车辆停车秩序。"
        ),
        percent=create_matter(cast.own, title="垃圾分类覆盖率提升至100%", summary="分类收运。"),
        underscore=create_matter(cast.other, title="智慧城市平台v2_升级", summary="平台升级。"),
    )
    publish(m.fees, frozen)
    publish(m.parking, frozen)
    frozen(LATER)
    services.change_status(m.bus, "consulting", actor=cast.admin)
    m.draft = create_matter(cast.own, year=2027, title="2027年停车收费标准调整")
    return m


def found(**criteria) -> list[str]:
    """The titles found, in the order found."""
    return [m.title for m in _db.session.scalars(services.search_matters(**criteria))]


def test_a_chinese_term_matches_inside_a_title_in_every_year(db, catalogue):
    assert found(q="停车") == [
        "老旧小区停车设施改造",
        "城区公共停车场收费标准调整",
        "中小学周边交通组织",
    ]


@pytest.mark.parametrize("q", ["停车位", "停車", "停車位", "车位", "車位"])
def test_words_residents_type_find_the_parking_matter_across_years(db, catalogue, q):
    titles = found(q=q)
    assert titles[:2] == ["老旧小区停车设施改造", "城区公共停车场收费标准调整"]


def test_a_title_match_weighs_more_than_a_summary_match_then_the_newest_year(db, catalogue):
    # 停车 in title and summary (2026, 2025, a tie broken by the year), then in a summary only.
    assert found(q="停车位") == [
        "老旧小区停车设施改造",
        "城区公共停车场收费标准调整",
        "中小学周边交通组织",
    ]


def test_more_of_the_query_matching_comes_before_the_newest_year(db, catalogue):
    # 停车 and 收费 in the 2025 title beat 停车 alone in 2026.
    assert found(q="停车收费")[:2] == ["城区公共停车场收费标准调整", "老旧小区停车设施改造"]


def test_a_matter_with_every_character_but_no_pair_comes_after_the_pairs(db, catalogue):
    # 车位: no matter holds the pair; 车 and 位 (停车泊位, 临时泊位) are in two of them.
    assert found(q="车位") == ["老旧小区停车设施改造", "城区公共停车场收费标准调整"]
    assert found(q="停车泊位")[0] == "老旧小区停车设施改造"


def test_a_single_chinese_character_is_a_query(db, catalogue):
    assert found(q="垃") == ["垃圾分类覆盖率提升至100%"]


def test_the_year_is_an_optional_filter(db, catalogue):
    assert found(q="停车", year=2025) == ["城区公共停车场收费标准调整"]
    assert found(q="停车", year=2026) == ["老旧小区停车设施改造", "中小学周边交通组织"]


def test_a_term_matches_the_summary_too(db, catalogue):
    assert found(q="公交线路") == ["公交线网优化调整", "城区公交站台改造"]


def test_latin_words_match_whole_and_regardless_of_case(db, catalogue):
    assert found(q="V2") == ["智慧城市平台v2_升级"]
    assert found(q="Ｖ２") == ["智慧城市平台v2_升级"]
    assert found(q="100%") == ["垃圾分类覆盖率提升至100%"]
    assert found(q="parking") == []


def test_unpublished_years_are_hidden_from_search(db, catalogue):
    assert found(year=2027) == []
    assert "2027年停车收费标准调整" not in found(q="停车")
    assert found(year=2027, published_only=False) == ["2027年停车收费标准调整"]


@pytest.mark.parametrize(
    "criteria, expected",
    [
        ({"year": 2026}, ["parking", "bus", "school", "percent", "underscore"]),
        ({"year": 2025}, ["fees", "old_bus"]),
        ({"status": "consulting"}, ["bus"]),
        ({"status": "planned", "year": 2026}, ["parking", "school", "percent", "underscore"]),
        ({"hearing": True}, ["parking"]),
        ({"status": "consulting", "hearing": True}, []),
    ],
)
def test_search_filters(db, catalogue, criteria, expected):
    assert found(**criteria) == [getattr(catalogue, name).title for name in expected]


def test_search_filters_by_department(db, cast, catalogue):
    assert found(department_id=cast.own.id, q="停车") == ["老旧小区停车设施改造"]


@pytest.mark.parametrize("q", ["%", "_", "\\", "？！", "……——", "%_%"])
def test_a_query_of_punctuation_only_finds_nothing(db, catalogue, q):
    assert found(q=q) == []


@pytest.mark.parametrize("q", ["老旧%停车", "平台_2"])
def test_like_wildcards_in_a_query_are_separators_not_wildcards(db, catalogue, q):
    assert found(q=q)[0] in ("老旧小区停车设施改造", "智慧城市平台v2_升级")


@pytest.mark.parametrize("q", ["停车\x00", "停" * 101, ["停车"], "\ud800"])
def test_a_query_that_cannot_be_one_is_a_rule_violation(db, catalogue, q):
    with pytest.raises(RuleViolation) as caught:
        found(q=q)
    assert caught.value.field == "q"


def test_without_a_query_results_come_in_catalogue_order_newest_year_first(db, catalogue):
    stmt = services.search_matters()
    assert [m.code for m in db.session.scalars(stmt)] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2025-01",
        "2025-02",
    ]


def test_matches_are_counted_by_year(db, catalogue):
    assert services.count_by_year(services.search_matters(q="停车")) == [(2026, 2), (2025, 1)]


# --- database backstops ------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_database_refuses_an_adjustment_without_reason(db, cast, create_matter, reason):
    matter = create_matter(cast.own)
    with pytest.raises(IntegrityError, match="ck_catalogue_adjustment_reason_required"):  # noqa: SIM117
        with db.session.begin_nested():
            db.session.add(
                CatalogueAdjustment(
                    matter_id=matter.id, made_at=DRAFTING, kind="change", changes=[], reason=reason
                )
            )
    assert count(CatalogueAdjustment) == 0


@pytest.mark.parametrize(
    "change, constraint",
    [
        ({"status": "decided"}, "ck_decision_matter_decided_has_date"),
        (
            {"status": "withdrawn", "withdrawal_reason": " "},
            "ck_decision_matter_withdrawn_has_reason",
        ),
        (
            {"planned_precision": "quarter", "planned_index": 5},
            "ck_decision_matter_planned_time_valid",
        ),
        ({"status": "archived"}, "ck_decision_matter_status_known"),
    ],
)
def test_the_database_refuses_inconsistent_matters(db, cast, create_matter, change, constraint):
    matter = create_matter(cast.own)
    with pytest.raises(IntegrityError, match=constraint):  # noqa: SIM117
        with db.session.begin_nested():
            db.session.execute(
                sa.update(DecisionMatter).where(DecisionMatter.id == matter.id).values(**change)
            )
    db.session.expire(matter)
    assert matter.status == "planned"


def test_the_database_refuses_an_implausible_year(db):
    with pytest.raises(IntegrityError, match="ck_catalogue_year_year_plausible"):  # noqa: SIM117
        with db.session.begin_nested():
            db.session.add(CatalogueYear(year=1850))


# --- public timeline ---------------------------------------------------------------------


def test_the_public_timeline_starts_at_publication(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    frozen(DRAFTING.replace(day=9))
    services.update_matter(matter, {"summary": "草稿修改"}, actor=cast.own_officer)
    assert [e.action for e in services.timeline(matter)] == ["created", "edited"]
    publish(matter, frozen)
    frozen(LATER)
    services.update_matter(matter, {"hearing": True, "reason": "增加听证"}, actor=cast.admin)
    frozen(MUCH_LATER)
    services.change_status(matter, "consulting", actor=cast.own_officer)
    services.record_procedure(matter, "public_participation", date(2026, 9, 9), actor=cast.admin)
    assert [e.action for e in services.timeline(matter)] == [
        "listed",
        "adjusted",
        "status_changed",
        "procedure_done",
    ]
    # The full log still holds the draft history.
    assert actions(matter)[:2] == ["created", "edited"]


# --- the audit log is append-only --------------------------------------------------------


def _some_event(db, cast, create_matter) -> AuditEvent:
    matter = create_matter(cast.own)
    return events_for("decision_matter", matter.id)[0]


def test_an_audit_event_cannot_be_modified(db, cast, create_matter):
    event = _some_event(db, cast, create_matter)
    event.action = "forged"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_an_audit_event_cannot_be_deleted(db, cast, create_matter):
    event = _some_event(db, cast, create_matter)
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()


def test_adding_audit_events_is_allowed_alongside_others(db, cast, create_matter):
    event = _some_event(db, cast, create_matter)
    before = count(AuditEvent)
    audit.record_key("catalogue_year", 2026, "noted", actor=cast.admin)
    db.session.flush()
    assert count(AuditEvent) == before + 1
    assert event.action == "created"


# --- postponing into the next year's catalogue -------------------------------------------

POSTPONE = {"planned_time": "2027-Q2", "reason": "上位政策尚未出台，决策时间顺延至下一年度。"}


def test_a_postponed_matter_moves_into_next_year_and_both_years_list_it(
    db, cast, create_matter, frozen
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(MUCH_LATER)
    old_code = matter.code
    adjustment = services.postpone_matter(matter, POSTPONE, actor=cast.own_officer)
    assert (matter.year, matter.planned.code) == (2027, "2027-Q2")
    assert db.session.get(CatalogueYear, 2027) is not None  # next year's draft, made for it
    assert adjustment.kind == "postponement" and adjustment.from_year == 2026
    assert adjustment.reason == POSTPONE["reason"]
    assert adjustment.changed("code") == {"field": "code", "old": old_code, "new": matter.code}
    assert adjustment.changed("planned_time")["old"] == "2026-Q3"
    # The year it left lists it as postponed; the year it joined as carried over.
    assert [a.matter_id for a in services.postponed_from(2026)] == [matter.id]
    assert services.carried_over([matter.id]) == {matter.id: adjustment}
    # Next year's catalogue is a draft, but the matter stays public.
    assert matter.is_published
    assert actions(matter)[-1] == "adjusted"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**POSTPONE, "reason": "  "}, "reason"),
        ({**POSTPONE, "planned_time": "2026-Q4"}, "planned_time"),
        ({**POSTPONE, "planned_time": "2028-01"}, "planned_time"),
        ({**POSTPONE, "planned_time": ""}, "planned_time"),
    ],
)
def test_a_postponement_needs_a_time_next_year_and_a_reason(
    db, cast, create_matter, frozen, data, field
):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    with pytest.raises(RuleViolation) as info:
        services.postpone_matter(matter, data, actor=cast.own_officer)
    assert info.value.field == field
    assert (matter.year, matter.adjustments) == (2026, [])


def test_a_draft_or_closed_matter_is_not_postponed(db, cast, create_matter, frozen):
    draft = create_matter(cast.own)
    with pytest.raises(RuleViolation):
        services.postpone_matter(draft, POSTPONE, actor=cast.own_officer)
    publish(draft, frozen)
    services.withdraw_matter(draft, "上级政策调整", actor=cast.admin)
    with pytest.raises(RuleViolation):
        services.postpone_matter(draft, POSTPONE, actor=cast.admin)
    assert draft.year == 2026


def test_a_matter_postponed_twice_is_listed_by_each_year_it_left(db, cast, create_matter, frozen):
    matter = create_matter(cast.own)
    publish(matter, frozen)
    frozen(MUCH_LATER)
    services.postpone_matter(matter, POSTPONE, actor=cast.own_officer)
    services.postpone_matter(
        matter, {"planned_time": "2028-03", "reason": "再次顺延。"}, actor=cast.admin
    )
    assert matter.year == 2028
    assert [a.matter_id for a in services.postponed_from(2026)] == [matter.id]
    assert [a.matter_id for a in services.postponed_from(2027)] == [matter.id]
    assert services.carried_over([matter.id])[matter.id].from_year == 2027


def test_the_database_refuses_a_postponement_without_its_year(db, cast, create_matter):
    matter = create_matter(cast.own)
    db.session.add(
        CatalogueAdjustment(matter=matter, kind="postponement", changes=[], reason="理由")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
