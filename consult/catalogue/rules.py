"""Catalogue rules: planned times, status transitions, completion. Pure functions."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from consult.catalogue.models import MatterStatus
from consult.catalogue.models import Precision
from consult.catalogue.models import ProcedureKind
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind

MAX_TITLE = 200
MAX_SUMMARY = 5000
MAX_REASON = 2000
MAX_URL = 500
MAX_PLANNED_TIME = 20  # 2026年第三季度
MAX_QUERY = 100  # a search's text
YEAR_MIN, YEAR_MAX = values.DATE_MIN.year, values.DATE_MAX.year  # catalogue years
MAX_TERMS = 20  # distinct character pairs and words of a search that count

STATUS_LABELS, PROCEDURE_LABELS = labels_by_kind(
    (
        MatterStatus,
        ProcedureKind,
    ),
    {
        MatterStatus.PLANNED: _l("Planned"),
        MatterStatus.CONSULTING: _l("Consulting the public"),
        MatterStatus.DELIBERATING: _l("Deliberating"),
        MatterStatus.DECIDED: _l("Decided"),
        MatterStatus.WITHDRAWN: _l("Withdrawn"),
        ProcedureKind.PUBLIC_PARTICIPATION: _l("Public participation"),
        ProcedureKind.EXPERT_ARGUMENTATION: _l("Expert argumentation"),
        ProcedureKind.RISK_ASSESSMENT: _l("Risk assessment"),
        ProcedureKind.LEGALITY_REVIEW: _l("Legality review"),
        ProcedureKind.COLLECTIVE_DISCUSSION: _l("Collective discussion"),
    },
)

FIELD_LABELS = {
    "title": _l("Decision matter"),
    "summary": _l("Summary"),
    "department_id": _l("Lead department"),
    "planned_time": _l("Planned decision time"),
    "hearing": _l("Hearing held"),
    "procedures": _l("Statutory procedures"),
    "status": _l("Status"),
    "decision_date": _l("Decision date"),
    "decision_document_url": _l("Decision document"),
    "year": _l("Catalogue year"),
    "code": _l("Catalogue number"),
}

# Forward-only lifecycle; withdrawal is possible until a decision is made.
TRANSITIONS: dict[str, frozenset[str]] = {
    MatterStatus.PLANNED: frozenset(
        {MatterStatus.CONSULTING, MatterStatus.DELIBERATING, MatterStatus.WITHDRAWN}
    ),
    MatterStatus.CONSULTING: frozenset({MatterStatus.DELIBERATING, MatterStatus.WITHDRAWN}),
    MatterStatus.DELIBERATING: frozenset({MatterStatus.DECIDED, MatterStatus.WITHDRAWN}),
    MatterStatus.DECIDED: frozenset(),
    MatterStatus.WITHDRAWN: frozenset(),
}

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class PlannedTime:
    year: int
    precision: str  # "month" | "quarter"
    index: int

    @property
    def code(self) -> str:
        """Machine form used by the API, CSV and forms: 2026-07 or 2026-Q3."""
        if self.precision == Precision.QUARTER:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def last_day(self) -> date:
        month = self.index * 3 if self.precision == Precision.QUARTER else self.index
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.last_day.toordinal(), 0 if self.precision == Precision.MONTH else 1)


_PATTERNS = [
    (re.compile(r"^(\d{4})\s*[-/.]?\s*[Qq]\s*([1-4])$"), Precision.QUARTER),
    (re.compile(r"^(\d{4})\s*年\s*第\s*([1-4一二三四])\s*季度$"), Precision.QUARTER),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), Precision.MONTH),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月(份)?$"), Precision.MONTH),
]


def parse_planned_time(text: str, catalogue_year: int, field: str = "planned_time") -> PlannedTime:
    """Read 2026-07, 2026-Q3, 2026年7月 or 2026年第三季度, within the catalogue's year."""
    value = (text or "").strip()
    if not value:
        raise RuleViolation(field, _l("Enter the planned decision time, e.g. 2026-07 or 2026-Q3."))
    for pattern, precision in _PATTERNS:
        match = pattern.match(value)
        if match:
            year = int(match.group(1))
            raw = match.group(2)
            index = _CN_DIGITS[raw] if raw in _CN_DIGITS else int(raw)
            if precision == Precision.MONTH and not 1 <= index <= 12:
                break
            if year != catalogue_year:
                raise RuleViolation(
                    field,
                    _l(
                        "The planned decision time must fall within the catalogue year %(year)d.",
                        year=catalogue_year,
                    ),
                )
            return PlannedTime(year, precision.value, index)
    raise RuleViolation(field, _l("Not a month or a quarter. Write it like 2026-07 or 2026-Q3."))


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise RuleViolation(
            "status",
            _l(
                "A matter cannot go from “%(current)s” to “%(target)s”.",
                current=STATUS_LABELS.get(current, current),
                target=STATUS_LABELS.get(target, target),
            ),
        )


def require_reason(reason: str | None, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise RuleViolation(field, _l("Give a reason: it is published with the change."))
    if len(text) > MAX_REASON:
        raise RuleViolation(field, _l("At most %(n)d characters.", n=MAX_REASON))
    return text


def check_document_url(url: str | None, field: str = "decision_document_url") -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > MAX_URL or not re.match(r"^https?://[^\s/$.?#].[^\s]*$", url):
        raise RuleViolation(field, _l("Enter a web address starting with http:// or https://."))
    return url


class Completion:
    """How a matter ended up relative to its planned time, for the year-end view."""

    DECIDED_ON_TIME = "decided_on_time"
    DECIDED_LATE = "decided_late"
    WITHDRAWN = "withdrawn"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"


COMPLETION_LABELS = {
    Completion.DECIDED_ON_TIME: _l("Decided on time"),
    Completion.DECIDED_LATE: _l("Decided late"),
    Completion.WITHDRAWN: _l("Withdrawn"),
    Completion.IN_PROGRESS: _l("In progress"),
    Completion.OVERDUE: _l("Not completed as planned"),
}


def completion(status: str, planned: PlannedTime, decision_date: date | None, today: date) -> str:
    if status == MatterStatus.WITHDRAWN:
        return Completion.WITHDRAWN
    if status == MatterStatus.DECIDED and decision_date is not None:
        return (
            Completion.DECIDED_ON_TIME
            if decision_date <= planned.last_day
            else Completion.DECIDED_LATE
        )
    return Completion.OVERDUE if today > planned.last_day else Completion.IN_PROGRESS


def year_has_ended(year: int, today: date) -> bool:
    return today.year > year


EVENT_LABELS = {
    "created": _l("Entered in the draft catalogue"),
    "edited": _l("Draft entry edited"),
    "listed": _l("Listed in the published catalogue"),
    "adjusted": _l("Catalogue entry adjusted"),
    "status_changed": _l("Status changed"),
    "procedure_done": _l("Statutory procedure completed"),
    "procedure_reopened": _l("Statutory procedure reopened"),
    "withdrawn": _l("Withdrawn"),
    "consultation_scheduled": _l("Public consultation scheduled"),
    "consultation_opened": _l("Public consultation opened"),
    "consultation_window_changed": _l("Consultation closing time changed"),
    "consultation_cancelled": _l("Scheduled consultation cancelled"),
    "consultation_feedback_published": _l("Feedback on the consultation published"),
    "meeting_scheduled": _l("On the agenda of a meeting"),
    "meeting_outcome_published": _l("Meeting outcome published"),
    "interpretation_published": _l("Policy interpretation published"),
    "follow_up_published": _l("Follow-up interpretation published"),
}

ADJUSTMENT_KIND_LABELS = {
    "addition": _l("Added to the catalogue"),
    "change": _l("Entry changed"),
    "withdrawal": _l("Withdrawn from the catalogue"),
    "postponement": _l("Postponed to the next year's catalogue"),
}
ADJUSTMENT_KINDS = tuple(ADJUSTMENT_KIND_LABELS)


def postponement_year(year: int) -> int:
    """A matter that cannot be decided in its year moves into the next year's catalogue, one
    year at a time (each move is its own public adjustment with its reason)."""
    if year + 1 > YEAR_MAX:
        raise RuleViolation("planned_time", _l("Not a plausible catalogue year."))
    return year + 1
