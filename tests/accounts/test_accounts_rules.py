"""Account rules: pure functions, no database."""

from __future__ import annotations

import pytest

from consult.accounts import rules
from consult.accounts.models import Role
from consult.core.errors import RuleViolation


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Someone@Example.TEST", "someone@example.test"),
        ("  officer@example.test \n", "officer@example.test"),
        ("\tMIXED.Case@Gov.CN  ", "mixed.case@gov.cn"),
        ("", ""),
        (None, ""),
    ],
)
def test_email_is_normalised_to_trimmed_lowercase(raw, expected):
    assert rules.normalise_email(raw) == expected


@pytest.mark.parametrize(
    "password",
    ["x" * rules.MIN_PASSWORD_LENGTH, "长期密码一二三四五六", "x" * rules.MAX_PASSWORD_LENGTH],
)
def test_password_policy_accepts_lengths_within_bounds(password):
    rules.check_password_policy(password)


@pytest.mark.parametrize(
    "password",
    ["", None, "short", "x" * (rules.MIN_PASSWORD_LENGTH - 1)],
)
def test_password_policy_refuses_too_short_passwords(password):
    with pytest.raises(RuleViolation) as exc:
        rules.check_password_policy(password)
    assert exc.value.field == "password"


def test_password_policy_refuses_too_long_passwords():
    with pytest.raises(RuleViolation) as exc:
        rules.check_password_policy("x" * (rules.MAX_PASSWORD_LENGTH + 1))
    assert exc.value.field == "password"


def test_password_policy_names_the_field_it_was_given():
    with pytest.raises(RuleViolation) as exc:
        rules.check_password_policy("short", field="new_password")
    assert exc.value.field == "new_password"


@pytest.mark.parametrize(
    "role, department_id",
    [
        ("admin", None),
        ("admin", 3),
        ("officer", 3),
        ("representative", None),
        ("resident", None),
    ],
)
def test_role_and_department_combinations_that_are_allowed(role, department_id):
    rules.check_role_department(role, department_id)


def test_officer_without_department_is_refused():
    with pytest.raises(RuleViolation) as exc:
        rules.check_role_department("officer", None)
    assert exc.value.field == "department_id"


@pytest.mark.parametrize("role", ["superuser", "", "Admin"])
def test_unknown_role_is_refused(role):
    with pytest.raises(RuleViolation) as exc:
        rules.check_role_department(role, None)
    assert exc.value.field == "role"


# Rule 4: an officer acts only for their own department; the government office for all.
@pytest.mark.parametrize(
    "role, own_department, target_department, allowed",
    [
        (Role.ADMIN, None, 1, True),
        (Role.ADMIN, 2, 1, True),
        (Role.OFFICER, 1, 1, True),
        (Role.OFFICER, 2, 1, False),
        (Role.OFFICER, None, 1, False),
        (Role.REPRESENTATIVE, 1, 1, False),
        (Role.RESIDENT, 1, 1, False),
        (Role.RESIDENT, None, 1, False),
    ],
)
def test_who_may_act_for_a_department(role, own_department, target_department, allowed):
    assert rules.may_act_for_department(role, own_department, target_department) is allowed
