"""Interpretations, specialists and questions: state changes and queries. Services check
permission and rules, write the audit log, flush, and never commit."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Actor
from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.accounts.models import require_manager
from consult.catalogue import rules as catalogue_rules
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.comments import grouping
from consult.comments import rules as comment_rules
from consult.comments import services as moderation
from consult.core import audit
from consult.core import ids
from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.core.errors import Violations
from consult.core.errors import found
from consult.core.forms import MAX_DB_INT
from consult.core.records import record_of
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.extensions import db
from consult.interpretation import rules
from consult.interpretation import schemas
from consult.interpretation.models import Interpretation
from consult.interpretation.models import InterpretationKind
from consult.interpretation.models import PolicySpecialist
from consult.interpretation.models import Question
from consult.interpretation.models import QuestionBand
from consult.interpretation.models import QuestionGroup
from consult.interpretation.models import QuestionStatus

log = logging.getLogger(__name__)

NO_SUCH_RECEIPT = _l("No question has this receipt number. Check the number and try again.")
NOT_A_SPECIALIST = _l("Only a policy specialist of the lead department answers its questions.")


def answer_period() -> int:
    """The answering period in working days (QUESTION_ANSWER_WORKING_DAYS, default 10)."""
    configured = (
        current_app.config.get("QUESTION_ANSWER_WORKING_DAYS") if has_app_context() else None
    )
    return rules.answer_period(configured)


# --- interpretations ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedInterpretation:
    title: str
    body: str
    forms: list[str]
    link: str | None
    department_id: int


def _department_id(value: Any, matter: DecisionMatter) -> int:
    if value in (None, ""):
        return matter.department_id
    message = _l("Choose the department that interprets the decision.")
    number = values.whole(value, "department_id", minimum=1, message=message)
    dept = db.session.get(Department, number) if number <= MAX_DB_INT else None
    if dept is None or not dept.active:
        raise RuleViolation("department_id", message)
    return dept.id


def check_interpretation(
    matter: DecisionMatter, data: Any, *, within: str | None = None
) -> CheckedInterpretation:
    """An interpretation's fields, every one at fault reported at once, before anything is
    changed (so a refused decision leaves the matter as it was). `within`: the name of the
    object holding them, which the refused fields are named under (`interpretation.title`)."""
    try:
        return _checked_interpretation(matter, data)
    except RuleViolation as exc:
        if within:
            for violation in getattr(exc, "violations", [exc]):
                if violation.field and violation.field != within:
                    violation.field = f"{within}.{violation.field}"
            if isinstance(exc, RuleViolations):
                exc.field = exc.violations[0].field
        raise


_TEXTS = (
    ("title", rules.MAX_TITLE, _l("Give the interpretation a title.")),
    ("body", rules.MAX_BODY, _l("Write the interpretation: what was decided, for whom, and why.")),
)


def _checked_interpretation(matter: DecisionMatter, data: Any) -> CheckedInterpretation:
    if not isinstance(data, dict):
        raise RuleViolation(
            "interpretation",
            _l("A decision is published together with its policy interpretation: add one."),
        )
    found_ = Violations()
    title, body = (
        found_.check(values.required_text, data, name, limit, message)
        for name, limit, message in _TEXTS
    )
    forms = found_.check(rules.clean_forms, data.get("forms") or [])
    link = found_.check(catalogue_rules.check_document_url, data.get("link"), "link")
    if forms is not None and not found_.found:
        found_.check(rules.require_link, forms, link)
    department_id = found_.check(_department_id, data.get("department_id"), matter)
    found_.raise_any()
    return CheckedInterpretation(title, body, forms, link, department_id)


def record_interpretation(
    matter: DecisionMatter,
    checked: CheckedInterpretation,
    kind: str,
    *,
    actor: Actor,
    now: datetime,
) -> Interpretation:
    """Store a checked interpretation and put it on the matter's timeline."""
    item = Interpretation(
        matter_id=matter.id,
        kind=kind,
        **dataclasses.asdict(checked),
        published_on=local_date_of(now),
    )
    action = (
        "interpretation_published" if kind == InterpretationKind.INITIAL else "follow_up_published"
    )
    return audit.added(
        item,
        action,
        about=matter,
        id_key="interpretation_id",
        stamp="published",
        actor=actor,
        now=now,
        details={"title": item.title},
    )


def publish_follow_up(
    matter: DecisionMatter, data: Any, *, actor: Actor, now: datetime | None = None
) -> Interpretation:
    """A follow-up interpretation (二次解读、跟踪解读) of a decided matter, answering what has
    come up since."""
    require_manager(actor, matter)
    if matter.status != MatterStatus.DECIDED:
        raise RuleViolation(None, _l("A follow-up interpretation is published after the decision."))
    checked = check_interpretation(matter, data)
    return record_interpretation(
        matter, checked, InterpretationKind.FOLLOW_UP.value, actor=actor, now=now or now_utc()
    )


def interpretations(matter: DecisionMatter) -> list[Interpretation]:
    """A matter's interpretations: the one published with the decision, then the follow-ups."""
    return list(
        db.session.scalars(
            sa.select(Interpretation)
            .where(Interpretation.matter_id == matter.id)
            .order_by(Interpretation.published_at, Interpretation.id)
        )
    )


def get_interpretation(matter: DecisionMatter, interpretation_id: int) -> Interpretation:
    item = db.session.get(Interpretation, interpretation_id)
    if item is None or item.matter_id != matter.id:
        item = None
    return found(item, _l("No such interpretation."))


def interpretation_record(item: Interpretation) -> dict[str, Any]:
    return record_of(schemas.Interpretation, item, department=item.department.name).record()


# --- specialists --------------------------------------------------------------------------


def current_specialists(department_id: int | None = None) -> list[PolicySpecialist]:
    stmt = sa.select(PolicySpecialist).where(PolicySpecialist.ended_at.is_(None))
    if department_id is not None:
        stmt = stmt.where(PolicySpecialist.department_id == department_id)
    return list(
        db.session.scalars(stmt.order_by(PolicySpecialist.department_id, PolicySpecialist.id))
    )


def specialist_of(actor: Actor, department_id: int) -> PolicySpecialist | None:
    """The actor's current specialist role in the department, if any."""
    user_id = getattr(actor, "id", None)
    if user_id is None or not getattr(actor, "active", False):
        return None
    return db.session.scalar(
        sa.select(PolicySpecialist).where(
            PolicySpecialist.user_id == user_id,
            PolicySpecialist.department_id == department_id,
            PolicySpecialist.ended_at.is_(None),
        )
    )


def name_specialist(
    department: Department, data: Any, *, actor: Actor, now: datetime | None = None
) -> PolicySpecialist:
    """A department names one of its officers a policy specialist, with what they answer for
    (published)."""
    require_manager(actor, department.id)
    if not isinstance(data, dict):
        raise RuleViolation(None, _l("Choose the officer and say what they answer for."))
    message = _l("Choose an active officer of the department.")
    user_id = values.whole(data.get("user_id"), "user_id", minimum=1, message=message)
    user = db.session.get(User, user_id) if user_id <= MAX_DB_INT else None
    if (
        user is None
        or not user.active
        or user.role != Role.OFFICER
        or user.department_id != department.id
    ):
        raise RuleViolation("user_id", message)
    remit = values.required_text(
        data, "remit", rules.MAX_REMIT, _l("Say what the specialist answers for.")
    )
    if specialist_of(user, department.id) is not None:
        raise RuleViolation("user_id", _l("This officer is already a policy specialist."))
    now = now or now_utc()
    role = PolicySpecialist(user_id=user.id, department_id=department.id, remit=remit)
    named = {"user_id": user.id}
    return audit.added(role, "named", stamp="named", actor=actor, now=now, details=named)


def end_specialist(
    role: PolicySpecialist, *, actor: Actor, now: datetime | None = None
) -> PolicySpecialist:
    """The officer no longer answers questions; the answers they gave keep their name."""
    require_manager(actor, role)
    if role.ended_at is None:
        role.ended_at = now or now_utc()
        db.session.flush()
        audit.record(role, "ended", actor=actor, now=now)
    return role


# --- questions: asking and grouping ---------------------------------------------------------


def _question_fields(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RuleViolation(None, _l("Enter text."))
    found_ = Violations()
    body = found_.check(
        values.text,
        (data.get("body") or "").replace("\r\n", "\n")
        if isinstance(data.get("body"), str)
        else data.get("body"),
        "body",
        rules.QUESTION_MAX,
        required=True,
        minimum=rules.QUESTION_MIN,
        message=_l("Write your question."),
    )
    if body is not None and len(body) < rules.QUESTION_MIN:
        found_.found.append(
            RuleViolation("body", _l("Write at least %(n)d characters.", n=rules.QUESTION_MIN))
        )
        body = None
    name = found_.check(comment_rules.clean_name, data.get("author_name"))
    contact = found_.check(comment_rules.clean_contact, data.get("contact"))
    show_name = data.get("show_name")
    if not isinstance(show_name, bool):
        found_.found.append(RuleViolation("show_name", _l("Say whether your name may be shown.")))
    if data.get("consent") is not True:
        found_.found.append(RuleViolation("consent", _l("Please agree to the publication rules.")))
    found_.raise_any()
    return {"body": body, "author_name": name, "contact": contact, "show_name": show_name}


def check_askable(matter: DecisionMatter) -> None:
    if not matter.is_published:
        raise RuleViolation(None, _l("No such decision matter."), code="not_askable")
    rules.check_askable(matter.status)


def ask_question(
    matter: DecisionMatter,
    data: Any,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> Question:
    """Anyone asks a question on a consulting or decided matter, with no account: the question
    is published at once with its receipt number, grouped with its repeats, and due in the
    answering period (working days)."""
    check_askable(matter)
    fields = _question_fields(data)
    now = now or now_utc()
    asked_on = local_date_of(now)
    normalised = comment_rules.normalise(fields["body"])
    question = Question(
        matter_id=matter.id,
        receipt=_free_receipt(asked_on.year),
        submitted_at=now,
        due_on=rules.due_on(asked_on, answer_period()),
        status=QuestionStatus.PUBLISHED.value,
        submitter_ip=(ip or None) and ip[:45],
        fingerprint=comment_rules.fingerprint(normalised),
        **fields,
    )
    db.session.add(question)
    db.session.flush()
    _group(question, normalised)
    audit.record(question, "asked", actor=None, now=now, details={"matter_id": matter.id})
    return question


def _free_receipt(year: int) -> str:
    while True:
        number = ids.new_receipt(year, prefix=rules.RECEIPT_PREFIX)
        if db.session.scalar(sa.select(Question.id).where(Question.receipt == number)) is None:
            return number


def _group(question: Question, normalised: str) -> None:
    """Put a new question with its repeats: an exact copy by its fingerprint, else the most
    similar near copy among the candidates sharing band keys (comments.rules' LSH), else alone.
    Its band keys not held yet are stored for the questions that come after it."""
    matter_id = question.matter_id
    exact = db.session.scalar(
        sa.select(Question)
        .where(
            Question.matter_id == matter_id,
            Question.fingerprint == question.fingerprint,
            Question.id != question.id,
        )
        .order_by(Question.id)
        .limit(1)
    )
    shingles, keys = comment_rules.text_keys(normalised)
    held = dict(
        db.session.execute(
            sa.select(QuestionBand.key, QuestionBand.question_id).where(
                QuestionBand.matter_id == matter_id, QuestionBand.key.in_(keys)
            )
        ).all()
    )
    match = exact
    if match is None and held:
        shared: dict[int, int] = {}
        for holder in held.values():
            shared[holder] = shared.get(holder, 0) + 1
        candidates = sorted(shared, key=lambda q: (-shared[q], q))[: comment_rules.CANDIDATES]
        best, best_score = None, comment_rules.DUPLICATE_THRESHOLD
        for other in db.session.scalars(sa.select(Question).where(Question.id.in_(candidates))):
            score = comment_rules.jaccard(
                shingles, comment_rules.shingles(comment_rules.normalise(other.body))
            )
            if score >= best_score and (best is None or score > best_score or other.id < best.id):
                best, best_score = other, score
        match = best
    missing = [key for key in dict.fromkeys(keys) if key not in held]
    if missing:
        db.session.execute(
            sa.insert(QuestionBand),
            [{"matter_id": matter_id, "key": key, "question_id": question.id} for key in missing],
        )
    if match is None:
        return
    if match.group_id is None:
        group = QuestionGroup(matter_id=matter_id, size=1)
        db.session.add(group)
        db.session.flush()
        match.group_id = group.id
    else:
        group = db.session.get(QuestionGroup, match.group_id)
    question.group_id = group.id
    db.session.execute(
        sa.update(QuestionGroup)
        .where(QuestionGroup.id == group.id)
        .values(size=QuestionGroup.size + 1)
    )
    db.session.flush()
    db.session.expire(group, ["size"])


# --- questions: answering and moderation ----------------------------------------------------


def may_answer(actor: Actor, question: Question) -> bool:
    return specialist_of(actor, question.matter.department_id) is not None


def answer_question(
    question: Question,
    text: Any,
    *,
    actor: Actor,
    now: datetime | None = None,
    whole_group: bool = False,
) -> list[Question]:
    """A policy specialist of the lead department answers a question; the answer is published
    with it. With `whole_group`, the same answer goes to its repeats still waiting. Returns the
    questions answered."""
    require_manager(actor, question.matter)
    if not may_answer(actor, question):
        raise Forbidden(NOT_A_SPECIALIST)
    answer = values.text(
        text.replace("\r\n", "\n") if isinstance(text, str) else text,
        "answer",
        rules.ANSWER_MAX,
        required=True,
        minimum=rules.ANSWER_MIN,
        message=_l("Write the answer."),
    )
    if len(answer) < rules.ANSWER_MIN:
        raise RuleViolation("answer", _l("Write at least %(n)d characters.", n=rules.ANSWER_MIN))
    if question.is_hidden:
        raise RuleViolation(None, _l("A question withheld by moderation is not answered."))
    if question.is_answered:
        raise RuleViolation(None, _l("This question has already been answered."))
    now = now or now_utc()
    targets = [question]
    if whole_group and question.group_id is not None:
        targets += list(
            db.session.scalars(
                sa.select(Question)
                .where(
                    Question.group_id == question.group_id,
                    Question.id != question.id,
                    Question.answered_at.is_(None),
                    Question.status == QuestionStatus.PUBLISHED.value,
                )
                .order_by(Question.id)
            )
        )
    for target in targets:
        target.answer = answer
        target.answered_at = now
        target.answered_by_id = actor.id  # type: ignore[union-attr]
    db.session.flush()
    audit.record(
        question,
        "answered",
        actor=actor,
        now=now,
        details={"questions": [t.id for t in targets]},
    )
    return targets


def hide_question(
    question: Question,
    reason: Any,
    note: Any = None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Question:
    """Withhold a question from the public with a recorded reason; nothing is deleted."""
    require_manager(actor, question.matter)
    now = now or now_utc()
    moderation.withhold(question, reason, note, actor=actor, now=now)
    audit.record(question, "hidden", actor=actor, now=now, details={"reason": reason})
    return question


def restore_question(question: Question, *, actor: Actor, now: datetime | None = None) -> Question:
    require_manager(actor, question.matter)
    if question.is_hidden:
        moderation.release(question)
        audit.record(question, "restored", actor=actor, now=now)
    return question


# --- questions: queries ---------------------------------------------------------------------


def find_by_receipt(number: Any) -> Question:
    receipt = (
        ids.normalise_receipt(number, prefix=rules.RECEIPT_PREFIX)
        if isinstance(number, str) and len(number) <= ids.RECEIPT_TEXT_MAX
        else None
    )
    question = (
        db.session.scalar(sa.select(Question).where(Question.receipt == receipt))
        if receipt
        else None
    )
    return found(question, NO_SUCH_RECEIPT)


def public_questions(matter: DecisionMatter) -> sa.Select:
    """A matter's published questions, newest first."""
    return (
        sa.select(Question)
        .where(Question.matter_id == matter.id, Question.status == QuestionStatus.PUBLISHED.value)
        .order_by(Question.submitted_at.desc(), Question.id.desc())
    )


def group_sizes(questions: list[Question]) -> dict[int, int]:
    return grouping.group_sizes((q.group_id for q in questions), QuestionGroup)


def is_overdue(question: Question, today: date) -> bool:
    if question.is_hidden and not question.is_answered:
        return False
    answered_on = local_date_of(question.answered_at) if question.answered_at else None
    return rules.is_overdue(question.due_on, answered_on, today)


def state(question: Question, today: date) -> str:
    """waiting | overdue | answered | answered_late | hidden: what the public is told."""
    if question.is_hidden:
        return "hidden"
    late = is_overdue(question, today)
    if question.is_answered:
        return "answered_late" if late else "answered"
    return "overdue" if late else "waiting"


def staff_questions(actor: Actor, *, today: date, only: str | None = None) -> sa.Select:
    """The questions on the matters `actor` manages, waiting ones first (the most overdue at
    the top), then the answered and withheld ones, newest first. `only`: waiting | overdue."""
    stmt = sa.select(Question).join(DecisionMatter, Question.matter_id == DecisionMatter.id)
    stmt = stmt.where(DecisionMatter.managed_by(actor))
    if only in ("waiting", "overdue"):
        stmt = stmt.where(
            Question.answered_at.is_(None), Question.status == QuestionStatus.PUBLISHED.value
        )
        if only == "overdue":
            stmt = stmt.where(Question.due_on < today)
    waiting_first = sa.case(
        (
            sa.and_(
                Question.answered_at.is_(None), Question.status == QuestionStatus.PUBLISHED.value
            ),
            0,
        ),
        else_=1,
    )
    return stmt.order_by(waiting_first, Question.due_on, Question.id)


def overdue_count(actor: Actor, today: date) -> int:
    stmt = staff_questions(actor, today=today, only="overdue").order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def public_overdue(today: date, limit: int = 50) -> list[Question]:
    """Every department's questions unanswered past their last day, the oldest first."""
    return list(
        db.session.scalars(
            sa.select(Question)
            .where(
                Question.answered_at.is_(None),
                Question.status == QuestionStatus.PUBLISHED.value,
                Question.due_on < today,
            )
            .order_by(Question.due_on, Question.id)
            .limit(limit)
        )
    )


def answerer_signature(question: Question) -> str | None:
    return question.answered_by.signature if question.answered_by else None


def question_record(
    question: Question, *, today: date, group_size: int | None = None
) -> dict[str, Any]:
    """A published question's public fields (rule 6: no contact, no IP)."""
    return schemas.Question(
        id=question.id,
        receipt=question.receipt,
        matter_id=question.matter_id,
        submitted_at=question.submitted_at,
        author=question.public_name,
        body=question.body,
        due_on=question.due_on,
        state=state(question, today),
        answer=question.answer,
        answered_at=question.answered_at,
        answered_by=answerer_signature(question),
        group=question.group_id,
        group_size=group_size,
    ).record()


def receipt_record(question: Question, *, today: date) -> dict[str, Any]:
    """What the holder of a receipt number sees: the question's state and, once given, the
    answer; a withheld question with the reason, without its text."""
    hidden = question.is_hidden
    return schemas.QuestionReceipt(
        id=question.id,
        receipt=question.receipt,
        matter_id=question.matter_id,
        matter_title=question.matter.title,
        submitted_at=question.submitted_at,
        due_on=question.due_on,
        state=state(question, today),
        body=None if hidden else question.body,
        hidden_reason=question.hidden_reason if hidden else None,
        answer=question.answer,
        answered_at=question.answered_at,
        answered_by=answerer_signature(question),
        group=question.group_id,
        group_size=question.group.size if question.group else None,
    ).record()
