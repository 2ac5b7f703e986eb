"""Account state changes: users, departments, logins, API tokens. Never commits."""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from consult.accounts import rules
from consult.accounts.models import Actor
from consult.accounts.models import ApiToken
from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.accounts.models import require_office
from consult.core import audit
from consult.core import values
from consult.core.audit import AuditEvent
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.time import now_utc
from consult.extensions import db

log = logging.getLogger(__name__)

_HASHER = PasswordHasher()
# Tests hash hundreds of passwords; production keeps argon2's recommended cost.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2's least


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _FAST_HASHER
    return _HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _absent_account_hash() -> str:
    """A hash checked when no account has the address, so that a wrong address takes as long
    as a wrong password (the answer's time does not tell which addresses have accounts).
    With the cost of real accounts' hashes: made by the hasher that makes theirs (the
    production hasher, outside tests)."""
    return _absent_hash_made_by(_hasher())


@functools.cache
def _absent_hash_made_by(hasher: PasswordHasher) -> str:
    """Made once per process: hashing anew for each login would cost a second argon2 run,
    and so make the unknown address the slower answer."""
    return hasher.hash(secrets.token_urlsafe(16))


def _require_admin(actor: Actor) -> None:
    require_office(actor, _l("Only the government office can manage accounts."))


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _update(obj: Any, new: dict[str, Any], *, actor: User, now: datetime | None) -> None:
    """Set the fields of `new` that differ; the change is one "updated" event, {field: [old,
    new]}, and none when nothing changed."""
    changes = {k: [getattr(obj, k), v] for k, v in new.items() if getattr(obj, k) != v}
    for key, (_old, value) in changes.items():
        setattr(obj, key, value)
    if changes:
        audit.record(obj, "updated", actor=actor, details=changes, now=now)
    db.session.flush()


# --- departments -------------------------------------------------------------------------


def _check_department_names(name: str, short_name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise RuleViolation("name", _l("Enter the department's name."))
    if not short_name:
        raise RuleViolation("short_name", _l("Enter a short name."))
    if len(name) > 100:
        raise RuleViolation("name", _l("At most %(n)d characters.", n=100))
    if len(short_name) > 30:
        raise RuleViolation("short_name", _l("At most %(n)d characters.", n=30))
    for field, value in (("name", name), ("short_name", short_name)):
        q = sa.select(Department.id).where(getattr(Department, field) == value)
        if exclude_id is not None:
            q = q.where(Department.id != exclude_id)
        if db.session.scalar(q) is not None:
            raise RuleViolation(field, _l("Another department already uses this name."))


def create_department(
    data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Department:
    """Create a department (the government office, or the system: the CLI, the demo)."""
    _require_admin(actor)
    name, short = _clean(data.get("name")), _clean(data.get("short_name"))
    _check_department_names(name, short)
    dept = Department(name=name, short_name=short, active=True, created_at=now or now_utc())
    return audit.added(dept, "created", actor=actor, details={"name": name}, now=now)


def update_department(
    dept: Department, data: dict[str, Any], *, actor: User, now: datetime | None = None
) -> Department:
    _require_admin(actor)
    name = _clean(data.get("name", dept.name))
    short = _clean(data.get("short_name", dept.short_name))
    _check_department_names(name, short, exclude_id=dept.id)
    active = bool(data.get("active", dept.active))
    _update(dept, {"name": name, "short_name": short, "active": active}, actor=actor, now=now)
    return dept


# --- users -------------------------------------------------------------------------------


def _check_user_fields(email: str, display_name: str, exclude_id: int | None = None) -> None:
    if not email or "@" not in email or len(email) > 254:
        raise RuleViolation("email", _l("Enter a valid email address."))
    if not display_name:
        raise RuleViolation("display_name", _l("Enter a name."))
    if len(display_name) > 100:
        raise RuleViolation("display_name", _l("At most %(n)d characters.", n=100))
    q = sa.select(User.id).where(User.email == email)
    if exclude_id is not None:
        q = q.where(User.id != exclude_id)
    if db.session.scalar(q) is not None:
        raise RuleViolation("email", _l("An account with this email address already exists."))


def _department_or_none(department_id: Any) -> int | None:
    if department_id in (None, "", 0, "0"):
        return None
    try:
        dept = db.session.get(Department, int(department_id))
    except (TypeError, ValueError):
        dept = None
    if dept is None:
        raise RuleViolation("department_id", _l("Unknown department."))
    return dept.id


def create_user(data: dict[str, Any], *, actor: Actor, now: datetime | None = None) -> User:
    """Create an account. Accounts are made by the government office (or the system: the
    CLI, the demo; a representative's, when the office approves an application)."""
    _require_admin(actor)
    email = rules.normalise_email(data.get("email", ""))
    name = _clean(data.get("display_name"))
    role = data.get("role") or Role.RESIDENT.value
    department_id = _department_or_none(data.get("department_id"))
    _check_user_fields(email, name)
    rules.check_role_department(role, department_id)
    rules.check_password_policy(data.get("password", ""))
    user = User(
        email=email,
        display_name=name,
        role=role,
        department_id=department_id if role in (Role.OFFICER, Role.ADMIN) else None,
        password_hash=hash_password(data["password"]),
        active=True,
        department_head=_head_flag(data.get("department_head", False), role),
        created_at=now or now_utc(),
    )
    return audit.added(user, "created", actor=actor, details={"role": role}, now=now)


def _head_flag(value: Any, role: str) -> bool:
    """Only an officer heads a department (shares the answering of comments out)."""
    if not isinstance(value, bool):
        raise RuleViolation("department_head", _l("Say yes or no."))
    if value and role != Role.OFFICER:
        raise RuleViolation("department_head", _l("Only a department's officer can be its head."))
    return value


def update_user(
    user: User, data: dict[str, Any], *, actor: User, now: datetime | None = None
) -> User:
    """Change name, role, department or active flag of an account."""
    _require_admin(actor)
    name = _clean(data.get("display_name", user.display_name))
    email = rules.normalise_email(data.get("email", user.email))
    role = data.get("role", user.role)
    department_id = _department_or_none(data.get("department_id", user.department_id))
    active = bool(data.get("active", user.active))
    _check_user_fields(email, name, exclude_id=user.id)
    rules.check_role_department(role, department_id)
    if user.id == actor.id and (not active or role != Role.ADMIN):
        raise RuleViolation("role", _l("You cannot remove your own administrator access."))
    new = {
        "display_name": name,
        "email": email,
        "role": role,
        "department_id": department_id if role in (Role.OFFICER, Role.ADMIN) else None,
        "active": active,
        "department_head": _head_flag(data.get("department_head", user.department_head), role),
    }
    _update(user, new, actor=actor, now=now)
    return user


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    """Return the active user with these credentials, or raise one undistinguished error."""
    address = rules.normalise_email(email if isinstance(email, str) else "")
    password = password if isinstance(password, str) else ""
    user = (
        None
        if values.unstorable(address) or len(address) > rules.MAX_EMAIL
        else db.session.scalar(sa.select(User).where(User.email == address))
    )
    if user is None:
        _verify(_absent_account_hash(), password)
        raise RuleViolation("password", _l("Wrong email address or password."))
    if not password_matches(user, password):
        raise RuleViolation("password", _l("Wrong email address or password."))
    if not user.active:
        raise RuleViolation("email", _l("This account has been deactivated."))
    user.last_login_at = now or now_utc()
    if _HASHER.check_needs_rehash(user.password_hash) and not current_app.config.get(
        "PASSWORD_HASH_FAST"
    ):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def change_password(
    user: User, current: str, new: str, *, actor: User, now: datetime | None = None
) -> None:
    if actor.id != user.id:
        raise Forbidden(_l("You can only change your own password."))
    if not password_matches(user, current or ""):
        raise RuleViolation("current_password", _l("The current password is wrong."))
    rules.check_password_policy(new, field="new_password")
    user.password_hash = hash_password(new)
    audit.record(user, "password_changed", actor=actor, now=now)
    db.session.flush()


def set_password(user: User, new: str, *, actor: Actor, now: datetime | None = None) -> None:
    """Set a password without the old one (government office or CLI)."""
    _require_admin(actor)
    rules.check_password_policy(new)
    user.password_hash = hash_password(new)
    audit.record(user, "password_reset", actor=actor, now=now)
    db.session.flush()


# --- setting a password by mail ------------------------------------------------------------

INVALID_LINK = _l(
    "This link has expired or has already been used. Ask for a new one: links work once, "
    "for a limited time."
)


def _link_serializer(now: datetime) -> URLSafeTimedSerializer:
    """itsdangerous, timed by the platform's clock (core.time), not the system's."""

    class _ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="consult.password-link", signer=_ClockSigner
    )


def password_link_token(user: User, purpose: str, *, now: datetime | None = None) -> str:
    """The token of a link that sets `user`'s password (a reset, or a new account's first)."""
    now = now or now_utc()
    return _link_serializer(now).dumps(
        {
            "u": user.id,
            "p": purpose,
            "f": rules.password_fingerprint(user.password_hash, user.last_login_at),
        }
    )


def _last_reset_mail(user: User) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(AuditEvent.occurred_at)).where(
            AuditEvent.object_type == User.__tablename__,
            AuditEvent.object_id == user.id,
            AuditEvent.action == "password_reset_requested",
        )
    )


def request_password_reset(email: Any, *, now: datetime | None = None) -> tuple[User, str] | None:
    """Someone asks for a password link for `email`. Returns (user, token) when a mail is due
    (send it after the commit), else None: no active account has the address, or one was sent
    a few minutes ago. The page says the same either way, so it tells nobody which addresses
    have accounts."""
    now = now or now_utc()
    address = rules.normalise_email(email if isinstance(email, str) else "")
    if not address or "@" not in address or len(address) > rules.MAX_EMAIL:
        raise RuleViolation("email", _l("Enter a valid email address."))
    if values.unstorable(address):
        raise RuleViolation("email", _l("Enter a valid email address."))
    user = db.session.scalar(sa.select(User).where(User.email == address))
    if user is None or not user.active:
        return None
    if not rules.may_send_reset_mail(_last_reset_mail(user), now):
        return None
    audit.record(user, "password_reset_requested", actor=None, now=now)
    db.session.flush()
    return user, password_link_token(user, rules.LinkPurpose.RESET, now=now)


def user_for_password_link(token: Any, *, now: datetime | None = None) -> User:
    """The account a password link stands for, while it is valid; RuleViolation otherwise."""
    now = now or now_utc()
    if not isinstance(token, str) or not token or len(token) > rules.MAX_RESET_TOKEN:
        raise RuleViolation(None, INVALID_LINK, code="invalid_link")
    serializer = _link_serializer(now)
    try:
        _ok, payload = serializer.loads_unsafe(token)
        purpose = payload.get("p") if isinstance(payload, dict) else None
        max_age = rules.LINK_VALID.get(purpose)
        if max_age is None:
            raise BadData("unknown purpose")
        payload = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except BadData:
        raise RuleViolation(None, INVALID_LINK, code="invalid_link") from None
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise RuleViolation(None, INVALID_LINK, code="invalid_link")
    expected = rules.password_fingerprint(user.password_hash, user.last_login_at)
    if not secrets.compare_digest(str(payload.get("f", "")), expected):
        raise RuleViolation(None, INVALID_LINK, code="invalid_link")
    return user


def reset_password(token: Any, new: Any, *, now: datetime | None = None) -> User:
    """Set the password with a link from a mail; the link then stops working."""
    now = now or now_utc()
    user = user_for_password_link(token, now=now)
    new = new if isinstance(new, str) else ""
    rules.check_password_policy(new)
    user.password_hash = hash_password(new)
    audit.record(user, "password_set_by_mail", actor=user, now=now)
    db.session.flush()
    return user


# --- API tokens --------------------------------------------------------------------------


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    user: User, name: str, *, actor: Actor, now: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a bearer token for a staff or representative user (a representative answers
    invitations through the API). Returns the row and the secret (shown once)."""
    if getattr(actor, "id", None) != user.id:  # one's own, or the office's (the system's)
        _require_admin(actor)
    if not (user.is_staff or user.is_representative):
        raise RuleViolation(
            "user", _l("Only staff and representative accounts can have API tokens.")
        )
    name = _clean(name) or "API"
    if len(name) > 100:
        raise RuleViolation("name", _l("At most %(n)d characters.", n=100))
    secret = rules.TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_token_digest(secret),
        prefix=secret[:12],
        created_at=now or now_utc(),
    )
    audit.added(token, "issued", actor=actor, details={"name": name}, now=now)
    return token, secret


def revoke_token(token: ApiToken, *, actor: User, now: datetime | None = None) -> None:
    if actor.id != token.user_id:
        _require_admin(actor)
    if token.revoked_at is None:
        token.revoked_at = now or now_utc()
        audit.record(token, "revoked", actor=actor, now=now)
    db.session.flush()


def user_for_token(secret: str, *, now: datetime | None = None) -> User | None:
    if not secret or not secret.startswith(rules.TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _token_digest(secret))
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = now or now_utc()
    return token.user
