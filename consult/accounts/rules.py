"""Account rules: pure functions, no Flask, no database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from consult.accounts.models import Role
from consult.core.errors import RuleViolation

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
MAX_EMAIL = 254  # RFC 5321
TOKEN_PREFIX = "cst_"


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


def may_act_for_department(role: str, own_department_id: int | None, department_id: int) -> bool:
    """Rule 4: an officer acts only for their own department; the government office for all."""
    if role == Role.ADMIN:
        return True
    return role == Role.OFFICER and own_department_id == department_id
