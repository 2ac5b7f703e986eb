"""Responsiveness figures (回应关切情况), public, per department and per calendar year (local
time): questions received, answered, the median working days to an answer, overdue; comments
on the consultations that closed in the year, answered in published feedback, the share of
answers that give a reason, and the median days from closing to feedback.

Questions are counted from their rows (a department receives hundreds a year, not millions);
the comments received from the stored tallies (comments.models.CommentTally), the answers
and those with a reason from the counts stored when each feedback was published
(feedback.services): a page reads a few rows per consultation, however many comments."""

from __future__ import annotations

from datetime import datetime
from datetime import time
from typing import Any

import sqlalchemy as sa

from consult.accounts.models import Department
from consult.catalogue.models import DecisionMatter
from consult.comments.models import CommentTally
from consult.consultations.models import Consultation
from consult.core.time import configured_zone
from consult.core.time import local_date_of
from consult.core.time import local_today
from consult.core.time import now_utc
from consult.extensions import db
from consult.interpretation import rules
from consult.interpretation import schemas
from consult.interpretation.models import Question
from consult.interpretation.models import QuestionStatus


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    zone = configured_zone()
    start = datetime.combine(datetime(year, 1, 1).date(), time(), tzinfo=zone)
    end = datetime.combine(datetime(year + 1, 1, 1).date(), time(), tzinfo=zone)
    return start, end


def years() -> list[int]:
    """The years with a question asked or a consultation closed, newest first."""
    found: set[int] = set()
    first_last = [
        db.session.execute(
            sa.select(sa.func.min(Question.submitted_at), sa.func.max(Question.submitted_at))
        ).one(),
        db.session.execute(
            sa.select(
                sa.func.min(Consultation.closes_at), sa.func.max(Consultation.closes_at)
            ).where(Consultation.closes_at <= now_utc())
        ).one(),
    ]
    for low, high in first_last:
        if low is not None and high is not None:
            found.update(range(local_date_of(low).year, local_date_of(high).year + 1))
    return sorted(found, reverse=True)


def _by_department(model: Any, when: Any, start: datetime, end: datetime, *columns: Any):
    """`columns` of the rows of `model` whose `when` falls in [start, end), each after the lead
    department of its decision matter."""
    return db.session.execute(
        sa.select(DecisionMatter.department_id, *columns)
        .join(DecisionMatter, model.matter_id == DecisionMatter.id)
        .where(when >= start, when < end)
    ).all()


def _question_rows(year: int):
    start, end = _year_bounds(year)
    asked = Question.submitted_at
    return _by_department(
        Question, asked, start, end, asked, Question.answered_at, Question.due_on, Question.status
    )


def _consultations(year: int):
    start, end = _year_bounds(year)
    return _by_department(
        Consultation,
        Consultation.closes_at,
        start,
        min(end, now_utc()),
        Consultation.id,
        Consultation.closes_at,
        Consultation.feedback_published_at,
        Consultation.feedback_answered,
        Consultation.feedback_with_reason,
    )


def responsiveness(year: int) -> list[dict]:
    """One record (schemas.Responsiveness) per department with anything to count in `year`,
    in the departments' order."""
    today = local_today()
    per: dict[int, dict] = {}

    def entry(department_id: int) -> dict:
        return per.setdefault(
            department_id,
            {"received": 0, "answered": 0, "days": [], "overdue": 0, "consultations": []},
        )

    for department_id, asked, answered, due, status in _question_rows(year):
        e = entry(department_id)
        e["received"] += 1
        answered_on = local_date_of(answered) if answered else None
        if answered_on is not None:
            e["answered"] += 1
            e["days"].append(rules.days_to_answer(local_date_of(asked), answered_on))
        if (status != QuestionStatus.HIDDEN or answered_on) and rules.is_overdue(
            due, answered_on, today
        ):
            e["overdue"] += 1
    consultations = _consultations(year)
    for department_id, cid, closes_at, published_at, _, _ in consultations:
        entry(department_id)["consultations"].append((cid, closes_at, published_at))
    ids = [c.id for c in consultations]
    received = dict(
        db.session.execute(
            sa.select(CommentTally.consultation_id, CommentTally.comments).where(
                CommentTally.consultation_id.in_(ids)
            )
        ).all()
    )
    # Counted when each feedback was published (feedback.services), never here.
    answered = {c.id: c.feedback_answered or 0 for c in consultations if c.feedback_published_at}
    with_reason = {
        c.id: c.feedback_with_reason or 0 for c in consultations if c.feedback_published_at
    }
    names = dict(db.session.execute(sa.select(Department.id, Department.name)).all())
    order = {d: n for n, d in enumerate(sorted(per))}
    records = []
    for department_id in sorted(per, key=order.get):
        e = per[department_id]
        mine = e["consultations"]
        comments = sum(received.get(c[0], 0) for c in mine)
        done = sum(int(answered.get(c[0], 0) or 0) for c in mine)
        reasons = sum(with_reason.get(c[0], 0) for c in mine)
        delays = [
            round((p - closes).total_seconds() / 86400, 1) for _, closes, p in mine if p is not None
        ]
        records.append(
            schemas.Responsiveness(
                year=year,
                department=names.get(department_id, str(department_id)),
                questions_received=e["received"],
                questions_answered=e["answered"],
                median_days_to_answer=rules.median(e["days"]),
                questions_overdue=e["overdue"],
                comments_received=comments,
                comments_answered=done,
                share_with_reasons=rules.share(reasons, done),
                median_days_to_feedback=rules.median(delays),
            ).record()
        )
    return records
