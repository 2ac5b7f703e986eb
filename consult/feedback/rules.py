"""Feedback rules (rule 3): a disposition for every comment, a reason for every one not
adopted, and a deadline for answering. Pure functions and constants."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.comments.models import Disposition
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind

FEEDBACK_PERIOD = timedelta(days=30)
MAX_REASON = 5000
MAX_SUMMARY = 50_000
MAX_CORRECTION_NOTE = 2000
MAX_TEMPLATE_TITLE = 100
MAX_REVISED_DRAFT_BYTES = 20 * 1024 * 1024


class Problem(enum.StrEnum):
    """What keeps a comment's answer from being published (closing_problems)."""

    NO_DISPOSITION = "no_disposition"
    NO_REASON = "no_reason"
    DRAFT = "draft"


DISPOSITION_LABELS, PROBLEM_LABELS = labels_by_kind(
    (
        Disposition,
        Problem,
    ),
    {
        Disposition.ADOPTED: _l("Adopted"),
        Disposition.PARTLY_ADOPTED: _l("Partly adopted"),
        Disposition.NOT_ADOPTED: _l("Not adopted"),
        Disposition.NOT_APPLICABLE: _l("Not applicable"),
        Problem.NO_DISPOSITION: _l("has no disposition yet"),
        Problem.NO_REASON: _l("is not adopted but has no reason"),
        Problem.DRAFT: _l("has a drafted answer still to confirm"),
    },
)


def needs_reason(disposition: str) -> bool:
    return disposition != Disposition.ADOPTED


def check_disposition(disposition: str | None, reason: str | None) -> str | None:
    """Return the cleaned reason, or refuse a disposition that is unknown or lacks its reason."""
    if not isinstance(disposition, str) or disposition not in {d.value for d in Disposition}:
        raise RuleViolation("disposition", _l("Choose a disposition."))
    text = values.text(reason, "reason", MAX_REASON)
    if needs_reason(disposition) and not text:
        raise RuleViolation(
            "reason", _l("Give the reason: every comment not adopted is answered with a reason.")
        )
    return text or None


def feedback_due(closes_at: datetime, period: timedelta = FEEDBACK_PERIOD) -> datetime:
    return closes_at + period


def days_overdue(
    closes_at: datetime,
    published_at: datetime | None,
    now: datetime,
    period: timedelta = FEEDBACK_PERIOD,
) -> int | None:
    """How many whole days the feedback is late (counting the day it became due as the
    first), or None while it is not overdue. Shown to the public: this is the accountability
    the platform exists for."""
    if not is_overdue(closes_at, published_at, now, period):
        return None
    return (now - feedback_due(closes_at, period)).days + 1


def is_overdue(
    closes_at: datetime,
    published_at: datetime | None,
    now: datetime,
    period: timedelta = FEEDBACK_PERIOD,
) -> bool:
    return published_at is None and now > feedback_due(closes_at, period)


def closing_problems(comments: Iterable) -> list[tuple[object, str]]:
    """What stands between these comments and publishing the feedback, comment by comment."""
    problems = []
    for comment in comments:
        answer = comment.answer  # its own, else its group's
        if answer is None:
            problems.append((comment, Problem.NO_DISPOSITION))
        elif needs_reason(answer.disposition) and not (answer.reason or "").strip():
            problems.append((comment, Problem.NO_REASON))
        elif answer.draft:
            problems.append((comment, Problem.DRAFT))
    return problems


def adoption_rate(counts: dict[str, int]) -> float:
    """Adopted or partly adopted, over the comments that were answered on their merits
    (not-applicable ones are out of scope or duplicates, so they do not count)."""
    considered = sum(n for key, n in counts.items() if key != Disposition.NOT_APPLICABLE)
    taken = counts.get(Disposition.ADOPTED, 0) + counts.get(Disposition.PARTLY_ADOPTED, 0)
    return taken / considered if considered else 0.0
