"""Feedback services: answering comments (drafted while the window is open) (one, in bulk, a duplicate
group at once), answer templates, publishing the feedback, corrections as new report
versions, the database backstops, the overdue queries and the department boundary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.feedback import rules
from consult.feedback import services
from consult.feedback.models import AnswerTemplate
from consult.feedback.models import FeedbackReport
from consult.feedback.models import ReportStatus
from tests.helpers import ADOPTED
from tests.helpers import BODIES
from tests.helpers import DAY
from tests.helpers import NOT_ADOPTED
from tests.helpers import SECOND
from tests.helpers import answer_all
from tests.helpers import count

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")


def english(message) -> str:
    with force_locale("en"):
        return str(message)


def refresh(db, *objs) -> None:
    db.session.expire_all()
    for obj in objs:
        db.session.refresh(obj)


def actions(object_type: str, object_id: int) -> list[str]:
    return [e.action for e in audit.events_for(object_type, object_id)]


# --- drafting from the opening, publishing after the closing ----------------------------


@pytest.mark.parametrize(
    ("at", "answerable", "publishable"),
    [
        (lambda c: c.opens_at - SECOND, False, False),
        (lambda c: c.opens_at, True, False),
        (lambda c: c.closes_at - SECOND, True, False),
        (lambda c: c.closes_at, True, True),
        (lambda c: c.closes_at + 90 * DAY, True, True),
    ],
)
def test_answers_are_drafted_from_the_opening_and_published_after_the_closing(
    scenario, clock, db, at, answerable, publishable
):
    moment = clock.set(at(scenario.consultation))
    if answerable:
        answer_all(scenario)
        assert scenario.a.disposition == "adopted"
        assert scenario.a.disposed_at == moment
    else:
        with pytest.raises(RuleViolation) as info:
            services.dispose_comment(scenario.a, ADOPTED, actor=SYSTEM)
        assert info.value.field is None
        with pytest.raises(RuleViolation):
            services.dispose_comments(scenario.consultation, [scenario.a.id], ADOPTED, actor=SYSTEM)
        refresh(db, scenario.a)
        assert scenario.a.disposition is None
    if publishable:
        services.publish_feedback(scenario.consultation, {"summary": "摘要"}, actor=SYSTEM)
        assert scenario.consultation.feedback_published_at == moment
    else:
        with pytest.raises(RuleViolation):
            services.publish_feedback(scenario.consultation, {"summary": "摘要"}, actor=SYSTEM)
        assert scenario.consultation.feedback_published_at is None


# --- one comment -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_adopted_needs_no_reason(closed, world, db, reason):
    officer = world.users["own_officer"]
    comment = services.dispose_comment(
        closed.a, {"disposition": "adopted", "reason": reason}, actor=officer
    )
    assert comment.disposition == "adopted"
    assert comment.disposition_reason is None
    assert comment.disposed_by_id == officer.id
    events = audit.events_for("comment", closed.a.id)
    assert events[-1].action == "disposed"
    assert events[-1].details == {"disposition": "adopted", "previous": None}
    assert events[-1].actor_id == officer.id


@pytest.mark.parametrize("disposition", ["partly_adopted", "not_adopted", "not_applicable"])
@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_every_answer_but_adopted_is_refused_without_a_reason(closed, db, disposition, reason):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(
            closed.b, {"disposition": disposition, "reason": reason}, actor=SYSTEM
        )
    assert info.value.field == "reason"
    refresh(db, closed.b)
    assert closed.b.disposition is None and closed.b.disposition_reason is None


@pytest.mark.parametrize("disposition", ["partly_adopted", "not_adopted", "not_applicable"])
def test_an_answer_with_its_reason_is_recorded(closed, db, disposition):
    services.dispose_comment(
        closed.b, {"disposition": disposition, "reason": "  理由如下。 "}, actor=SYSTEM
    )
    db.session.commit()
    refresh(db, closed.b)
    assert (closed.b.disposition, closed.b.disposition_reason) == (disposition, "理由如下。")


@pytest.mark.parametrize("disposition", [None, "", "rejected", "Adopted"])
def test_an_unknown_disposition_is_refused(closed, disposition):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(
            closed.a, {"disposition": disposition, "reason": "理由"}, actor=SYSTEM
        )
    assert info.value.field == "disposition"


def test_changing_an_answer_is_audited_with_the_previous_disposition(closed):
    services.dispose_comment(closed.a, NOT_ADOPTED, actor=SYSTEM)
    services.dispose_comment(closed.a, ADOPTED, actor=SYSTEM)
    services.dispose_comment(closed.a, ADOPTED, actor=SYSTEM)  # no change: no new event
    events = [e for e in audit.events_for("comment", closed.a.id) if e.action == "disposed"]
    assert [e.details for e in events] == [
        {"disposition": "not_adopted", "previous": None},
        {"disposition": "adopted", "previous": "not_adopted"},
    ]


# --- "not applicable": a duplicate of another comment ------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        lambda s: s.a.receipt,
        lambda s: f"  {s.a.receipt.lower()} ",
        lambda s: s.a.id,
        lambda s: str(s.a.id),
    ],
    ids=["receipt", "receipt-typed-loosely", "id", "id-as-text"],
)
def test_not_applicable_may_point_to_the_comment_it_duplicates(closed, db, ref):
    services.dispose_comment(
        closed.b,
        {"disposition": "not_applicable", "reason": "与 A 意见相同。", "duplicate_of": ref(closed)},
        actor=SYSTEM,
    )
    db.session.commit()
    refresh(db, closed.b)
    assert closed.b.duplicate_of_id == closed.a.id
    assert closed.b.duplicate_of.receipt == closed.a.receipt


@pytest.mark.parametrize(
    "ref",
    [
        lambda s: s.other.receipt,  # another consultation's comment
        lambda s: s.other.id,
        lambda s: str(s.other.id),
        lambda s: "ZX-2026-2222-2222",  # no such receipt
        lambda s: 2**31 - 1,  # no such id
        lambda s: s.b.receipt,  # itself
        lambda s: s.b.id,
    ],
    ids=["other-receipt", "other-id", "other-id-text", "unknown", "unknown-id", "self", "self-id"],
)
def test_duplicate_of_must_be_another_comment_of_the_same_consultation(closed, db, ref):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(
            closed.b,
            {"disposition": "not_applicable", "reason": "重复意见。", "duplicate_of": ref(closed)},
            actor=SYSTEM,
        )
    assert info.value.field == "duplicate_of"
    refresh(db, closed.b)
    assert closed.b.disposition is None and closed.b.duplicate_of_id is None


@pytest.mark.parametrize("ref", [str(2**63), "9" * 30, 10**30], ids=["2^63", "30-digits", "10^30"])
def test_an_out_of_range_duplicate_id_is_an_unknown_comment(closed, ref):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(
            closed.b,
            {"disposition": "not_applicable", "reason": "重复意见。", "duplicate_of": ref},
            actor=SYSTEM,
        )
    assert info.value.field == "duplicate_of"


@pytest.mark.parametrize("disposition", ["adopted", "partly_adopted", "not_adopted"])
def test_only_not_applicable_may_point_to_a_duplicate(closed, db, disposition):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(
            closed.b,
            {"disposition": disposition, "reason": "理由。", "duplicate_of": closed.a.receipt},
            actor=SYSTEM,
        )
    assert info.value.field == "duplicate_of"
    refresh(db, closed.b)
    assert closed.b.disposition is None


def test_answering_again_without_duplicate_of_clears_it(closed, db):
    data = {"disposition": "not_applicable", "reason": "重复。", "duplicate_of": closed.a.receipt}
    services.dispose_comment(closed.b, data, actor=SYSTEM)
    services.dispose_comment(closed.b, ADOPTED, actor=SYSTEM)
    assert closed.b.duplicate_of_id is None


def test_duplicate_of_accepts_a_receipt_typed_without_dashes(closed):
    typed = closed.a.receipt.replace("-", " ").lower()
    services.dispose_comment(
        closed.b,
        {"disposition": "not_applicable", "reason": "重复。", "duplicate_of": typed},
        actor=SYSTEM,
    )
    assert closed.b.duplicate_of_id == closed.a.id


# --- many comments at once ---------------------------------------------------------------


def test_bulk_answer_applies_one_answer_to_every_selected_comment(closed, world, db):
    officer = world.users["own_officer"]
    ids = [closed.a.id, closed.b.id, closed.hotline.id]
    assert services.dispose_comments(closed.consultation, ids, NOT_ADOPTED, actor=officer) == 3
    db.session.commit()
    refresh(db, closed.a, closed.b, closed.hotline, closed.dup1)
    for c in (closed.a, closed.b, closed.hotline):
        assert (c.disposition, c.disposition_reason) == ("not_adopted", NOT_ADOPTED["reason"])
        assert c.disposed_by_id == officer.id
    assert closed.dup1.disposition is None


def test_bulk_answer_counts_a_repeated_id_once(closed):
    ids = [closed.a.id, closed.a.id, closed.b.id]
    assert services.dispose_comments(closed.consultation, ids, ADOPTED, actor=SYSTEM) == 2


@pytest.mark.parametrize(
    "foreign",
    [lambda s: s.other.id, lambda s: 2**31 - 1],
    ids=["other-consultation", "unknown"],
)
def test_bulk_answer_is_all_or_nothing(closed, db, foreign):
    ids = [closed.a.id, closed.b.id, foreign(closed)]
    with pytest.raises(RuleViolation) as info:
        services.dispose_comments(closed.consultation, ids, NOT_ADOPTED, actor=SYSTEM)
    assert info.value.field == "comment_ids"
    refresh(db, closed.a, closed.b, closed.other)
    assert [c.disposition for c in (closed.a, closed.b, closed.other)] == [None, None, None]


def test_bulk_answer_without_a_reason_changes_nothing(closed, db):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comments(
            closed.consultation,
            [closed.a.id, closed.b.id],
            {"disposition": "not_adopted", "reason": " "},
            actor=SYSTEM,
        )
    assert info.value.field == "reason"
    refresh(db, closed.a, closed.b)
    assert closed.a.disposition is None and closed.b.disposition is None


def test_bulk_answer_needs_a_selection(closed):
    with pytest.raises(RuleViolation) as info:
        services.dispose_comments(closed.consultation, [], ADOPTED, actor=SYSTEM)
    assert info.value.field == "comment_ids"


def test_a_duplicate_group_is_answered_at_once(closed, db):
    assert closed.dup1.duplicate_group_id is not None
    assert closed.dup1.duplicate_group_id == closed.dup2.duplicate_group_id
    members = services.group_member_ids(closed.dup2)
    assert sorted(members) == sorted([closed.dup1.id, closed.dup2.id])
    assert services.group_member_ids(closed.a) == [closed.a.id]
    assert services.dispose_comments(closed.consultation, members, NOT_ADOPTED, actor=SYSTEM) == 2
    db.session.commit()
    refresh(db, closed.dup1, closed.dup2)
    assert closed.dup1.disposition == closed.dup2.disposition == "not_adopted"
    assert services.progress(closed.consultation) == (2, 6)


# --- answer templates --------------------------------------------------------------------


def template_data(**overrides) -> dict[str, Any]:
    return {
        "title": "不属于本办法调整范围",
        "disposition": "not_applicable",
        "reason": "该意见不属于本办法调整范围，已转交相关部门研究。",
        **overrides,
    }


def test_a_department_saves_edits_and_deletes_its_answer_templates(world, db):
    officer = world.users["own_officer"]
    template = services.save_template(world.dept, template_data(), actor=officer)
    db.session.commit()
    assert template.department_id == world.dept.id
    assert services.templates_for(world.dept.id) == [template]
    assert services.templates_for(world.other_dept.id) == []

    services.save_template(
        world.dept,
        template_data(title="已采纳", disposition="adopted", reason=""),
        actor=officer,
        template=template,
    )
    db.session.commit()
    refresh(db, template)
    assert (template.title, template.disposition, template.reason) == ("已采纳", "adopted", "")
    assert count(db, AnswerTemplate) == 1

    services.delete_template(template, actor=officer)
    db.session.commit()
    assert count(db, AnswerTemplate) == 0


def test_templates_are_listed_by_title(world):
    for title in ("乙", "甲", "丙"):
        services.save_template(world.dept, template_data(title=title), actor=SYSTEM)
    assert [t.title for t in services.templates_for(world.dept.id)] == sorted(["乙", "甲", "丙"])


def test_a_template_title_is_unique_per_department(world, db):
    services.save_template(world.dept, template_data(), actor=SYSTEM)
    with pytest.raises(RuleViolation) as info:
        services.save_template(
            world.dept, template_data(title=" 不属于本办法调整范围 "), actor=SYSTEM
        )
    assert info.value.field == "title"
    # another department may use the same title
    services.save_template(world.other_dept, template_data(), actor=SYSTEM)
    # saving a template under its own title again is no clash
    own = services.templates_for(world.dept.id)[0]
    services.save_template(
        world.dept, template_data(reason="新的理由。"), actor=SYSTEM, template=own
    )
    assert own.reason == "新的理由。"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "题" * 101}, "title"),
        ({"disposition": None}, "disposition"),
        ({"disposition": "rejected"}, "disposition"),
        ({"disposition": "not_adopted", "reason": ""}, "reason"),
        ({"disposition": "partly_adopted", "reason": "  "}, "reason"),
        ({"disposition": "not_applicable", "reason": None}, "reason"),
    ],
)
def test_a_template_follows_the_reason_rule(world, db, change, field):
    with pytest.raises(RuleViolation) as info:
        services.save_template(world.dept, template_data(**change), actor=SYSTEM)
    assert info.value.field == field
    assert count(db, AnswerTemplate) == 0


def test_an_adopted_template_may_have_no_reason(world):
    template = services.save_template(
        world.dept, template_data(disposition="adopted", reason=None), actor=SYSTEM
    )
    assert template.reason == ""


def test_the_government_office_keeps_every_departments_templates(world, db):
    admin = world.users["admin"]
    template = services.save_template(world.other_dept, template_data(), actor=admin)
    services.delete_template(template, actor=admin)
    assert count(db, AnswerTemplate) == 0


def test_an_officer_cannot_rewrite_another_departments_template_through_their_own(world, db):
    foreign = services.save_template(world.other_dept, template_data(), actor=SYSTEM)
    with pytest.raises(Forbidden):
        services.save_template(
            world.dept,
            template_data(reason="被其他部门改写。"),
            actor=world.users["own_officer"],
            template=foreign,
        )


# --- publishing the feedback -------------------------------------------------------------


def problems_message(exc: RuleViolation) -> str:
    return english(exc.message)


def label(problem: str) -> str:
    """A problem's label as the service wrote it into the message: rendered when raised, in
    the locale of the moment (zh-Hans outside a request)."""
    return str(rules.PROBLEM_LABELS[problem])


def test_publishing_is_refused_while_a_disposition_is_missing(closed, db):
    answer_all(closed)
    closed.hotline.disposition = None
    closed.hotline.disposition_reason = None
    db.session.flush()
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    assert info.value.code == "feedback_incomplete"
    assert info.value.field == "comments"
    message = problems_message(info.value)
    assert closed.hotline.receipt in message
    assert f"{closed.hotline.receipt} {label(rules.Problem.NO_DISPOSITION)}" in message
    for c in closed.comments:
        if c is not closed.hotline:
            assert c.receipt not in message
    refresh(db, closed.consultation)
    assert closed.consultation.feedback_published_at is None
    assert count(db, FeedbackReport) == 0


def test_publishing_is_refused_while_a_reason_is_missing(closed, db):
    """The service never stores a blank reason and the CHECK refuses NULL or spaces; a
    reason of only a tab or a newline passes the CHECK (SQL trim strips spaces only), so a
    row written behind the service's back is caught by the publishing check."""
    answer_all(closed)
    db.session.flush()
    db.session.execute(
        sa.update(Comment).where(Comment.id == closed.b.id).values(disposition_reason="\t\n")
    )
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    assert info.value.code == "feedback_incomplete"
    message = problems_message(info.value)
    assert f"{closed.b.receipt} {label(rules.Problem.NO_REASON)}" in message
    assert message.startswith("1 comment(s)")
    assert [c.receipt for c in closed.comments if c.receipt in message] == [closed.b.receipt]


def test_publishing_lists_every_comment_still_unanswered(closed, db):
    services.dispose_comment(closed.a, ADOPTED, actor=SYSTEM)
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    message = problems_message(info.value)
    assert message.startswith("5 comment(s)")
    missing = {c.receipt for c in closed.comments if c is not closed.a}
    assert {c.receipt for c in closed.comments if c.receipt in message} == missing
    assert [(c.receipt, p) for c, p in services.closing_problems(closed.consultation)] == [
        (c.receipt, "no_disposition") for c in closed.comments if c is not closed.a
    ]


@pytest.mark.parametrize("summary", [None, "", "   \n"])
def test_publishing_needs_a_summary_of_the_changes(closed, db, summary):
    answer_all(closed)
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(closed.consultation, {"summary": summary}, actor=SYSTEM)
    assert info.value.field == "summary"
    assert closed.consultation.feedback_published_at is None


def test_a_too_long_summary_is_refused(closed):
    answer_all(closed)
    with pytest.raises(RuleViolation) as info:
        services.publish_feedback(closed.consultation, {"summary": "改" * 50_001}, actor=SYSTEM)
    assert info.value.field == "summary"


def test_publishing_closes_the_consultation_with_feedback(closed, world, clock, db):
    officer = world.users["own_officer"]
    answer_all(closed, actor=officer)
    moment = clock.advance(DAY)
    report = services.publish_feedback(
        closed.consultation, {"summary": "  第二条增加了街道办事处的协调职责。 "}, actor=officer
    )
    db.session.commit()
    refresh(db, closed.consultation, report)
    c = closed.consultation
    assert c.feedback_published_at == moment
    assert c.feedback_summary == "第二条增加了街道办事处的协调职责。"
    assert c.status_at(moment) == "feedback_published"
    assert (report.version, report.status, report.correction_note) == (1, "pending", None)
    assert report.requested_at == moment
    assert services.reports(c) == [report]

    published = audit.events_for("consultation", c.id)[-1]
    assert published.action == "feedback_published"
    assert published.actor_id == officer.id
    assert published.details == {
        "adopted": 1,
        "partly_adopted": 1,
        "not_adopted": 3,
        "not_applicable": 1,
    }
    on_matter = audit.events_for("decision_matter", world.matter.id)[-1]
    assert on_matter.action == "consultation_feedback_published"
    assert on_matter.details == {"consultation_id": c.id, "title": c.title, "comments": 6}
    assert "consultation_feedback_published" in [e.action for e in catalogue.timeline(world.matter)]
    # nothing to publish twice
    with pytest.raises(RuleViolation):
        services.publish_feedback(c, {"summary": "再次发布"}, actor=officer)


def test_after_publication_answers_are_corrected_and_a_new_version_requested(
    closed, world, clock, db
):
    officer = world.users["own_officer"]
    answer_all(closed)
    first = services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=officer)
    db.session.commit()
    clock.advance(DAY)

    with pytest.raises(RuleViolation) as info:
        services.dispose_comment(closed.a, NOT_ADOPTED, actor=officer)
    assert info.value.field is None
    with pytest.raises(RuleViolation):
        services.dispose_comments(closed.consultation, [closed.a.id], NOT_ADOPTED, actor=officer)
    # a correction still follows the reason rule
    with pytest.raises(RuleViolation) as info:
        services.correct_disposition(
            closed.a, {"disposition": "not_adopted", "reason": ""}, actor=officer
        )
    assert info.value.field == "reason"

    services.correct_disposition(
        closed.a,
        {"disposition": "partly_adopted", "reason": "东门增设，西门不具备条件。"},
        actor=officer,
    )
    second = services.request_correction(
        closed.consultation, "  更正 A 意见的处理结果。 ", actor=officer
    )
    db.session.commit()
    refresh(db, closed.a, first, second)
    assert (closed.a.disposition, closed.a.disposition_reason) == (
        "partly_adopted",
        "东门增设，西门不具备条件。",
    )
    corrected = audit.events_for("comment", closed.a.id)[-1]
    assert corrected.action == "disposition_corrected"
    assert corrected.details["old"] == {"disposition": "adopted", "reason": None}
    assert corrected.details["new"]["disposition"] == "partly_adopted"
    assert (second.version, second.status, second.correction_note) == (
        2,
        "pending",
        "更正 A 意见的处理结果。",
    )
    assert (first.version, first.correction_note) == (1, None)
    assert [r.version for r in services.reports(closed.consultation)] == [2, 1]
    assert actions("consultation", closed.consultation.id)[-1] == "report_version_requested"


@pytest.mark.parametrize("note", ["", "   ", None])
def test_a_correction_says_what_it_corrects(closed, db, note):
    answer_all(closed)
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    with pytest.raises(RuleViolation) as info:
        services.request_correction(closed.consultation, note, actor=SYSTEM)
    assert info.value.field == "note"
    assert count(db, FeedbackReport) == 1


def test_no_correction_before_publication(closed, db):
    with pytest.raises(RuleViolation):
        services.request_correction(closed.consultation, "更正", actor=SYSTEM)
    assert count(db, FeedbackReport) == 0


def test_a_corrected_answer_no_longer_points_to_a_duplicate(closed, db):
    answer_all(closed)
    services.dispose_comment(
        closed.dup2,
        {"disposition": "not_applicable", "reason": "重复。", "duplicate_of": closed.dup1.receipt},
        actor=SYSTEM,
    )
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    services.correct_disposition(closed.dup2, ADOPTED, actor=SYSTEM)
    assert closed.dup2.duplicate_of_id is None


def test_the_report_is_rendered_as_a_ready_pdf(closed, db, app):
    """Publishing then rendering (inline in tests) stores version 1 as a PDF with its hash."""
    answer_all(closed)
    report = services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    db.session.commit()
    assert services.latest_ready_report(closed.consultation) is None
    assert services.schedule_render(report.id) == "inline"
    report = services.get_report(report.id)
    assert report.status == ReportStatus.READY, report.error
    assert report.file is not None and len(report.sha256) == 64 and report.pages >= 1
    assert services.latest_ready_report(closed.consultation) == report
    assert "report_ready" in actions("consultation", closed.consultation.id)


def test_the_report_data_carries_no_private_values(closed, db):
    answer_all(closed)
    report = services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    data = services.report_data(report)
    text = repr(data)
    for private in ("13912345678", "zhao@example.test", "198.51.100.7"):
        assert private not in text
    assert BODIES["hidden"] not in text
    assert data["figures"]["total"] == 6
    assert data["figures"]["adoption_rate"] == pytest.approx(2 / 5)
    assert "comments" not in data  # the table streams from the database (report.py)


# --- the database is the backstop --------------------------------------------------------


@pytest.mark.parametrize("disposition", ["partly_adopted", "not_adopted", "not_applicable"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_the_database_refuses_a_comment_not_adopted_without_a_reason(
    closed, db, disposition, reason
):
    with pytest.raises(IntegrityError, match="reason_if_not_adopted"), db.session.begin_nested():
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == closed.a.id)
            .values(disposition=disposition, disposition_reason=reason)
        )
    refresh(db, closed.a)
    assert closed.a.disposition is None


@pytest.mark.parametrize("reason", [None, ""])
def test_the_database_accepts_adopted_without_a_reason(closed, db, reason):
    with db.session.begin_nested():
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == closed.a.id)
            .values(disposition="adopted", disposition_reason=reason)
        )
    refresh(db, closed.a)
    assert closed.a.disposition == "adopted"


def test_the_database_refuses_an_unknown_disposition(closed, db):
    with pytest.raises(IntegrityError, match="disposition_known"), db.session.begin_nested():
        db.session.execute(
            sa.update(Comment)
            .where(Comment.id == closed.a.id)
            .values(disposition="rejected", disposition_reason="理由")
        )


@pytest.mark.parametrize("summary", [None, "", "   "])
def test_the_database_refuses_published_feedback_without_a_summary(closed, clock, db, summary):
    with pytest.raises(IntegrityError, match="feedback_has_summary"), db.session.begin_nested():
        db.session.execute(
            sa.update(Consultation)
            .where(Consultation.id == closed.consultation.id)
            .values(feedback_published_at=clock.now, feedback_summary=summary)
        )
    refresh(db, closed.consultation)
    assert closed.consultation.feedback_published_at is None


def test_the_database_accepts_published_feedback_with_a_summary(closed, clock, db):
    with db.session.begin_nested():
        db.session.execute(
            sa.update(Consultation)
            .where(Consultation.id == closed.consultation.id)
            .values(feedback_published_at=clock.now, feedback_summary="摘要")
        )
    refresh(db, closed.consultation)
    assert closed.consultation.feedback_published_at == clock.now


# --- overdue and awaiting feedback -------------------------------------------------------


def test_awaiting_and_overdue_per_department_and_for_all(scenario, world, clock):
    mine, theirs = scenario.consultation, scenario.other_consultation
    assert theirs.closes_at == mine.closes_at + 2 * DAY

    def state(dept_id):
        return (
            [c.id for c in services.awaiting_feedback(dept_id)],
            [c.id for c in services.overdue(dept_id)],
        )

    clock.set(mine.closes_at - SECOND)
    assert state(world.dept.id) == ([], [])
    assert state(None) == ([], [])

    clock.set(mine.closes_at)
    assert state(world.dept.id) == ([mine.id], [])
    assert state(world.other_dept.id) == ([], [])

    clock.set(mine.closes_at + 30 * DAY)  # due at this instant
    assert state(world.dept.id) == ([mine.id], [])
    assert state(world.other_dept.id) == ([theirs.id], [])

    clock.set(mine.closes_at + 30 * DAY + SECOND)
    assert state(world.dept.id) == ([mine.id], [mine.id])
    assert state(world.other_dept.id) == ([theirs.id], [])
    assert state(None) == ([mine.id, theirs.id], [mine.id])

    clock.set(theirs.closes_at + 31 * DAY)
    assert state(None) == ([mine.id, theirs.id], [mine.id, theirs.id])


def test_published_feedback_is_neither_awaiting_nor_overdue(closed, world, clock):
    answer_all(closed)
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    clock.set(closed.consultation.closes_at + 90 * DAY)
    assert closed.consultation not in services.awaiting_feedback(world.dept.id)
    assert services.overdue(world.dept.id) == []
    assert [c.id for c in services.overdue(None)] == [closed.other_consultation.id]


@pytest.mark.parametrize(("days", "late_after"), [(10, 10 * DAY), (45, 45 * DAY)])
def test_overdue_follows_the_configured_feedback_period(
    scenario, world, clock, app, monkeypatch, days, late_after
):
    monkeypatch.setitem(app.config, "FEEDBACK_PERIOD_DAYS", days)
    mine = scenario.consultation
    clock.set(mine.closes_at + late_after)
    assert services.overdue(world.dept.id) == []
    clock.set(mine.closes_at + late_after + SECOND)
    assert services.overdue(world.dept.id) == [mine]
    assert services.feedback_period() == timedelta(days=days)
