"""Every mail the platform sends: what goes into it. The words are templates,
`templates/mail/<kind>/{subject,body}.txt` (English msgids, rendered in Simplified Chinese by
`core.mail.render_mail`), and every link in them is built from PUBLIC_URL.

Each mail goes to one address and names only that reader's own things (their receipts,
their invitation): never another person's contact details (rule 6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask_babel import force_locale
from flask_babel import gettext

from consult.accounts.models import Department
from consult.catalogue.models import DecisionMatter
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core.mail import Mail
from consult.core.mail import render_mail
from consult.core.urls import public_url
from consult.meetings.models import Invitation
from consult.notifications.models import Subscription
from consult.notifications.rules import Scope

log = logging.getLogger(__name__)


def topic_label(scope: str, target_id: int) -> str:
    """What a subscription is about, in words (call under force_locale)."""
    from consult.extensions import db

    if scope == Scope.DEPARTMENT:
        dept = db.session.get(Department, target_id)
        return gettext(
            "new public consultations of %(department)s",
            department=dept.name if dept else f"#{target_id}",
        )
    if scope == Scope.MATTER:
        matter = db.session.get(DecisionMatter, target_id)
        return gettext(
            "public consultations on the decision matter “%(title)s”",
            title=matter.title if matter else f"#{target_id}",
        )
    return gettext("all new public consultations")


def _topics(subscriptions: Iterable[Subscription]) -> str:
    return "；".join(topic_label(s.scope, s.target_id) for s in subscriptions)


def confirmation_mail(subscription: Subscription, token: str) -> Mail:
    """Double opt-in: the only mail an address gets before it is confirmed."""
    unsubscribe = public_url("notifications.unsubscribe", token=token)
    with force_locale("zh_Hans"):
        topic = topic_label(subscription.scope, subscription.target_id)
    return render_mail(
        "confirmation",
        subscription.email,
        unsubscribe_url=unsubscribe,
        topic=topic,
        confirm=public_url("notifications.confirm", token=token),
        unsubscribe=unsubscribe,
    )


def _subscribers_mail(
    kind: str, c: Consultation, address: str, subscriptions: list[Subscription], token: str
) -> Mail:
    unsubscribe = public_url("notifications.unsubscribe", token=token)
    with force_locale("zh_Hans"):
        topics = _topics(subscriptions)
    return render_mail(
        kind, address, unsubscribe_url=unsubscribe, c=c, topics=topics, unsubscribe=unsubscribe
    )


def opened_mail(
    c: Consultation, address: str, subscriptions: list[Subscription], token: str
) -> Mail:
    return _subscribers_mail("opened", c, address, subscriptions, token)


def closing_soon_mail(
    c: Consultation, address: str, subscriptions: list[Subscription], token: str
) -> Mail:
    return _subscribers_mail("closing_soon", c, address, subscriptions, token)


def feedback_published_mail(c: Consultation, address: str, comments: list[Comment]) -> Mail:
    """To someone who left this address with their comment(s): their receipts only."""
    return render_mail("feedback_published", address, c=c, comments=comments)


def invitation_mail(invitation: Invitation, address: str) -> Mail:
    return render_mail(
        "invitation", address, meeting=invitation.meeting, name=invitation.representative.name
    )


def invitation_reminder_mail(invitation: Invitation, address: str) -> Mail:
    return render_mail(
        "invitation_reminder",
        address,
        meeting=invitation.meeting,
        name=invitation.representative.name,
    )


def feedback_overdue_mail(
    c: Consultation, address: str, name: str, due_at, answered: int, total: int
) -> Mail:
    return render_mail(
        "feedback_overdue",
        address,
        c=c,
        name=name,
        due_at=due_at,
        answered=answered,
        total=total,
    )


def _hours_or_days(delta) -> str:
    with force_locale("zh_Hans"):
        hours = int(delta.total_seconds() // 3600)
        if hours >= 48:
            return gettext("%(n)d days", n=hours // 24)
        return gettext("%(n)d hour(s)", n=hours)


def password_reset_mail(user, token: str) -> Mail:
    """The link asked for on the login page; it works once, for an hour."""
    from consult.accounts import rules as account_rules

    return render_mail(
        "password_reset",
        user.email,
        user=user,
        token=token,
        valid=_hours_or_days(account_rules.RESET_LINK_VALID),
    )


def application_received_mail(application) -> Mail:
    """To someone who applied to the pool without an account: the receipt, and what follows."""
    return render_mail(
        "application_received", application.applicant_email or "", application=application
    )


def application_decided_mail(application, token: str | None) -> Mail:
    """The decision; an approved applicant whose account has never been used gets the link
    that sets its first password."""
    from consult.accounts import rules as account_rules
    from consult.representatives.models import ApplicationStatus

    return render_mail(
        "application_decided",
        application.applicant_email or "",
        application=application,
        approved=application.status == ApplicationStatus.APPROVED,
        token=token,
        valid=_hours_or_days(account_rules.WELCOME_LINK_VALID),
    )
