"""Interpretations with the decision, follow-ups, specialists, questions: the services."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.core.audit import events_for
from consult.core.errors import Forbidden
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.interpretation import rules
from consult.interpretation import services
from consult.interpretation.models import Interpretation
from consult.interpretation.models import Question
from consult.interpretation.models import QuestionBand
from tests.helpers import INTERPRETATION
from tests.helpers import decision
from tests.interpretation.conftest import ASKED
from tests.interpretation.conftest import question_data

# --- the decision needs its interpretation ---------------------------------------------------


@pytest.mark.parametrize(
    "interpretation, field",
    [
        (None, "interpretation"),
        ("政策解读", "interpretation"),
        ({}, "title"),
        ({**INTERPRETATION, "title": "  "}, "title"),
        ({**INTERPRETATION, "body": ""}, "body"),
        ({**INTERPRETATION, "body": ["正文"]}, "body"),
        ({**INTERPRETATION, "forms": ["podcast"]}, "forms"),
        ({**INTERPRETATION, "forms": ["video"]}, "link"),
        ({**INTERPRETATION, "forms": ["video"], "link": "ftp://x"}, "link"),
        ({**INTERPRETATION, "title": "解" * (rules.MAX_TITLE + 1)}, "title"),
        ({**INTERPRETATION, "department_id": 999_999}, "department_id"),
    ],
)
def test_a_matter_cannot_be_decided_without_a_valid_interpretation(
    scene, db, interpretation, field
):
    matter = scene.deliberating
    data = decision(date(2026, 10, 30))
    data["interpretation"] = interpretation
    with pytest.raises(RuleViolation) as exc:
        catalogue.change_status(matter, "decided", data, actor=scene.officer)
    fields = (
        {v.field for v in exc.value.violations}
        if isinstance(exc.value, RuleViolations)
        else {exc.value.field}
    )
    assert (field if field == "interpretation" else f"interpretation.{field}") in fields
    # Nothing changed: not decided, no date, no interpretation.
    assert (matter.status, matter.decision_date, matter.decision_document_url) == (
        "deliberating",
        None,
        None,
    )
    assert services.interpretations(matter) == []


def test_an_empty_interpretation_reports_every_field_at_once(scene, db):
    data = {**decision(date(2026, 10, 30)), "interpretation": {"forms": ["illustrated"]}}
    with pytest.raises(RuleViolations) as exc:
        catalogue.change_status(scene.deliberating, "decided", data, actor=scene.officer)
    assert {v.field for v in exc.value.violations} == {
        "interpretation.title",
        "interpretation.body",
    }


def test_the_decision_and_its_interpretation_are_published_together(scene, db, frozen):
    frozen(datetime(2026, 11, 3, 1, 0, tzinfo=UTC))
    matter = scene.deliberating
    catalogue.change_status(
        matter,
        "decided",
        decision(
            date(2026, 11, 3),
            forms=["illustrated", "text", "press_conference"],
            link="https://www.donghu.gov.cn/jd/1.html",
        ),
        actor=scene.officer,
    )
    (item,) = services.interpretations(matter)
    assert (item.kind, item.title, item.department_id) == (
        "initial",
        INTERPRETATION["title"],
        scene.lead.id,
    )
    # The forms in their fixed order, text always among them.
    assert item.forms == ["text", "illustrated", "press_conference"]
    assert item.published_on == date(2026, 11, 3)
    actions = [e.action for e in events_for("decision_matter", matter.id)]
    assert actions[-2:] == ["status_changed", "interpretation_published"]
    record = catalogue.detail_record(matter, today=date(2026, 11, 3))
    assert [i["title"] for i in record["interpretations"]] == [INTERPRETATION["title"]]


def test_another_department_may_interpret(scene, db):
    catalogue.change_status(
        scene.deliberating,
        "decided",
        decision(date(2026, 10, 30), department_id=scene.other.id),
        actor=scene.officer,
    )
    assert services.interpretations(scene.deliberating)[0].department_id == scene.other.id


def test_a_matter_has_one_interpretation_published_with_its_decision(scene, db):
    extra = Interpretation(
        matter_id=scene.decided.id,
        kind="initial",
        title="再一份",
        body="正文",
        forms=["text"],
        department_id=scene.lead.id,
        published_on=date(2026, 11, 2),
    )
    db.session.add(extra)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- follow-ups --------------------------------------------------------------------------


def test_a_follow_up_interpretation_follows_a_decision(scene, db):
    data = {**INTERPRETATION, "title": "门诊共济实施三个月：常见问题再解读"}
    with pytest.raises(RuleViolation):
        services.publish_follow_up(scene.consulting, data, actor=scene.officer)
    with pytest.raises(Forbidden):
        services.publish_follow_up(scene.decided, data, actor=scene.other_officer)
    item = services.publish_follow_up(scene.decided, data, actor=scene.officer)
    kinds = [i.kind for i in services.interpretations(scene.decided)]
    assert kinds == ["initial", "follow_up"]
    assert events_for("decision_matter", scene.decided.id)[-1].details == {
        "interpretation_id": item.id,
        "title": "门诊共济实施三个月：常见问题再解读",
    }


# --- specialists -------------------------------------------------------------------------


def test_a_department_names_its_own_officers_as_specialists(scene, db):
    with pytest.raises(Forbidden):
        services.name_specialist(
            scene.lead, {"user_id": scene.officer.id, "remit": "托育"}, actor=scene.other_officer
        )
    with pytest.raises(RuleViolation) as exc:
        services.name_specialist(
            scene.lead, {"user_id": scene.other_officer.id, "remit": "托育"}, actor=scene.officer
        )
    assert exc.value.field == "user_id"
    with pytest.raises(RuleViolation) as exc:
        services.name_specialist(scene.lead, {"user_id": scene.officer.id}, actor=scene.officer)
    assert exc.value.field == "remit"
    with pytest.raises(RuleViolation):
        services.name_specialist(
            scene.lead, {"user_id": scene.specialist.id, "remit": "再次"}, actor=SYSTEM
        )
    role = services.name_specialist(
        scene.lead, {"user_id": scene.officer.id, "remit": "托育服务"}, actor=scene.officer
    )
    assert [r.user_id for r in services.current_specialists(scene.lead.id)] == [
        scene.specialist.id,
        scene.officer.id,
    ]
    services.end_specialist(role, actor=scene.officer)
    assert role.ended_at is not None
    assert [r.user_id for r in services.current_specialists(scene.lead.id)] == [scene.specialist.id]


# --- asking --------------------------------------------------------------------------------


@pytest.mark.parametrize("matter", ["decided", "consulting"])
def test_anyone_asks_on_a_consulting_or_decided_matter_and_gets_a_receipt(scene, db, matter):
    q = services.ask_question(getattr(scene, matter), question_data(), ip="203.0.113.9")
    assert q.receipt.startswith("WD-2026-")
    assert services.find_by_receipt(q.receipt.lower().replace("-", " ")) is q
    assert (q.contact, q.submitter_ip, q.status) == ("13900001111", "203.0.113.9", "published")
    # Asked on Monday 2 November: ten working days later is Monday 16 November.
    assert q.due_on == date(2026, 11, 16)


@pytest.mark.parametrize("matter", ["planned", "withdrawn", "deliberating"])
def test_no_question_on_a_planned_deliberating_or_withdrawn_matter(scene, db, matter):
    with pytest.raises(RuleViolation) as exc:
        services.ask_question(getattr(scene, matter), question_data())
    assert exc.value.code == "not_askable"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"body": "太短了"}, "body"),
        ({"body": "问" * (rules.QUESTION_MAX + 1)}, "body"),
        ({"body": "请问\x00能否"}, "body"),
        ({"body": 12345678901}, "body"),
        ({"author_name": ""}, "author_name"),
        ({"contact": "abc"}, "contact"),
        ({"show_name": "yes"}, "show_name"),
        ({"consent": False}, "consent"),
    ],
)
def test_a_question_breaking_a_rule_is_refused_on_its_field(scene, db, overrides, field):
    with pytest.raises(RuleViolation) as exc:
        services.ask_question(scene.decided, question_data(**overrides))
    fields = (
        {v.field for v in exc.value.violations}
        if isinstance(exc.value, RuleViolations)
        else {exc.value.field}
    )
    assert field in fields


def test_the_answering_period_is_configurable(scene, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "QUESTION_ANSWER_WORKING_DAYS", 3)
    assert services.ask_question(scene.decided, question_data()).due_on == date(2026, 11, 5)
    monkeypatch.setitem(app.config, "QUESTION_ANSWER_WORKING_DAYS", 0)  # not sensible
    assert services.ask_question(scene.decided, question_data()).due_on == date(2026, 11, 16)


def test_the_period_counts_working_days_around_a_public_holiday(scene, db, frozen):
    # Asked on Tuesday 29 September 2026: National Day holidays run 1–7 October, and
    # Saturday 10 October is worked in exchange (the State Council's 2026 schedule).
    frozen(datetime(2026, 9, 29, 2, 0, tzinfo=UTC))
    q = services.ask_question(scene.consulting, question_data())
    # 30 Sep (1), 8 Oct (2), 9 Oct (3), 10 Oct (4, Saturday worked), 12–16 Oct (5–9), 19 Oct.
    assert q.due_on == date(2026, 10, 19)


# --- grouping ----------------------------------------------------------------------------


def test_repeated_questions_are_grouped_and_others_are_not(scene, db):
    first = services.ask_question(scene.decided, question_data())
    copy = services.ask_question(
        scene.decided, question_data(body="请问门诊共济实施后，个人账户的钱还能给家里人用吗？！")
    )
    near = services.ask_question(
        scene.decided,
        question_data(body="您好，请问门诊共济实施后，个人账户的钱还能给家里人用吗？谢谢"),
    )
    other = services.ask_question(
        scene.decided, question_data(body="门诊慢特病的报销比例今年有没有变化？")
    )
    elsewhere = services.ask_question(scene.consulting, question_data())
    assert first.group_id is not None
    assert copy.group_id == near.group_id == first.group_id
    assert other.group_id is None and elsewhere.group_id is None
    assert first.group.size == 3
    # Each band key is held once, by the first question that had it.
    keys = db.session.scalars(
        sa.select(QuestionBand.question_id).where(QuestionBand.matter_id == scene.decided.id)
    ).all()
    assert set(keys) <= {first.id, near.id, other.id}


# --- answering -----------------------------------------------------------------------------


def test_only_a_specialist_of_the_lead_department_answers(scene, db, frozen):
    q = services.ask_question(scene.decided, question_data())
    text = "可以。门诊共济实施后，个人账户可用于支付配偶、父母、子女的医疗费用。"
    with pytest.raises(Forbidden):
        services.answer_question(q, text, actor=scene.other_officer)
    for not_named in (scene.officer, scene.admin, SYSTEM):
        with pytest.raises(Forbidden) as exc:
            services.answer_question(q, text, actor=not_named)
        assert str(exc.value.message) == str(services.NOT_A_SPECIALIST)
    with pytest.raises(RuleViolation) as exc:
        services.answer_question(q, "可以。", actor=scene.specialist)
    assert exc.value.field == "answer"
    assert q.answer is None
    frozen(ASKED + timedelta(days=3))
    services.answer_question(q, text, actor=scene.specialist)
    assert (q.answer, q.answered_by_id) == (text, scene.specialist.id)
    assert services.state(q, date(2026, 11, 5)) == "answered"
    with pytest.raises(RuleViolation):
        services.answer_question(q, text, actor=scene.specialist)


def test_an_ended_specialist_no_longer_answers(scene, db):
    q = services.ask_question(scene.decided, question_data())
    services.end_specialist(scene.role, actor=SYSTEM)
    with pytest.raises(Forbidden):
        services.answer_question(q, "可以使用，具体见政策解读。", actor=scene.specialist)


def test_one_answer_to_a_whole_group(scene, db):
    first = services.ask_question(scene.decided, question_data())
    copy = services.ask_question(scene.decided, question_data(author_name="李四"))
    hidden = services.ask_question(scene.decided, question_data(author_name="赵六"))
    services.hide_question(hidden, "spam", actor=scene.officer)
    answered = services.answer_question(
        first, "可以，家庭成员共济使用个人账户。", actor=scene.specialist, whole_group=True
    )
    assert answered == [first, copy]
    assert copy.answer == first.answer and hidden.answer is None


# --- overdue -------------------------------------------------------------------------------


def test_unanswered_after_the_last_working_day_is_overdue(scene, db, frozen):
    q = services.ask_question(scene.decided, question_data())
    assert q.due_on == date(2026, 11, 16)
    due_evening = datetime(2026, 11, 16, 15, 59, tzinfo=UTC)  # 23:59 in Donghu
    next_morning = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # 00:00 on the 17th
    from consult.core.time import local_today

    frozen(due_evening)
    assert services.state(q, local_today()) == "waiting"
    assert services.overdue_count(scene.officer, local_today()) == 0
    frozen(next_morning)
    assert services.state(q, local_today()) == "overdue"
    assert services.overdue_count(scene.officer, local_today()) == 1
    assert services.overdue_count(scene.admin, local_today()) == 1
    assert services.overdue_count(scene.other_officer, local_today()) == 0
    assert services.public_overdue(local_today()) == [q]
    # Answered late: the figures keep it as overdue.
    services.answer_question(q, "可以，家庭成员共济使用个人账户。", actor=scene.specialist)
    assert services.state(q, local_today()) == "answered_late"
    assert services.public_overdue(local_today()) == []


def test_a_hidden_question_is_not_overdue_and_not_deleted(scene, db, frozen):
    q = services.ask_question(scene.decided, question_data())
    with pytest.raises(Forbidden):
        services.hide_question(q, "spam", actor=scene.other_officer)
    with pytest.raises(RuleViolation):
        services.hide_question(q, "boring", actor=scene.officer)
    services.hide_question(q, "personal_data", "含住址", actor=scene.officer)
    frozen(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    assert services.state(q, date(2026, 12, 1)) == "hidden"
    assert services.public_overdue(date(2026, 12, 1)) == []
    assert db.session.get(Question, q.id) is q
    services.restore_question(q, actor=scene.officer)
    assert services.state(q, date(2026, 12, 1)) == "overdue"


def test_an_unknown_receipt_is_not_found(scene, db):
    for number in ("WD-2026-AAAA-AAAA", "ZX-2026-AAAA-AAAA", "x" * 100, ""):
        with pytest.raises(NotFound):
            services.find_by_receipt(number)


def test_public_records_carry_no_private_fields(scene, db):
    q = services.ask_question(
        scene.decided, question_data(show_name=False, author_name="隐名者"), ip="198.51.100.1"
    )
    for record in (
        services.question_record(q, today=date(2026, 11, 2)),
        services.receipt_record(q, today=date(2026, 11, 2)),
    ):
        text = str(record)
        assert "13900001111" not in text and "198.51.100.1" not in text and "隐名者" not in text


def test_the_staff_list_puts_waiting_questions_first_and_withheld_ones_after(scene, db):
    answered = services.ask_question(scene.decided, question_data())
    hidden = services.ask_question(
        scene.decided, question_data(body="这是一条与事项无关的广告信息内容")
    )
    waiting = services.ask_question(scene.consulting, question_data())
    services.answer_question(answered, "可以，家庭成员共济使用个人账户。", actor=scene.specialist)
    services.hide_question(hidden, "spam", actor=scene.officer)
    listed = db.session.scalars(services.staff_questions(scene.officer, today=date(2026, 11, 2)))
    assert list(listed)[0] == waiting
    assert (
        db.session.scalars(
            services.staff_questions(scene.other_officer, today=date(2026, 11, 2))
        ).all()
        == []
    )
