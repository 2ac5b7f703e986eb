"""Notification rules: scopes, kinds, timing, tokens and addresses. Pure functions and
constants: no Flask app, no database."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.accounts.rules import MAX_EMAIL  # noqa: F401 (re-exported: the same addresses)
from consult.core.labels import labels_by_kind


class Scope(enum.StrEnum):
    ALL = "all"  # every new consultation
    DEPARTMENT = "department"  # consultations on the department's decision matters
    MATTER = "matter"  # consultations on one decision matter


class NotificationKind(enum.StrEnum):
    CONSULTATION_OPENED = "consultation_opened"
    CLOSING_SOON = "closing_soon"
    FEEDBACK_PUBLISHED = "feedback_published"
    INVITATION_REMINDER = "invitation_reminder"
    FEEDBACK_OVERDUE = "feedback_overdue"


SCOPE_VALUES = tuple(s.value for s in Scope)
KIND_VALUES = tuple(k.value for k in NotificationKind)

# The object a log row's `object_id` points at, by kind.
OBJECT_OF = {
    NotificationKind.CONSULTATION_OPENED: "consultation",
    NotificationKind.CLOSING_SOON: "consultation",
    NotificationKind.FEEDBACK_PUBLISHED: "consultation",
    NotificationKind.FEEDBACK_OVERDUE: "consultation",
    NotificationKind.INVITATION_REMINDER: "invitation",
}
# Mails to subscribers: they carry an unsubscribe link and the List-Unsubscribe headers.
SUBSCRIBER_KINDS = frozenset({NotificationKind.CONSULTATION_OPENED, NotificationKind.CLOSING_SOON})

SCOPE_LABELS, KIND_LABELS = labels_by_kind(
    (
        Scope,
        NotificationKind,
    ),
    {
        Scope.ALL: _l("All new public consultations"),
        Scope.DEPARTMENT: _l("Consultations of a department"),
        Scope.MATTER: _l("Consultations on one decision matter"),
        NotificationKind.CONSULTATION_OPENED: _l("Consultation opened"),
        NotificationKind.CLOSING_SOON: _l("Consultation closing soon"),
        NotificationKind.FEEDBACK_PUBLISHED: _l("Feedback published"),
        NotificationKind.INVITATION_REMINDER: _l("Invitation reminder"),
        NotificationKind.FEEDBACK_OVERDUE: _l("Feedback overdue"),
    },
)

# Timing.
CLOSING_SOON_BEFORE = timedelta(days=3)  # "closing in 3 days"
REMINDER_BEFORE_DEADLINE = timedelta(days=2)  # pending invitations, before registration closes
# Events older than this are not announced any more (a tick that was down, a first deploy).
ANNOUNCE_WITHIN = timedelta(days=7)
FEEDBACK_MAIL_WITHIN = timedelta(days=30)
# A confirmation link is valid this long; a new request within RESEND_AFTER sends no second
# mail (someone typing a stranger's address again and again cannot flood that mailbox).
CONFIRM_WITHIN = timedelta(days=7)
CONFIRM_RESEND_AFTER = timedelta(minutes=10)
# A claimed mail the backend could not deliver is tried again, a few times.
RETRY_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3

TOKEN_BYTES = 32

_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def new_token() -> str:
    """A random URL-safe token (256 bits); only its hash is stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: str) -> bool:
    return 20 <= len(token) <= 100 and re.fullmatch(r"[A-Za-z0-9_\-]+", token) is not None


def normalise_email(address: str) -> str:
    """One spelling per mailbox, so subscriptions and recipients deduplicate."""
    return (address or "").strip().lower()


def email_in_contact(contact: str | None) -> str | None:
    """The email address a commenter left as contact (contact containing '@'), if any."""
    if not contact or "@" not in contact:
        return None
    match = _EMAIL_IN_TEXT.search(contact)
    return normalise_email(match.group(0)) if match else None


def parse_topic(topic: str | None) -> tuple[str, int]:
    """'all' | 'department:<id>' | 'matter:<id>' → (scope, target_id); ValueError if not."""
    topic = (topic or "").strip()
    if topic == Scope.ALL:
        return Scope.ALL.value, 0
    scope, _, ident = topic.partition(":")
    if scope not in (Scope.DEPARTMENT, Scope.MATTER) or not ident.isdigit():
        raise ValueError(topic)
    target = int(ident)
    if not 0 < target <= 2**31 - 1:
        raise ValueError(topic)
    return scope, target


def confirmation_expired(issued_at: datetime, now: datetime) -> bool:
    return now >= issued_at + CONFIRM_WITHIN


def may_resend_confirmation(issued_at: datetime, now: datetime) -> bool:
    return now >= issued_at + CONFIRM_RESEND_AFTER


def closing_soon(opens_at: datetime, closes_at: datetime, now: datetime) -> bool:
    """Open, and closing within the next three days."""
    return opens_at <= now < closes_at <= now + CLOSING_SOON_BEFORE


def reminder_due(invited_at: datetime, deadline: datetime, now: datetime) -> bool:
    """Two days before the registration deadline, for invitations older than that moment
    (someone invited in the last two days has just had the invitation itself)."""
    window_opens = deadline - REMINDER_BEFORE_DEADLINE
    return window_opens <= now < deadline and invited_at < window_opens
