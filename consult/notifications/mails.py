"""The text of every notification mail, in Simplified Chinese (English msgids through
gettext under `force_locale("zh_Hans")`), and the absolute links they carry.

Each mail goes to one address and names only that reader's own things (their receipts,
their invitation): never another person's contact details (rule 6).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask_babel import force_locale, gettext

from consult.accounts.models import Department
from consult.catalogue.models import DecisionMatter
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core.mail import Mail
from consult.core.urls import public_url
from consult.meetings.models import Invitation
from consult.notifications.models import Subscription
from consult.notifications.rules import Scope

log = logging.getLogger(__name__)


def _local(moment) -> str:
    from consult.site.helpers import local_datetime

    return local_datetime(moment, "short")


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


def _signature() -> list[str]:
    return ["", gettext("Donghu District People's Government Office")]


def confirmation_mail(subscription: Subscription, token: str) -> Mail:
    """Double opt-in: the only mail an address gets before it is confirmed."""
    confirm = public_url("notifications.confirm", token=token)
    cancel = public_url("notifications.unsubscribe", token=token)
    with force_locale("zh_Hans"):
        topic = topic_label(subscription.scope, subscription.target_id)
        lines = [
            gettext("Hello,"),
            "",
            gettext(
                "This address was entered on the Donghu District major decisions platform to "
                "receive mail about %(topic)s.",
                topic=topic,
            ),
            "",
            gettext("To confirm the subscription, open this link within 7 days:"),
            confirm,
            "",
            gettext(
                "If you did not ask for this, simply ignore this mail: nothing else will be "
                "sent to you. To cancel the request now:"
            ),
            cancel,
            *_signature(),
        ]
        subject = gettext("Please confirm your subscription: %(topic)s", topic=topic)
    return Mail(
        to=subscription.email, subject=subject, body="\n".join(lines), unsubscribe_url=cancel
    )


def _consultation_facts(c: Consultation) -> list[str]:
    return [
        c.title,
        gettext(
            "Decision matter: %(title)s (%(department)s)",
            title=c.matter.title,
            department=c.matter.department.name,
        ),
        gettext(
            "Comments are accepted from %(start)s to %(end)s (Beijing time).",
            start=_local(c.opens_at),
            end=_local(c.closes_at),
        ),
    ]


def opened_mail(
    c: Consultation, address: str, subscriptions: list[Subscription], token: str
) -> Mail:
    unsubscribe = public_url("notifications.unsubscribe", token=token)
    with force_locale("zh_Hans"):
        lines = [
            gettext("A new public consultation is open for comments:"),
            "",
            *_consultation_facts(c),
            "",
            gettext("Read the draft and send your comment:"),
            public_url("consultations.detail", consultation_id=c.id),
            "",
            gettext(
                "You receive this mail because you subscribed to %(topics)s.",
                topics=_topics(subscriptions),
            ),
            gettext("Unsubscribe with one click:"),
            unsubscribe,
            *_signature(),
        ]
        subject = gettext("New public consultation: %(title)s", title=c.title)
    return Mail(to=address, subject=subject, body="\n".join(lines), unsubscribe_url=unsubscribe)


def closing_soon_mail(
    c: Consultation, address: str, subscriptions: list[Subscription], token: str
) -> Mail:
    unsubscribe = public_url("notifications.unsubscribe", token=token)
    with force_locale("zh_Hans"):
        lines = [
            gettext(
                "This public consultation closes in less than 3 days, at %(end)s (Beijing time):",
                end=_local(c.closes_at),
            ),
            "",
            *_consultation_facts(c),
            "",
            gettext("There is still time to send your comment:"),
            public_url("consultations.detail", consultation_id=c.id),
            "",
            gettext(
                "You receive this mail because you subscribed to %(topics)s.",
                topics=_topics(subscriptions),
            ),
            gettext("Unsubscribe with one click:"),
            unsubscribe,
            *_signature(),
        ]
        subject = gettext("Closing in 3 days: %(title)s", title=c.title)
    return Mail(to=address, subject=subject, body="\n".join(lines), unsubscribe_url=unsubscribe)


def feedback_published_mail(c: Consultation, address: str, comments: list[Comment]) -> Mail:
    """To someone who left this address with their comment(s): their receipts only."""
    with force_locale("zh_Hans"):
        lines = [
            gettext("Hello,"),
            "",
            gettext(
                "The department has published its feedback on the public consultation "
                "“%(title)s”. Every comment has an answer, with the reason where it was not "
                "adopted.",
                title=c.title,
            ),
            "",
            gettext("Your comment(s):"),
        ]
        for comment in comments:
            lines.append(
                gettext(
                    "Receipt %(receipt)s: %(url)s",
                    receipt=comment.receipt,
                    url=public_url("comments.receipt", number=comment.receipt),
                )
            )
        lines += [
            "",
            gettext("The feedback and the report:"),
            public_url("consultations.detail", consultation_id=c.id, _anchor="feedback"),
            "",
            gettext(
                "You receive this one mail because you left this address as the contact "
                "with your comment. No further mail will follow."
            ),
            *_signature(),
        ]
        subject = gettext("Feedback published: %(title)s", title=c.title)
    return Mail(to=address, subject=subject, body="\n".join(lines))


def invitation_reminder_mail(invitation: Invitation, address: str) -> Mail:
    meeting, rep = invitation.meeting, invitation.representative
    with force_locale("zh_Hans"):
        lines = [
            gettext("Dear %(name)s,", name=rep.name),
            "",
            gettext("You have not yet answered the invitation to this meeting:"),
            "",
            meeting.title,
            gettext(
                "Time: %(start)s to %(end)s (Beijing time)",
                start=_local(meeting.starts_at),
                end=_local(meeting.ends_at),
            ),
            gettext("Place: %(place)s", place=meeting.place),
            "",
            gettext(
                "Please accept or decline by %(deadline)s (Beijing time):",
                deadline=_local(meeting.registration_deadline),
            ),
            public_url("meetings.my_invitations"),
            *_signature(),
        ]
        subject = gettext("Reminder: please answer the invitation: %(title)s", title=meeting.title)
    return Mail(to=address, subject=subject, body="\n".join(lines))


def feedback_overdue_mail(
    c: Consultation, address: str, name: str, due_at, answered: int, total: int
) -> Mail:
    with force_locale("zh_Hans"):
        lines = [
            gettext("Dear %(name)s,", name=name),
            "",
            gettext(
                "The feedback on this public consultation was due on %(due)s and has not been "
                "published yet:",
                due=_local(due_at),
            ),
            "",
            c.title,
            gettext(
                "Decision matter: %(title)s (%(department)s)",
                title=c.matter.title,
                department=c.matter.department.name,
            ),
            gettext("Closed on %(end)s (Beijing time).", end=_local(c.closes_at)),
            gettext("%(answered)d of %(total)d comments answered.", answered=answered, total=total),
            "",
            gettext("Answer the comments and publish the feedback:"),
            public_url("manage_feedback.workspace", consultation_id=c.id),
            *_signature(),
        ]
        subject = gettext("Feedback overdue: %(title)s", title=c.title)
    return Mail(to=address, subject=subject, body="\n".join(lines))


def _hours_or_days(delta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return gettext("%(n)d days", n=hours // 24)
    return gettext("%(n)d hour(s)", n=hours)


def password_reset_mail(user, token: str) -> Mail:
    """The link asked for on the login page; it works once, for an hour."""
    from consult.accounts import rules as account_rules

    link = public_url("accounts.reset_password", token=token)
    with force_locale("zh_Hans"):
        lines = [
            gettext("Dear %(name)s,", name=user.display_name),
            "",
            gettext(
                "Someone (we hope you) asked to set a new password for your account %(email)s "
                "on the Donghu District major decisions platform.",
                email=user.email,
            ),
            "",
            gettext(
                "To set a new password, open this link within %(valid)s. It works once:",
                valid=_hours_or_days(account_rules.RESET_LINK_VALID),
            ),
            link,
            "",
            gettext(
                "If you did not ask for this, ignore this mail: your password stays as it is, "
                "and the link stops working when you next log in."
            ),
            *_signature(),
        ]
        subject = gettext("Set a new password")
    return Mail(to=user.email, subject=subject, body="\n".join(lines))


def application_received_mail(application) -> Mail:
    """To someone who applied to the pool without an account: the receipt, and what follows."""
    with force_locale("zh_Hans"):
        lines = [
            gettext("Dear %(name)s,", name=application.applicant_name),
            "",
            gettext(
                "The government office has received your application to join the public "
                "representative pool. Its number is %(receipt)s.",
                receipt=application.receipt,
            ),
            "",
            gettext(
                "The government office considers every application and writes to this address "
                "with its decision, with the reason if it says no. If it approves, an account is "
                "opened for this address, so you can answer invitations to meetings online."
            ),
            "",
            gettext("If you did not apply, ignore this mail; nothing else will follow."),
            *_signature(),
        ]
        subject = gettext("Application received: %(receipt)s", receipt=application.receipt)
    return Mail(to=application.applicant_email or "", subject=subject, body="\n".join(lines))


def application_decided_mail(application, token: str | None) -> Mail:
    """The decision; an approved applicant whose account has never been used gets the link
    that sets its first password."""
    from consult.accounts import rules as account_rules
    from consult.representatives.models import ApplicationStatus

    approved = application.status == ApplicationStatus.APPROVED
    with force_locale("zh_Hans"):
        lines = [
            gettext("Dear %(name)s,", name=application.applicant_name),
            "",
        ]
        if approved:
            lines.append(
                gettext(
                    "Your application %(receipt)s to join the public representative pool has "
                    "been approved. Welcome.",
                    receipt=application.receipt,
                )
            )
            if token:
                lines += [
                    "",
                    gettext(
                        "Your account is %(email)s. Set its password with this link within "
                        "%(valid)s (it works once):",
                        email=application.applicant_email,
                        valid=_hours_or_days(account_rules.WELCOME_LINK_VALID),
                    ),
                    public_url("accounts.reset_password", token=token),
                ]
            lines += [
                "",
                gettext("Invitations to meetings, and your attendance record, are here:"),
                public_url("meetings.my_invitations"),
            ]
        else:
            lines += [
                gettext(
                    "The government office has decided not to take your application "
                    "%(receipt)s into the public representative pool, for this reason:",
                    receipt=application.receipt,
                ),
                "",
                application.decision_reason or "",
                "",
                gettext("You remain welcome to comment on every public consultation:"),
                public_url("consultations.index"),
            ]
        lines += _signature()
        subject = (
            gettext("Application approved: %(receipt)s", receipt=application.receipt)
            if approved
            else gettext("Decision on your application %(receipt)s", receipt=application.receipt)
        )
    return Mail(to=application.applicant_email or "", subject=subject, body="\n".join(lines))
