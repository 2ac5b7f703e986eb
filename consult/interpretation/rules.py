"""Rules of interpretations, specialists and questions: limits, labels, the answering period
and what is overdue. Pure functions: no Flask, no database."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date

from flask_babel import lazy_gettext as _l

from consult.catalogue.models import MatterStatus
from consult.comments import rules as comment_rules
from consult.core import workdays
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind
from consult.interpretation.models import FORM_VALUES
from consult.interpretation.models import InterpretationForm
from consult.interpretation.models import InterpretationKind

MAX_TITLE = 200
MAX_BODY = 20000  # an interpretation's text
MAX_URL = 500
MAX_REMIT = 300  # what a specialist answers for
# A question: long enough to be a question, short enough to be one question.
QUESTION_MIN = 10
QUESTION_MAX = 1000
ANSWER_MIN = 10
ANSWER_MAX = 5000
NAME_MAX = comment_rules.NAME_MAX
CONTACT_MAX = comment_rules.CONTACT_MAX
NOTE_MAX = comment_rules.NOTE_MAX
# The answering period, in working days (a deployment sets QUESTION_ANSWER_WORKING_DAYS). Three
# months unanswered is where an inspection of a government site fails it; the default is far
# inside that.
ANSWER_WORKING_DAYS = 10
MAX_ANSWER_WORKING_DAYS = 60
RECEIPT_PREFIX = "WD"  # 问答: WD-2026-XXXX-XXXX
# Questions may be asked while the public is consulted and once the matter is decided.
ASKABLE = (MatterStatus.CONSULTING.value, MatterStatus.DECIDED.value)

KIND_LABELS, FORM_LABELS = labels_by_kind(
    (
        InterpretationKind,
        InterpretationForm,
    ),
    {
        InterpretationKind.INITIAL: _l("Interpretation published with the decision"),
        InterpretationKind.FOLLOW_UP: _l("Follow-up interpretation"),
        InterpretationForm.TEXT: _l("Text"),
        InterpretationForm.ILLUSTRATED: _l("Illustrated"),
        InterpretationForm.VIDEO: _l("Video or interview"),
        InterpretationForm.PRESS_CONFERENCE: _l("Press conference"),
    },
)
# What the public is told of a question (interpretation.services.state).
STATE_LABELS = {
    "waiting": _l("Waiting for an answer"),
    "overdue": _l("Overdue: not answered in time"),
    "answered": _l("Answered"),
    "answered_late": _l("Answered late"),
    "hidden": _l("Withheld by moderation"),
}
# The forms that are seen elsewhere, so the interpretation links to them.
LINKED_FORMS = (
    InterpretationForm.ILLUSTRATED.value,
    InterpretationForm.VIDEO.value,
    InterpretationForm.PRESS_CONFERENCE.value,
)


def clean_forms(forms: object) -> list[str]:
    """The forms an interpretation takes: known ones, each once, text among them (the written
    interpretation is what every other form accompanies)."""
    if isinstance(forms, str):
        forms = [forms]
    if not isinstance(forms, list | tuple) or not all(isinstance(f, str) for f in forms):
        raise RuleViolation("forms", _l("Choose the forms of the interpretation."))
    unknown = [f for f in forms if f not in FORM_VALUES]
    if unknown:
        raise RuleViolation("forms", _l("Unknown form: %(name)s", name=", ".join(unknown)))
    chosen = [f for f in FORM_VALUES if f in forms]
    if InterpretationForm.TEXT.value not in chosen:
        chosen.insert(0, InterpretationForm.TEXT.value)
    return chosen


def require_link(forms: list[str], link: str | None) -> None:
    if link is None and any(f in LINKED_FORMS for f in forms):
        raise RuleViolation(
            "link", _l("Link the graphic, the video or interview, or the press conference.")
        )


def check_askable(status: str) -> None:
    if status not in ASKABLE:
        raise RuleViolation(
            None,
            _l(
                "Questions are taken while the public is consulted and after the decision; "
                "this matter is not at either stage."
            ),
            code="not_askable",
        )


def answer_period(configured: object) -> int:
    """The answering period in working days: the configured one if it is sensible, else the
    default."""
    if (
        isinstance(configured, int)
        and not isinstance(configured, bool)
        and 1 <= configured <= MAX_ANSWER_WORKING_DAYS
    ):
        return configured
    return ANSWER_WORKING_DAYS


def due_on(asked_on: date, working_days: int) -> date:
    """The last day to answer a question asked on `asked_on` (that day not counted)."""
    return workdays.add_working_days(asked_on, working_days)


def is_overdue(due: date, answered_on: date | None, today: date) -> bool:
    """Unanswered after its last day, or answered after it."""
    if answered_on is not None:
        return answered_on > due
    return today > due


def days_to_answer(asked_on: date, answered_on: date) -> int:
    """Working days from asking to answering (answered the next working day: 1)."""
    return workdays.working_days_between(asked_on, answered_on)


def median(values: Iterable[float]) -> float | None:
    found = list(values)
    return float(statistics.median(found)) if found else None


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
