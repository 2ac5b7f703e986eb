"""Representative pool rules: categories, terms. Pure functions and constants."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from consult.accounts.rules import MAX_EMAIL  # noqa: F401 (re-exported: the same addresses)
from consult.core.errors import RuleViolation
from consult.core.labels import labels_by_kind
from consult.representatives.models import ApplicationStatus
from consult.representatives.models import Category
from consult.representatives.models import RepresentativeStatus

CATEGORY_LABELS, STATUS_LABELS, APPLICATION_STATUS_LABELS = labels_by_kind(
    (
        Category,
        RepresentativeStatus,
        ApplicationStatus,
    ),
    {
        Category.NPC_DEPUTY: _l("People's congress deputy"),
        Category.CPPCC_MEMBER: _l("CPPCC member"),
        Category.EXPERT: _l("Expert or scholar"),
        Category.ENTREPRENEUR: _l("Entrepreneur"),
        Category.MEDIA: _l("News media"),
        Category.NEW_SOCIAL_STRATA: _l("New social strata"),
        Category.SUPERVISOR: _l("Government-building supervisor"),
        Category.OTHER: _l("Other"),
        RepresentativeStatus.ACTIVE: _l("Serving"),
        RepresentativeStatus.SUSPENDED: _l("Suspended"),
        RepresentativeStatus.ENDED: _l("Term ended"),
        ApplicationStatus.PENDING: _l("Pending"),
        ApplicationStatus.APPROVED: _l("Approved"),
        ApplicationStatus.REJECTED: _l("Rejected"),
    },
)

MAX_NAME = 50
MAX_STATEMENT = 3000
MAX_PHONE = 40
MAX_AFFILIATION = 200
MAX_NOTE = 1000  # a reason or a note on a decision about a member
# Fields of interest as typed (a comma-separated text): clean_interests keeps MAX_INTERESTS of
# at most MAX_INTEREST characters each.
MAX_INTERESTS_TEXT = 1000
MAX_INTERESTS = 20
MAX_INTEREST = 50
APPLICATION_PREFIX = "SQ"  # 申请: the receipt of an application, SQ-2026-XXXX-XXXX


def check_category(category: str | None) -> str:
    if category not in {c.value for c in Category}:
        raise RuleViolation("category", _l("Choose a category."))
    return category


def check_term(start: date | None, end: date | None) -> None:
    if not isinstance(start, date):
        raise RuleViolation("term_start", _l("Enter the start of the term."))
    if not isinstance(end, date):
        raise RuleViolation("term_end", _l("Enter the end of the term."))
    if end <= start:
        raise RuleViolation("term_end", _l("The term must end after it starts."))


def clean_interests(value) -> list[str]:
    """Fields of interest: departments or topics, from a list or a comma/、-separated text."""
    if isinstance(value, str):
        for sep in ("、", "，", ";", "；"):
            value = value.replace(sep, ",")
        value = value.split(",")
    items = [str(v).strip()[:MAX_INTEREST] for v in (value or []) if str(v).strip()]
    return list(dict.fromkeys(items))[:MAX_INTERESTS]


def attendance_rate(attended: int, invited: int) -> float | None:
    return attended / invited if invited else None
