"""The representative pool: adding people, applications, terms, conflicts, figures.
Never commits."""

from __future__ import annotations

import secrets
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from consult.accounts.models import SYSTEM
from consult.accounts.models import Actor
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.accounts.models import require_office
from consult.catalogue.models import DecisionMatter
from consult.core import audit
from consult.core import ids
from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.records import record_of
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.extensions import db
from consult.representatives import rules
from consult.representatives import schemas
from consult.representatives.models import ApplicationStatus
from consult.representatives.models import ConflictOfInterest
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication
from consult.representatives.models import RepresentativeStatus


def _require_admin(actor: Actor) -> None:
    require_office(actor, _l("Only the government office manages the representative pool."))


def add_representative(
    data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Representative:
    """The government office adds a person to the pool directly."""
    _require_admin(actor)
    now = now or now_utc()
    name = values.text(
        data.get("name"), "name", rules.MAX_NAME, required=True, message=_l("Enter the name.")
    )
    category = rules.check_category(data.get("category"))
    rules.check_term(data.get("term_start"), data.get("term_end"))
    user_id = data.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None:
            raise RuleViolation("user_id", _l("Unknown account."))
        if db.session.scalar(sa.select(Representative.id).where(Representative.user_id == user.id)):
            raise RuleViolation("user_id", _l("This account already belongs to a representative."))
        if user.is_resident:
            user.role = Role.REPRESENTATIVE.value
    rep = Representative(
        name=name,
        category=category,
        affiliation=values.text(
            data.get("affiliation"), "affiliation", rules.MAX_AFFILIATION, required=False
        ),
        interests=rules.clean_interests(data.get("interests")),
        term_start=data["term_start"],
        term_end=data["term_end"],
        status=RepresentativeStatus.ACTIVE.value,
        user_id=user_id,
        phone=values.optional_text(data.get("phone"), "phone", rules.MAX_PHONE),
        email=values.optional_text(data.get("email"), "email", rules.MAX_EMAIL),
        created_at=now,
    )
    return audit.added(rep, "added", actor=actor, now=now, details={"category": category})


def set_status(
    rep: Representative,
    status: str,
    reason: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Representative:
    """Suspend, reinstate or end a representative's membership, with a reason."""
    _require_admin(actor)
    if status not in {s.value for s in RepresentativeStatus}:
        raise RuleViolation("status", _l("Unknown status."))
    reason = values.text(
        reason, "reason", rules.MAX_NOTE, required=True, message=_l("Give a reason.")
    )
    now = now or now_utc()
    if status == RepresentativeStatus.ACTIVE and local_date_of(now) > rep.term_end:
        raise RuleViolation("status", _l("The term has ended; renew the term first."))
    change = {"from": rep.status, "to": status, "reason": reason}
    rep.status = status
    db.session.flush()
    audit.record(rep, "status_changed", actor=actor, now=now, details=change)
    return rep


def end_expired_terms(*, now: datetime | None = None) -> int:
    """Terms end by themselves; this records it (run by `flask tick`)."""
    now = now or now_utc()
    today = local_date_of(now)
    expired = list(
        db.session.scalars(
            sa.select(Representative).where(
                Representative.status == RepresentativeStatus.ACTIVE,
                Representative.term_end < today,
            )
        )
    )
    for rep in expired:
        rep.status = RepresentativeStatus.ENDED.value
        audit.record(
            rep, "term_ended", actor=SYSTEM, now=now, details={"term_end": rep.term_end.isoformat()}
        )
    db.session.flush()
    return len(expired)


def _application_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": rules.check_category(data.get("category")),
        "affiliation": values.text(
            data.get("affiliation"), "affiliation", rules.MAX_AFFILIATION, required=False
        ),
        "interests": rules.clean_interests(data.get("interests")),
        "statement": values.text(
            data.get("statement"),
            "statement",
            rules.MAX_STATEMENT,
            required=True,
            message=_l("Tell us why you would like to join."),
        ),
        "phone": values.text(data.get("phone"), "phone", rules.MAX_PHONE, required=False) or None,
    }


def _new_receipt(now: datetime) -> str:
    while True:
        number = ids.new_receipt(local_date_of(now).year, prefix=rules.APPLICATION_PREFIX)
        taken = db.session.scalar(
            sa.select(RepresentativeApplication.id).where(
                RepresentativeApplication.receipt == number
            )
        )
        if taken is None:
            return number


def may_apply(user: Actor) -> bool:
    """Who applies with their account: a logged-in resident (or a representative, for a term
    after the present one). Staff accounts do not join the pool this way."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_resident or user.is_representative  # type: ignore[union-attr]
    )


def apply(
    user: User, data: dict[str, Any], *, now: datetime | None = None
) -> RepresentativeApplication:
    """A resident with an account applies to join the pool."""
    if not may_apply(user):
        raise Forbidden(_l("Log in with a resident account to apply."))
    if db.session.scalar(
        sa.select(Representative.id).where(
            Representative.user_id == user.id, Representative.status == RepresentativeStatus.ACTIVE
        )
    ):
        raise RuleViolation(None, _l("You are already in the representative pool."))
    if db.session.scalar(
        sa.select(RepresentativeApplication.id).where(
            RepresentativeApplication.user_id == user.id,
            RepresentativeApplication.status == ApplicationStatus.PENDING,
        )
    ):
        raise RuleViolation(None, _l("Your application is already being considered."))
    now = now or now_utc()
    fields = _application_fields(data)
    application = RepresentativeApplication(
        receipt=_new_receipt(now),
        user_id=user.id,
        **fields,
        status=ApplicationStatus.PENDING.value,
        submitted_at=now,
    )
    return audit.added(application, "submitted", actor=user, now=now)


def apply_without_account(
    data: dict[str, Any], *, now: datetime | None = None
) -> RepresentativeApplication:
    """Anyone applies with a name and an email address (private): no account needed. The
    answer never depends on whether the address has an account or an application already,
    so the form tells nobody about anyone; the government office sees repeated addresses."""
    from consult.notifications.services import clean_email

    now = now or now_utc()
    name = values.text(
        data.get("name"), "name", rules.MAX_NAME, required=True, message=_l("Enter your name.")
    )
    email = clean_email(data.get("email"))
    fields = _application_fields(data)
    application = RepresentativeApplication(
        receipt=_new_receipt(now),
        name=name,
        email=email,
        **fields,
        status=ApplicationStatus.PENDING.value,
        submitted_at=now,
    )
    return audit.added(application, "submitted", actor=None, now=now, details={"account": False})


def same_address_pending(applications: list[RepresentativeApplication]) -> dict[int, int]:
    """application id → how many other pending applications give the same address."""
    addresses: dict[str, list[int]] = {}
    for a in applications:
        if a.applicant_email:
            addresses.setdefault(a.applicant_email.lower(), []).append(a.id)
    return {i: len(ids_) - 1 for ids_ in addresses.values() for i in ids_ if len(ids_) > 1}


def _account_for_approved(
    application: RepresentativeApplication, actor: Actor, now: datetime
) -> User | None:
    """The account an approved applicant without one answers invitations with: the existing
    resident account of the address, else a new one (its password is set by mail)."""
    from consult.accounts import services as accounts

    if application.user is not None:
        return application.user
    user = db.session.scalar(sa.select(User).where(User.email == application.email))
    if user is not None:
        # A staff account is not turned into a representative's; the office links by hand.
        return user if user.is_resident or user.is_representative else None
    return accounts.create_user(
        {
            "email": application.email,
            "display_name": application.name,
            "role": Role.REPRESENTATIVE.value,
            # Nobody knows this password; the applicant sets one with the mail's link.
            "password": secrets.token_urlsafe(32),
        },
        actor=actor,
        now=now,
    )


def decide_application(
    application: RepresentativeApplication,
    approve: bool,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> RepresentativeApplication:
    """Approve (with a term) or reject (with a reason) an application."""
    _require_admin(actor)
    if application.status != ApplicationStatus.PENDING:
        raise RuleViolation(None, _l("This application has already been decided."))
    now = now or now_utc()
    reason = values.text(
        data.get("reason"),
        "reason",
        rules.MAX_NOTE,
        required=not approve,
        message=_l("Give the reason for rejecting the application."),
    )
    if approve:
        rules.check_term(data.get("term_start"), data.get("term_end"))
        user = _account_for_approved(application, actor, now)
        if user is not None and db.session.scalar(
            sa.select(Representative.id).where(Representative.user_id == user.id)
        ):
            raise RuleViolation(None, _l("This account already belongs to a representative."))
        rep = add_representative(
            {
                "name": application.applicant_name,
                "category": application.category,
                "affiliation": application.affiliation,
                "interests": application.interests,
                "term_start": data.get("term_start"),
                "term_end": data.get("term_end"),
                "user_id": user.id if user else None,
                "phone": application.phone,
                "email": application.applicant_email,
            },
            actor=actor,
            now=now,
        )
        application.representative_id = rep.id
    application.status = (
        ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    ).value
    application.decision_reason = reason or None
    application.decided_at = now
    application.decided_by_id = getattr(actor, "id", None)
    decision = "approved" if approve else "rejected"
    given = {"reason": reason} if reason else {}
    db.session.flush()
    audit.record(application, decision, actor=actor, now=now, details=given)
    return application


def record_conflict(
    rep: Representative,
    matter: DecisionMatter,
    note: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> ConflictOfInterest:
    _require_admin(actor)
    if db.session.scalar(
        sa.select(ConflictOfInterest.id).where(
            ConflictOfInterest.representative_id == rep.id,
            ConflictOfInterest.matter_id == matter.id,
        )
    ):
        raise RuleViolation("matter_id", _l("This conflict of interest is already recorded."))
    conflict = ConflictOfInterest(
        representative_id=rep.id,
        matter_id=matter.id,
        note=values.text(note, "note", rules.MAX_NOTE, required=False),
    )
    return audit.added(
        conflict,
        "conflict_recorded",
        about=rep,
        stamp="recorded",
        actor=actor,
        now=now,
        details={"matter_id": matter.id},
    )


def conflicted_ids(matter_ids: list[int]) -> dict[int, list[int]]:
    """representative id → the matters (of these) on which they have a conflict."""
    if not matter_ids:
        return {}
    rows = db.session.execute(
        sa.select(ConflictOfInterest.representative_id, ConflictOfInterest.matter_id).where(
            ConflictOfInterest.matter_id.in_(matter_ids)
        )
    ).all()
    found: dict[int, list[int]] = {}
    for rep_id, matter_id in rows:
        found.setdefault(rep_id, []).append(matter_id)
    return found


def representative_for(user: Actor) -> Representative | None:
    if user is None or user is SYSTEM or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Representative).where(Representative.user_id == user.id))


def roster(day: date) -> list[Representative]:
    """The public roster: everyone whose term covers `day` and who is not suspended."""
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                Representative.status == RepresentativeStatus.ACTIVE,
                Representative.term_start <= day,
                Representative.term_end >= day,
            )
            .order_by(Representative.category, Representative.name)
        )
    )


def public_record(rep: Representative, stats: dict[str, Any], *, today: date) -> dict[str, Any]:
    """Public fields only (schemas.Representative): no phone, no email, no account (rule 6)."""
    return record_of(
        schemas.Representative, rep, status=rep.status_on(today), attendance=stats
    ).record()
