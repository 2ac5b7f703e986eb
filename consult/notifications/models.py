"""Subscriptions by email (double opt-in) and the log of notifications sent.

Both hold private data (rule 6): an address is shown only to the government office's
outbox page and used only to send the mails asked for.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.constraints import known
from consult.core.constraints import not_negative
from consult.extensions import db
from consult.notifications.rules import KIND_VALUES
from consult.notifications.rules import SCOPE_VALUES
from consult.notifications.rules import NotificationKind
from consult.notifications.rules import Scope

ACTIVE = sa.text("unsubscribed_at IS NULL")


class Subscription(SurrogateKey, db.Model):
    """An address that asked for mail about all new consultations, a department, or one
    decision matter. Nothing but the confirmation mail goes out before `confirmed_at`."""

    __tablename__ = "subscription"

    email: Mapped[str] = mapped_column(sa.String(254))
    scope: Mapped[str] = mapped_column(sa.String(20))
    # A department or decision-matter id by scope; 0 for "all" (so the unique index holds:
    # NULLs would never collide). Existence is checked by the service.
    target_id: Mapped[int] = mapped_column(default=0)
    # Only the SHA-256 of the random token is kept; the token itself is only in the mail.
    # It confirms the subscription, and cancels it from the confirmation mail.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_issued_at: Mapped[timestamp]
    created_at: Mapped[timestamp]
    confirmed_at: Mapped[moment | None]
    unsubscribed_at: Mapped[moment | None]

    __table_args__ = (
        known("scope", SCOPE_VALUES),
        sa.CheckConstraint(
            f"(scope = '{Scope.ALL.value}' AND target_id = 0) "
            f"OR (scope <> '{Scope.ALL.value}' AND target_id > 0)",
            name="target_matches_scope",
        ),
        sa.CheckConstraint("length(trim(email)) > 0 AND email LIKE '%@%'", name="email_valid"),
        sa.CheckConstraint(
            "confirmed_at IS NULL OR confirmed_at >= created_at", name="confirmed_after_created"
        ),
        # One live subscription per address and topic; cancelled ones stay as history.
        sa.Index(
            "uq_subscription_active_topic",
            "email",
            "scope",
            "target_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
    )

    def __repr__(self) -> str:
        state = (
            "unsubscribed"
            if self.unsubscribed_at
            else "confirmed"
            if self.confirmed_at
            else "pending"
        )
        return f"<Subscription {self.id} {self.scope}:{self.target_id} {state}>"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None and self.unsubscribed_at is None


class NotificationLog(SurrogateKey, db.Model):
    """Which notification went (or is going) about which object to which address.

    The key (kind, object_id, recipient) is unique, so a mail is claimed before it is sent
    and `tick` never sends it twice, even when two ticks run at once. The row with an empty
    recipient marks the event itself as handled (e.g. the opening announced), so people who
    subscribe later are not sent old news. Subscriber mails carry their own unsubscribe token
    (stored hashed), so the link in every mail keeps working."""

    __tablename__ = "notification_log"

    kind: Mapped[str] = mapped_column(sa.String(30))
    # A consultation id, or an invitation id for invitation reminders (see rules.OBJECT_OF).
    object_id: Mapped[int] = mapped_column()
    recipient: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[timestamp]
    last_attempt_at: Mapped[moment | None]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[moment | None] = mapped_column(index=True)

    __table_args__ = (
        sa.UniqueConstraint("kind", "object_id", "recipient", name="uq_notification_log_key"),
        known("kind", KIND_VALUES),
        not_negative("attempts"),
    )

    def __repr__(self) -> str:
        target = "event" if not self.recipient else "mail"
        return (
            f"<NotificationLog {self.id} {self.kind}:{self.object_id} {target} sent={self.sent_at}>"
        )

    @property
    def is_marker(self) -> bool:
        return self.recipient == ""


__all__ = ["NotificationKind", "NotificationLog", "Scope", "Subscription"]
