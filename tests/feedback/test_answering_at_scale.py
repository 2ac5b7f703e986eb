"""Answering many comments at once: selections, set-based answers, drafts, assignment, and
the answer-progress tally that the workspace and the dashboard read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import SYSTEM
from consult.comments.models import AnswerProgress
from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup
from consult.comments.services import receipt_record
from consult.core.audit import AuditEvent
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.feedback import progress
from consult.feedback import selection
from consult.feedback import services
from tests.helpers import ADOPTED
from tests.helpers import NOT_ADOPTED
from tests.helpers import Scenario
from tests.helpers import api_call
from tests.helpers import english
from tests.helpers import login
from tests.helpers import post
from tests.helpers import submit

GROUP_ANSWER = {"disposition": "not_adopted", "reason": "车棚保留与否将在改造方案中统一研究。"}


def group_of(s: Scenario) -> int:
    return s.dup1.duplicate_group_id


def recount(db, consultation_id: int) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The tally as a GROUP BY over the comments would make it."""
    cell = progress._CELL  # the same expressions in the SELECT and the GROUP BY (PostgreSQL)
    rows = db.session.execute(
        sa.select(*cell, sa.func.count())
        .where(Comment.consultation_id == consultation_id, Comment.grouped_at.is_not(None))
        .group_by(*cell)
    ).all()
    cells: dict[tuple[int, int], list[int]] = {}
    for clause, who, state, n in rows:
        cell = cells.setdefault((clause, who), [0, 0, 0])
        cell[0] += n
        cell[1] += n if state == progress.DRAFTED else 0
        cell[2] += n if state == progress.ANSWERED else 0
    return {k: tuple(v) for k, v in cells.items()}


def tally(db, consultation_id: int) -> dict[tuple[int, int], tuple[int, int, int]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(AnswerProgress).where(AnswerProgress.consultation_id == consultation_id)
    )
    return {
        (r.clause_key, r.assignee_key): (r.comments, r.drafted, r.answered)
        for r in rows
        if r.comments
    }


# --- set-based answers -------------------------------------------------------------------


def test_a_whole_group_is_answered_in_one_event_and_every_receipt_shows_its_answer(
    scenario, db, world
):
    s = scenario
    officer = world.users["own_officer"]
    n = services.answer_selection(
        s.consultation, {"group_id": group_of(s)}, GROUP_ANSWER, actor=officer
    )
    db.session.commit()
    assert n == 2
    db.session.expire_all()
    for member in (s.dup1, s.dup2):
        comment = db.session.get(Comment, member.id)
        answer = comment.answer
        assert (answer.disposition, answer.reason) == ("not_adopted", GROUP_ANSWER["reason"])
        assert answer.by_id == officer.id
        # written once, in the group's row, which the members read
        assert answer.shared and comment.disposition is None
        assert receipt_record(comment)["disposition"] is None  # public with the feedback only
    assert db.session.get(Comment, s.a.id).answer is None
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "answered_in_bulk")
    ).all()
    assert len(events) == 1
    assert events[0].details["selection"] == {"group_id": group_of(s)}
    assert events[0].details["count"] == 2


def test_the_rest_of_a_group_keeps_the_answers_already_given(scenario, db):
    s = scenario
    services.dispose_comment(s.dup1, ADOPTED, actor=SYSTEM)
    n = services.answer_selection(
        s.consultation,
        {"group_id": group_of(s), "state": "unanswered"},
        GROUP_ANSWER,
        actor=SYSTEM,
    )
    assert n == 1
    db.session.expire_all()
    kept, rest = (db.session.get(Comment, c.id).answer for c in (s.dup1, s.dup2))
    assert (kept.disposition, kept.shared) == ("adopted", False)
    assert (rest.disposition, rest.shared) == ("not_adopted", True)
    # nobody is left in the group without an answer
    with pytest.raises(RuleViolation) as info:
        services.answer_selection(
            s.consultation,
            {"group_id": group_of(s), "state": "unanswered"},
            GROUP_ANSWER,
            actor=SYSTEM,
        )
    assert info.value.code == "empty_selection"


def test_a_whole_group_answer_replaces_its_members_own_answers(scenario, db):
    s = scenario
    services.dispose_comment(s.dup1, ADOPTED, actor=SYSTEM)
    assert (
        services.answer_selection(
            s.consultation, {"group_id": group_of(s)}, GROUP_ANSWER, actor=SYSTEM
        )
        == 2
    )
    db.session.expire_all()
    for member in (s.dup1, s.dup2):
        answer = db.session.get(Comment, member.id).answer
        assert (answer.disposition, answer.shared) == ("not_adopted", True)


def test_a_member_answered_on_its_own_keeps_that_answer_over_its_groups(scenario, db):
    s = scenario
    services.answer_selection(s.consultation, {"group_id": group_of(s)}, GROUP_ANSWER, actor=SYSTEM)
    services.dispose_comment(s.dup2, ADOPTED, actor=SYSTEM)
    db.session.expire_all()
    assert db.session.get(Comment, s.dup1.id).answer.disposition == "not_adopted"
    assert db.session.get(Comment, s.dup2.id).answer.disposition == "adopted"
    # the filters read the answer each member has
    answered = {"state": "answered", "group_id": group_of(s)}
    page = selection.comments_page(s.consultation, selection.parse(answered, s.consultation))
    assert {c.id for c in page.comments} == {s.dup1.id, s.dup2.id}


@pytest.mark.parametrize("chosen", [{}, {"state": "unanswered"}])
def test_every_comment_at_once_answers_the_groups_in_their_rows(scenario, db, chosen):
    s = scenario
    services.dispose_comment(s.dup1, ADOPTED, actor=SYSTEM)
    services.dispose_comment(s.a, ADOPTED, actor=SYSTEM)
    before = services.open_answers(s.consultation)
    n = services.answer_selection(s.consultation, chosen, GROUP_ANSWER, actor=SYSTEM)
    assert n == (before if chosen else before + 2)
    assert services.open_answers(s.consultation) == 0
    assert tally(db, s.consultation.id) == recount(db, s.consultation.id)
    db.session.expire_all()
    dup1, dup2, a = (db.session.get(Comment, c.id).answer for c in (s.dup1, s.dup2, s.a))
    assert (dup2.disposition, dup2.shared) == ("not_adopted", True)
    # everything: the own answers give way; the unanswered ones only: they stay
    assert (dup1.disposition, a.disposition) == (
        ("adopted", "adopted") if chosen else ("not_adopted", "not_adopted")
    )
    assert dup1.shared is not bool(chosen)
    assert db.session.get(Comment, s.hotline.id).answer.shared is False


def test_a_groups_drafted_answer_is_confirmed_in_the_group_or_member_by_member(scenario, db):
    s = scenario
    drafted = GROUP_ANSWER | {"draft": True}
    services.answer_selection(s.consultation, {"group_id": group_of(s)}, drafted, actor=SYSTEM)
    assert services.open_answers(s.consultation) >= 2
    # a filter that meets one member only: it gets the group's answer as its own, confirmed
    assert services.confirm_drafts(s.consultation, {"comment_ids": [s.dup1.id]}, actor=SYSTEM) == 1
    db.session.expire_all()
    one, two = (db.session.get(Comment, c.id).answer for c in (s.dup1, s.dup2))
    assert (one.disposition, one.reason, one.draft, one.shared) == (
        "not_adopted",
        GROUP_ANSWER["reason"],
        False,
        False,
    )
    assert (two.draft, two.shared) == (True, True)
    # the group: its row
    assert services.confirm_drafts(s.consultation, {"group_id": group_of(s)}, actor=SYSTEM) == 1
    db.session.expire_all()
    assert db.session.get(Comment, s.dup2.id).answer.draft is False


def test_a_filter_selection_answers_only_what_it_matches(scenario, db):
    s = scenario
    n = services.answer_selection(
        s.consultation,
        {"source": "hotline", "state": "unanswered"},
        NOT_ADOPTED,
        actor=SYSTEM,
    )
    assert n == 1
    db.session.expire_all()
    assert db.session.get(Comment, s.hotline.id).disposition == "not_adopted"
    assert db.session.get(Comment, s.a.id).disposition is None
    # clause 1 holds comment a only; text search finds the duplicate pair
    assert services.answer_selection(s.consultation, {"clause": 1}, ADOPTED, actor=SYSTEM) == 1
    assert (
        services.answer_selection(s.consultation, {"q": "自行车棚"}, NOT_ADOPTED, actor=SYSTEM) == 2
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_set_based_answer_without_a_reason_is_refused_and_changes_nothing(scenario, db, reason):
    s = scenario
    with pytest.raises(RuleViolation) as info:
        services.answer_selection(
            s.consultation,
            {"group_id": group_of(s)},
            {"disposition": "not_adopted", "reason": reason},
            actor=SYSTEM,
        )
    assert info.value.field == "reason"
    db.session.rollback()
    assert db.session.get(Comment, s.dup1.id).disposition is None


@pytest.mark.parametrize("holder", [Comment, DuplicateGroup])
def test_the_database_refuses_a_bulk_update_without_a_reason(scenario, db, holder):
    """The reason_if_not_adopted CHECK holds for set-based statements, on both databases, in
    a comment's row and in a group's."""
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(holder)
            .where(holder.consultation_id == scenario.consultation.id)
            .values(disposition="not_adopted", disposition_reason="  ")
        )
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("chosen", "field"),
    [
        ({"colour": "red"}, "selection.colour"),
        ({"state": "forgotten"}, "selection.state"),
        ({"source": "pigeon"}, "selection.source"),
        ({"clause": 99}, "selection.clause"),
        ({"clause": -1}, "selection.clause"),
        ({"group_id": "x"}, "selection.group_id"),
        ({"submitted_from": "2026-13-40"}, "selection.submitted_from"),
        ({"submitted_from": "2026-10-02", "submitted_to": "2026-10-01"}, "selection.submitted_to"),
        ({"q": "车" * 101}, "q"),
        ({"comment_ids": []}, "selection.comment_ids"),
        ("everything", "selection"),
    ],
)
def test_a_selection_with_unknown_fields_or_values_names_the_field(scenario, chosen, field):
    with pytest.raises(RuleViolation) as info:
        services.answer_selection(scenario.consultation, chosen, ADOPTED, actor=SYSTEM)
    assert info.value.field == field


def test_a_group_of_another_consultation_is_refused(scenario, db, world):
    s = scenario
    twin1 = submit(s.other_consultation, body="重复的意见：学区划分应当公开听证。")
    submit(s.other_consultation, body="重复的意见：学区划分应当公开听证。")
    db.session.commit()
    db.session.expire_all()
    foreign = db.session.get(Comment, twin1.id).duplicate_group_id
    assert foreign is not None
    with pytest.raises(RuleViolation) as info:
        services.answer_selection(s.consultation, {"group_id": foreign}, ADOPTED, actor=SYSTEM)
    assert info.value.field == "selection.group_id"


def test_a_selection_that_matches_nothing_is_refused(scenario):
    with pytest.raises(RuleViolation) as info:
        services.answer_selection(
            scenario.consultation, {"source": "letter"}, ADOPTED, actor=SYSTEM
        )
    assert info.value.code == "empty_selection"


def test_an_officer_of_another_department_cannot_answer_in_bulk(scenario, world):
    with pytest.raises(Forbidden):
        services.answer_selection(
            scenario.consultation,
            {"group_id": group_of(scenario)},
            ADOPTED,
            actor=world.users["other_officer"],
        )


# --- drafts ------------------------------------------------------------------------------


def test_drafted_answers_hold_the_feedback_until_confirmed(closed, db, world):
    s = closed
    for c in s.comments:
        services.dispose_comment(c, {**NOT_ADOPTED, "draft": c is s.b}, actor=SYSTEM)
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(s.consultation, {"summary": "修改说明。"}, actor=SYSTEM)
    assert info.value.code == "feedback_incomplete"
    assert s.b.receipt in str(info.value.message)
    assert services.confirm_drafts(s.consultation, {"state": "drafted"}, actor=SYSTEM) == 1
    services.publish_feedback(s.consultation, {"summary": "修改说明。"}, actor=SYSTEM)


# --- assignment --------------------------------------------------------------------------


@pytest.fixture
def head(world, create_user):
    return create_user(
        "officer", department=world.dept, display_name="住建局张处长", department_head=True
    )


def test_the_head_or_the_office_assigns_to_officers_of_the_department(scenario, world, head, db):
    s, officer = scenario, world.users["own_officer"]
    assert services.assign_selection(s.consultation, {"clause": 1}, officer, actor=head) == 1
    assert (
        services.assign_selection(
            s.consultation, {"group_id": group_of(s)}, officer, actor=world.users["admin"]
        )
        == 2
    )
    mine = selection.comments_page(
        s.consultation,
        selection.parse({"assignee": officer.id, "state": "unanswered"}, s.consultation),
    )
    assert sorted(c.id for c in mine.comments) == sorted([s.a.id, s.dup1.id, s.dup2.id])


def test_an_assignment_respects_the_department_boundary(scenario, world, head):
    s = scenario
    # to an officer of another department: refused
    with pytest.raises(RuleViolation) as info:
        services.assign_selection(
            s.consultation, {"clause": 1}, world.users["other_officer"], actor=head
        )
    assert info.value.field == "officer"
    # by an officer who is not the head, or by another department: refused
    for actor in (world.users["own_officer"], world.users["other_officer"]):
        with pytest.raises(Forbidden):
            services.assign_selection(s.consultation, {"clause": 1}, head, actor=actor)


def test_only_an_officer_heads_a_department(world, create_user):
    with pytest.raises(RuleViolation) as info:
        create_user("resident", department_head=True)
    assert info.value.field == "department_head"


# --- the tally ---------------------------------------------------------------------------


def test_the_tally_agrees_with_a_recount_after_every_kind_of_change(scenario, world, head, db):
    s, officer = scenario, world.users["own_officer"]
    cid = s.consultation.id
    assert tally(db, cid) == recount(db, cid)
    services.assign_selection(s.consultation, {"group_id": group_of(s)}, officer, actor=head)
    services.dispose_comment(s.dup1, {**NOT_ADOPTED, "draft": True}, actor=SYSTEM)
    services.answer_selection(s.consultation, {"clause": 2}, ADOPTED, actor=SYSTEM)
    services.assign_selection(s.consultation, {"state": "unanswered"}, head, actor=head)
    services.confirm_drafts(s.consultation, {"assignee": officer.id}, actor=SYSTEM)
    services.assign_selection(s.consultation, {"clause": 1}, None, actor=head)
    db.session.commit()
    assert tally(db, cid) == recount(db, cid)
    figures = services.answer_progress_of(s.consultation)
    assert figures.total.comments == 6
    assert figures.total.answered == 2  # b (adopted) and dup1 (confirmed)
    assert figures.by_officer[officer.id].answered == 1
    # a group's answer in its row, drafted, then confirmed in part and in whole
    group = {"group_id": group_of(s)}
    services.answer_selection(s.consultation, group, {**NOT_ADOPTED, "draft": True}, actor=SYSTEM)
    assert tally(db, cid) == recount(db, cid)
    services.confirm_drafts(s.consultation, {"comment_ids": [s.dup2.id]}, actor=SYSTEM)
    assert tally(db, cid) == recount(db, cid)
    services.answer_selection(s.consultation, {"state": "unanswered"}, ADOPTED, actor=SYSTEM)
    services.dispose_comment(s.dup1, {**NOT_ADOPTED, "draft": True}, actor=SYSTEM)
    services.confirm_drafts(s.consultation, group, actor=SYSTEM)
    assert tally(db, cid) == recount(db, cid)
    assert services.answer_progress_of(s.consultation).total.answered == 6


# --- the workspace page ------------------------------------------------------------------


def test_a_page_looks_through_a_bounded_window_and_offers_to_go_on(scenario, monkeypatch):
    s = scenario
    monkeypatch.setattr(selection, "SCAN_WINDOW", 2)
    chosen = selection.parse({"source": "hotline"}, s.consultation)
    first = selection.comments_page(s.consultation, chosen)
    assert first.comments == [] and first.scanned_to is not None
    seen = []
    page = first
    while page.next_after is not None:
        page = selection.comments_page(s.consultation, chosen, after=page.next_after)
        seen += [c.id for c in page.comments]
    assert seen == [s.hotline.id]


def test_the_workspace_answers_a_filter_selection_and_shows_progress(closed, world, client, db):
    login(client, world.users["own_officer"])
    base = closed.base
    response = post(
        client,
        f"{base}/dispose?state=unanswered&source=online",
        {
            "scope": "filter",
            "bulk-disposition": "not_adopted",
            "bulk-reason": "统一答复：将在实施细则中研究。",
            "bulk-everything": "y",
        },
        prefix="bulk",
    )
    assert response.status_code == 303
    assert "state=unanswered" in response.headers["Location"]
    page = client.get(base).get_data(as_text=True)
    assert "5 of 6" in page or "已答复" in page
    db.session.expire_all()
    assert db.session.get(Comment, closed.hotline.id).disposition is None


# --- the API -----------------------------------------------------------------------------


def dispositions(client, s, token, body):
    return api_call(
        client, "POST", f"/api/v1/consultations/{s.consultation.id}/dispositions", token, json=body
    )


def test_the_api_answers_a_selection(scenario, world, client, db):
    body = {"selection": {"group_id": group_of(scenario)}, **GROUP_ANSWER}
    response = dispositions(client, scenario, world.tokens["own_officer"], body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"updated": 2}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"selection": {"colour": "red"}, **ADOPTED}, "selection.colour"),
        ({"selection": {"state": "later"}, **ADOPTED}, "selection.state"),
        ({"selection": {"clause": 99}, **ADOPTED}, "selection.clause"),
        ({"selection": {"source": "letter"}, **ADOPTED}, "selection"),
        ({"selection": {"source": "online"}, "disposition": "not_adopted"}, "reason"),
    ],
)
def test_the_api_refuses_a_bad_selection_with_422_naming_the_field(
    scenario, world, client, body, field
):
    response = dispositions(client, scenario, world.tokens["own_officer"], body)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_the_api_refuses_another_departments_officer(scenario, world, client, db):
    body = {"selection": {"group_id": group_of(scenario)}, **GROUP_ANSWER}
    response = dispositions(client, scenario, world.tokens["other_officer"], body)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, scenario.dup1.id).disposition is None


def test_the_dashboard_shows_the_progress_and_the_officers_own_share(
    closed, world, head, client, db
):
    officer = world.users["own_officer"]
    services.assign_selection(closed.consultation, {"clause": 1}, officer, actor=head)
    services.dispose_comment(closed.b, ADOPTED, actor=SYSTEM)
    db.session.commit()
    login(client, officer)
    english(client)
    page = client.get("/manage/").get_data(as_text=True)
    assert "1 of 6 comments answered" in page
    assert f"assignee={officer.id}" in page and "Mine, not yet answered (1)" in page
