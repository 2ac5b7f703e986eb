"""Account rules: pure functions, no Flask, no database."""

from __future__ import annotations

import hashlib
from datetime import datetime
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from consult.accounts.models import Role
from consult.core.errors import RuleViolation

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
MAX_EMAIL = 254  # RFC 5321
TOKEN_PREFIX = "cst_"

# Setting a password by mail. A link asked for on the login page works for an hour; the one in
# the mail that opens an account (an approved application) for a week. Either works once: it
# carries a fingerprint of the password hash and the last login, so setting the password, or
# logging in, ends it.
RESET_LINK_VALID = timedelta(hours=1)
WELCOME_LINK_VALID = timedelta(days=7)
RESET_MAIL_EVERY = timedelta(minutes=5)  # at most one reset mail per account in this time
MAX_RESET_TOKEN = 400  # what a link's token may be: longer ones are not ours


class LinkPurpose:
    RESET = "reset"
    WELCOME = "welcome"


LINK_VALID = {LinkPurpose.RESET: RESET_LINK_VALID, LinkPurpose.WELCOME: WELCOME_LINK_VALID}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_policy(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            field, _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise RuleViolation(field, _l("The password is too long."))


def check_role_department(role: str, department_id: int | None) -> None:
    if role not in {r.value for r in Role}:
        raise RuleViolation("role", _l("Unknown role."))
    if role == Role.OFFICER and department_id is None:
        raise RuleViolation("department_id", _l("A department officer needs a department."))


def may_act_for_department(
    role: str, own_department_id: int | None, department_id: int | None
) -> bool:
    """Rule 4: an officer acts only for their own department; the government office for all
    (and alone for what no department owns: `department_id` None)."""
    if role == Role.ADMIN:
        return True
    return role == Role.OFFICER and department_id is not None and own_department_id == department_id


def password_fingerprint(password_hash: str, last_login_at: datetime | None) -> str:
    """What a password link is bound to: it changes when the password is set or the person
    logs in, so the link works once and not after the person has shown they know the password."""
    seen = last_login_at.isoformat() if last_login_at else "-"
    return hashlib.sha256(f"{password_hash}|{seen}".encode()).hexdigest()[:32]


def may_send_reset_mail(last_sent: datetime | None, now: datetime) -> bool:
    return last_sent is None or now - last_sent >= RESET_MAIL_EVERY
