"""Subscriptions (double opt-in, one-click unsubscribe) and the notification run.

The subscription services never commit: the view commits, then sends the confirmation mail.
`send_due_notifications` is a unit of work of its own, like the report job: it claims each
mail in the notification log and commits *before* sending (so a second run, or a second
process, can never send it again), then sends and records what went out.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError
from email_validator import validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Department
from consult.accounts.models import User
from consult.catalogue.models import DecisionMatter
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.comments.models import HideReason
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.mail import Mail
from consult.core.mail import send
from consult.core.time import now_utc
from consult.extensions import db
from consult.meetings.models import Invitation
from consult.meetings.models import InvitationStatus
from consult.meetings.models import Meeting
from consult.notifications import mails
from consult.notifications import rules
from consult.notifications.models import NotificationLog
from consult.notifications.models import Subscription
from consult.notifications.rules import SUBSCRIBER_KINDS
from consult.notifications.rules import NotificationKind as Kind
from consult.notifications.rules import Scope

log = logging.getLogger(__name__)

INVALID_LINK = _l("This link is not valid. Please open the whole link from the mail.")


# --- subscriptions -------------------------------------------------------------------------


def clean_email(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise RuleViolation("email", _l("Enter your email address."))
    if len(text) > rules.MAX_EMAIL:
        raise RuleViolation("email", _l("At most %(n)d characters.", n=rules.MAX_EMAIL))
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise RuleViolation(
            "email", _l("Enter a valid email address, like name@example.com.")
        ) from None
    return rules.normalise_email(checked.ascii_email or checked.normalized)


def check_topic(topic: Any) -> tuple[str, int]:
    """(scope, target_id) for a topic the form sent, if that department or matter exists."""
    try:
        scope, target = rules.parse_topic(topic if isinstance(topic, str) else None)
    except ValueError:
        raise RuleViolation("topic", _l("Choose what you want mail about.")) from None
    if scope == Scope.DEPARTMENT:
        dept = db.session.get(Department, target)
        if dept is None or not dept.active:
            raise RuleViolation("topic", _l("Unknown department."))
    elif scope == Scope.MATTER:
        matter = db.session.get(DecisionMatter, target)
        if matter is None or not matter.is_published:
            raise RuleViolation("topic", _l("Unknown decision matter."))
    return scope, target


@dataclass
class SubscribeResult:
    subscription: Subscription
    # The confirmation link's token when a confirmation mail is due (send it after the
    # commit); None when nothing is to be sent.
    token: str | None


def subscribe(email: Any, topic: Any, *, now: datetime | None = None) -> SubscribeResult:
    """Ask for mail about all new consultations, a department's, or one matter's.

    The person asking is always told the same thing, so the form never reveals whether an
    address is subscribed: a new or still unconfirmed address gets a confirmation mail (at
    most one every few minutes); a confirmed one gets nothing."""
    now = now or now_utc()
    address = clean_email(email)
    scope, target = check_topic(topic)
    subscription = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.email == address,
            Subscription.scope == scope,
            Subscription.target_id == target,
            Subscription.unsubscribed_at.is_(None),
        )
    )
    token = None
    if subscription is None:
        token = rules.new_token()
        subscription = Subscription(
            email=address,
            scope=scope,
            target_id=target,
            token_hash=rules.hash_token(token),
            token_issued_at=now,
            created_at=now,
        )
        wanted = {"scope": scope, "target_id": target}
        audit.added(subscription, "subscription_requested", actor=None, now=now, details=wanted)
    elif subscription.confirmed_at is None and rules.may_resend_confirmation(
        subscription.token_issued_at, now
    ):
        # A fresh link; the one in the earlier mail stops working.
        token = rules.new_token()
        subscription.token_hash = rules.hash_token(token)
        subscription.token_issued_at = now
        db.session.flush()
        audit.record(subscription, "confirmation_resent", actor=None, now=now)
    return SubscribeResult(subscription, token)


def send_confirmation(result: SubscribeResult) -> bool:
    """The double opt-in mail; after the commit. Nothing else goes out before it is used."""
    if result.token is None:
        return False
    return send([mails.confirmation_mail(result.subscription, result.token)]) == 1


def _subscription_by_token(token: str) -> Subscription | None:
    if not rules.looks_like_token(token):
        return None
    return db.session.scalar(
        sa.select(Subscription).where(Subscription.token_hash == rules.hash_token(token))
    )


def pending_confirmation(token: str) -> Subscription:
    """The subscription a confirmation link stands for, as it is (the page shows its state)."""
    subscription = _subscription_by_token(token)
    if subscription is None:
        raise NotFound(INVALID_LINK)
    return subscription


def confirmation_state(subscription: Subscription, now: datetime) -> str:
    if subscription.unsubscribed_at is not None:
        return "cancelled"
    if subscription.confirmed_at is not None:
        return "confirmed"
    if rules.confirmation_expired(subscription.token_issued_at, now):
        return "expired"
    return "pending"


def confirm_subscription(token: str, *, now: datetime | None = None) -> Subscription:
    """Double opt-in, second step. Confirming twice is harmless."""
    now = now or now_utc()
    subscription = pending_confirmation(token)
    state = confirmation_state(subscription, now)
    if state == "cancelled":
        raise RuleViolation(
            None, _l("This subscription has been cancelled. You can subscribe again.")
        )
    if state == "expired":
        raise RuleViolation(None, _l("This confirmation link has expired. Please subscribe again."))
    if state == "pending":
        subscription.confirmed_at = now
        db.session.flush()
        audit.record(subscription, "subscription_confirmed", actor=None, now=now)
    return subscription


def _matching(consultation: Consultation) -> sa.Select:
    """Live subscriptions a mail about this consultation goes to (or is cancelled with)."""
    matter = consultation.matter
    return (
        sa.select(Subscription)
        .where(
            Subscription.unsubscribed_at.is_(None),
            sa.or_(
                Subscription.scope == Scope.ALL.value,
                sa.and_(
                    Subscription.scope == Scope.DEPARTMENT.value,
                    Subscription.target_id == matter.department_id,
                ),
                sa.and_(
                    Subscription.scope == Scope.MATTER.value,
                    Subscription.target_id == matter.id,
                ),
            ),
        )
        .order_by(Subscription.email, Subscription.id)
    )


def subscriptions_for_token(token: str) -> list[Subscription]:
    """What an unsubscribe link cancels: the subscription of a confirmation mail, or every
    live subscription of that address that brought the notification mail carrying the link.
    Empty when they are cancelled already; NotFound for a link that never existed."""
    subscription = _subscription_by_token(token)
    if subscription is not None:
        return [subscription] if subscription.unsubscribed_at is None else []
    row = (
        db.session.scalar(
            sa.select(NotificationLog).where(NotificationLog.token_hash == rules.hash_token(token))
        )
        if rules.looks_like_token(token)
        else None
    )
    if row is None:
        raise NotFound(INVALID_LINK)
    consultation = (
        db.session.get(Consultation, row.object_id)
        if rules.OBJECT_OF[Kind(row.kind)] == "consultation"
        else None
    )
    if consultation is None:  # the mail was not about a consultation: every subscription
        stmt = sa.select(Subscription).where(Subscription.unsubscribed_at.is_(None))
    else:
        stmt = _matching(consultation)
    return list(db.session.scalars(stmt.where(Subscription.email == row.recipient)))


def unsubscribe(token: str, *, now: datetime | None = None) -> list[Subscription]:
    """One click, no questions: cancels what the link stands for. Idempotent."""
    now = now or now_utc()
    cancelled = subscriptions_for_token(token)
    for subscription in cancelled:
        subscription.unsubscribed_at = now
        db.session.flush()
        audit.record(subscription, "unsubscribed", actor=None, now=now)
    return cancelled


# --- the notification run ------------------------------------------------------------------


@dataclass
class _Claim:
    row: NotificationLog
    token: str | None  # the unsubscribe token of a subscriber mail (only its hash is stored)


def _handled(kind: Kind, ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(NotificationLog.object_id).where(
                NotificationLog.kind == kind.value,
                NotificationLog.recipient == "",
                NotificationLog.object_id.in_(ids),
            )
        )
    )


def _due(kind: Kind, now: datetime) -> list[Any]:
    """The objects whose notification of this kind is due and not yet handled."""
    if kind == Kind.CONSULTATION_OPENED:
        objects = db.session.scalars(
            sa.select(Consultation).where(
                Consultation.activated_at.is_not(None),
                Consultation.is_open_at(now),
                Consultation.opens_at >= now - rules.ANNOUNCE_WITHIN,
            )
        )
    elif kind == Kind.CLOSING_SOON:
        objects = db.session.scalars(
            sa.select(Consultation).where(
                Consultation.activated_at.is_not(None),
                Consultation.is_open_at(now),
                Consultation.closes_at <= now + rules.CLOSING_SOON_BEFORE,
            )
        )
    elif kind == Kind.FEEDBACK_PUBLISHED:
        objects = db.session.scalars(
            sa.select(Consultation).where(
                Consultation.feedback_published_at.is_not(None),
                Consultation.feedback_published_at <= now,
                Consultation.feedback_published_at >= now - rules.FEEDBACK_MAIL_WITHIN,
            )
        )
    elif kind == Kind.FEEDBACK_OVERDUE:
        from consult.feedback.services import overdue

        objects = overdue(None, now)
    else:
        objects = [
            invitation
            for invitation in db.session.scalars(
                sa.select(Invitation)
                .join(Invitation.meeting)
                .where(
                    Invitation.status == InvitationStatus.PENDING.value,
                    Meeting.registration_deadline > now,
                    Meeting.registration_deadline <= now + rules.REMINDER_BEFORE_DEADLINE,
                )
            )
            if rules.reminder_due(
                invitation.invited_at, invitation.meeting.registration_deadline, now
            )
        ]
    objects = sorted(objects, key=lambda o: o.id)
    handled = _handled(kind, (o.id for o in objects))
    return [o for o in objects if o.id not in handled]


def _still_due(kind: Kind, obj: Any, now: datetime) -> bool:
    """Checked again when a mail is sent (a retry may come late)."""
    if kind in (Kind.CONSULTATION_OPENED, Kind.CLOSING_SOON):
        return obj.is_open_at(now)
    if kind == Kind.FEEDBACK_OVERDUE:
        return obj.feedback_published_at is None
    if kind == Kind.INVITATION_REMINDER:
        return obj.status == InvitationStatus.PENDING and now < obj.meeting.registration_deadline
    return True


def _audience(kind: Kind, obj: Any) -> dict[str, Any]:
    """Recipient address → what their mail needs (deduplicated per address)."""
    if kind in SUBSCRIBER_KINDS:
        matched: dict[str, list[Subscription]] = defaultdict(list)
        for subscription in db.session.scalars(
            _matching(obj).where(Subscription.confirmed_at.is_not(None))
        ):
            matched[subscription.email].append(subscription)
        return dict(matched)
    if kind == Kind.FEEDBACK_PUBLISHED:
        # Those who left an email address as contact, each told about their own receipts.
        receipts: dict[str, list[Comment]] = defaultdict(list)
        for comment in db.session.scalars(
            sa.select(Comment)
            .where(Comment.consultation_id == obj.id, Comment.contact.contains("@"))
            .order_by(Comment.id)
        ):
            if comment.status == CommentStatus.HIDDEN and comment.hidden_reason == HideReason.SPAM:
                continue
            address = rules.email_in_contact(comment.contact)
            if address:
                receipts[address].append(comment)
        return dict(receipts)
    if kind == Kind.INVITATION_REMINDER:
        rep = obj.representative
        address = rules.normalise_email(rep.email or (rep.user.email if rep.user else "") or "")
        return {address: obj} if "@" in address else {}
    # Feedback overdue: the department's active officers and the government office.
    people: dict[str, User] = {}
    for user in db.session.scalars(
        sa.select(User).where(User.managing(obj.matter.department_id)).order_by(User.id)
    ):
        people.setdefault(rules.normalise_email(user.email), user)
    return people


def _compose(kind: Kind, obj: Any, address: str, context: Any, token: str | None) -> Mail:
    if kind == Kind.CONSULTATION_OPENED:
        return mails.opened_mail(obj, address, context, token)
    if kind == Kind.CLOSING_SOON:
        return mails.closing_soon_mail(obj, address, context, token)
    if kind == Kind.FEEDBACK_PUBLISHED:
        return mails.feedback_published_mail(obj, address, context)
    if kind == Kind.INVITATION_REMINDER:
        return mails.invitation_reminder_mail(obj, address)
    from consult.feedback.services import feedback_period
    from consult.feedback.services import progress

    answered, total = progress(obj)
    return mails.feedback_overdue_mail(
        obj, address, context.display_name, obj.closes_at + feedback_period(), answered, total
    )


def _object(kind: Kind, object_id: int) -> Any:
    model = Invitation if rules.OBJECT_OF[kind] == "invitation" else Consultation
    return db.session.get(model, object_id)


def _claim_event(kind: Kind, obj: Any, audience: dict[str, Any], now: datetime) -> list[_Claim]:
    """Mark the event handled and claim one mail per address, in one savepoint: if another
    run got there first, the unique key refuses it all and this run sends nothing."""
    claims = []
    try:
        with db.session.begin_nested():
            db.session.add(
                NotificationLog(
                    kind=kind.value,
                    object_id=obj.id,
                    recipient="",
                    created_at=now,
                    sent_at=now,
                    attempts=0,
                )
            )
            for address in sorted(audience):
                token = rules.new_token() if kind in SUBSCRIBER_KINDS else None
                row = NotificationLog(
                    kind=kind.value,
                    object_id=obj.id,
                    recipient=address,
                    token_hash=rules.hash_token(token) if token else None,
                    created_at=now,
                    last_attempt_at=now,
                    attempts=1,
                )
                db.session.add(row)
                claims.append(_Claim(row, token))
            db.session.flush()
    except IntegrityError:
        log.info("%s for %s was handled by another run", kind.value, obj.id)
        return []
    return claims


def _claim_retries(kinds: list[Kind], now: datetime) -> list[_Claim]:
    """Mails the backend could not deliver earlier, claimed again (a conditional update, so
    two runs never both take one)."""
    claims = []
    rows = db.session.scalars(
        sa.select(NotificationLog)
        .where(
            NotificationLog.kind.in_([k.value for k in kinds]),
            NotificationLog.recipient != "",
            NotificationLog.sent_at.is_(None),
            NotificationLog.attempts < rules.MAX_ATTEMPTS,
            NotificationLog.last_attempt_at <= now - rules.RETRY_AFTER,
        )
        .order_by(NotificationLog.id)
    ).all()
    for row in rows:
        token = rules.new_token() if Kind(row.kind) in SUBSCRIBER_KINDS else None
        result = db.session.execute(
            sa.update(NotificationLog)
            .where(NotificationLog.id == row.id, NotificationLog.attempts == row.attempts)
            .values(
                attempts=row.attempts + 1,
                last_attempt_at=now,
                token_hash=rules.hash_token(token) if token else None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            db.session.expire(row)
            claims.append(_Claim(row, token))
    return claims


def send_due_notifications(
    now: datetime | None = None, *, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Send every notification that is due and was never sent: consultations opened and
    closing in three days (to subscribers), feedback published (to commenters who left an
    email address), invitation reminders (to representatives), feedback overdue (to the
    department and the government office). Commits. Returns the mails sent, by kind."""
    now = now or now_utc()
    selected = [k for k in Kind if kinds is None or k.value in set(kinds)]
    claims: list[_Claim] = []
    audiences: dict[tuple[str, int], dict[str, Any]] = {}
    for kind in selected:
        for obj in _due(kind, now):
            audience = _audience(kind, obj)
            audiences[(kind.value, obj.id)] = audience
            claims += _claim_event(kind, obj, audience, now)
    claims += _claim_retries(selected, now)
    db.session.commit()

    sent = dict.fromkeys((k.value for k in selected), 0)
    for claim in claims:
        row = claim.row
        kind = Kind(row.kind)
        obj = _object(kind, row.object_id)
        key = (kind.value, row.object_id)
        if obj is not None and key not in audiences:
            audiences[key] = _audience(kind, obj)
        context = audiences.get(key, {}).get(row.recipient)
        if obj is None or context is None or not _still_due(kind, obj, now):
            row.attempts = rules.MAX_ATTEMPTS  # nobody wants it any more: give up
            continue
        if send([_compose(kind, obj, row.recipient, context, claim.token)]) == 1:
            row.sent_at = now
            sent[kind.value] += 1
    db.session.commit()
    return sent


def notify_after_commit(*kinds: str) -> dict[str, int]:
    """For a view or API handler, right after its own commit (e.g. a consultation that opened
    at once is announced now, not at the next tick). Never fails the request: a problem is
    logged and `flask tick` tries again."""
    try:
        return send_due_notifications(kinds=kinds or None)
    except Exception:
        db.session.rollback()
        log.exception("sending notifications after the commit failed")
        return {}
