"""Account services: users, departments, authentication, passwords and API tokens."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.accounts import services
from consult.accounts.models import SYSTEM
from consult.accounts.models import ApiToken
from consult.accounts.models import User
from consult.core.audit import AuditEvent
from consult.core.audit import events_for
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from tests.helpers import PASSWORD

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
ROLES = ["admin", "officer", "representative", "resident"]


@pytest.fixture(autouse=True)
def _clock(frozen):
    """One fixed clock, so events written with and without `now=` sort as they happened."""
    frozen(NOW)


def _user_data(**overrides):
    return {
        "email": "new.person@example.test",
        "display_name": "新用户",
        "password": "a-long-enough-password",
        "role": "resident",
        **overrides,
    }


# --- creating users ----------------------------------------------------------------------


def test_admin_creates_an_officer_with_a_department(db, create_user, create_department):
    admin = create_user("admin")
    dept = create_department()
    user = services.create_user(
        _user_data(role="officer", department_id=dept.id), actor=admin, now=NOW
    )
    assert user.id is not None
    assert user.role == "officer"
    assert user.department_id == dept.id
    assert user.created_at == NOW
    assert user.password_hash != "a-long-enough-password"
    event = events_for("user", user.id)[-1]
    assert (event.action, event.actor_id, event.details) == (
        "created",
        admin.id,
        {"role": "officer"},
    )


def test_new_user_email_is_stored_normalised(db):
    user = services.create_user(_user_data(email="  Mixed.Case@Example.TEST "), actor=SYSTEM)
    assert user.email == "mixed.case@example.test"


def test_authenticate_accepts_the_email_in_any_case(db, create_user):
    user = create_user("resident", email="li.lei@example.test")
    assert services.authenticate("  LI.Lei@Example.Test ", PASSWORD) is user


@pytest.mark.parametrize("password", ["", "short", "x" * 9, "x" * 201])
def test_create_user_enforces_the_password_policy(db, password):
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(password=password), actor=SYSTEM)
    assert exc.value.field == "password"
    assert db.session.scalar(sa.select(User).where(User.email == "new.person@example.test")) is None


@pytest.mark.parametrize("email", ["", "no-at-sign", "x" * 250 + "@e.cn"])
def test_create_user_refuses_invalid_email(db, email):
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(email=email), actor=SYSTEM)
    assert exc.value.field == "email"


def test_create_user_refuses_an_email_already_used_in_another_case(db, create_user):
    create_user("resident", email="taken@example.test")
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(email="TAKEN@example.test"), actor=SYSTEM)
    assert exc.value.field == "email"


def test_create_user_refuses_unknown_role(db):
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(role="superuser"), actor=SYSTEM)
    assert exc.value.field == "role"


def test_create_user_refuses_unknown_department(db):
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(role="officer", department_id=999_999), actor=SYSTEM)
    assert exc.value.field == "department_id"


def test_officer_needs_a_department_in_the_service(db):
    with pytest.raises(RuleViolation) as exc:
        services.create_user(_user_data(role="officer", department_id=None), actor=SYSTEM)
    assert exc.value.field == "department_id"


def test_officer_needs_a_department_in_the_database(db):
    """The CHECK constraint is the backstop when something bypasses the service."""
    with pytest.raises(IntegrityError, match="ck_user_officer_has_department"):  # noqa: SIM117
        with db.session.begin_nested():
            db.session.add(
                User(
                    email="direct@example.test",
                    display_name="直接写入",
                    password_hash="not-a-real-hash",
                    role="officer",
                    department_id=None,
                )
            )
    assert db.session.scalar(sa.select(User).where(User.email == "direct@example.test")) is None


def test_unknown_role_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError, match="ck_user_role_known"):  # noqa: SIM117
        with db.session.begin_nested():
            db.session.add(
                User(email="x@example.test", display_name="x", password_hash="h", role="root")
            )


@pytest.mark.parametrize("role", ["representative", "resident"])
def test_non_staff_accounts_do_not_keep_a_department(db, create_department, role):
    dept = create_department()
    user = services.create_user(_user_data(role=role, department_id=dept.id), actor=SYSTEM)
    assert user.department_id is None


def test_admin_cannot_remove_their_own_admin_access(db, create_user):
    admin = create_user("admin")
    with pytest.raises(RuleViolation) as exc:
        services.update_user(admin, {"role": "resident"}, actor=admin)
    assert exc.value.field == "role"
    with pytest.raises(RuleViolation):
        services.update_user(admin, {"active": False}, actor=admin)
    assert admin.role == "admin" and admin.active


def test_admin_updates_a_user_and_the_change_is_audited(db, create_user, create_department):
    admin = create_user("admin")
    officer = create_user("officer")
    other = create_department()
    services.update_user(officer, {"department_id": other.id}, actor=admin, now=NOW)
    assert officer.department_id == other.id
    event = events_for("user", officer.id)[-1]
    assert event.action == "updated"
    assert event.details["department_id"][1] == other.id


# --- departments -------------------------------------------------------------------------


def test_admin_creates_a_department_with_trimmed_names(db, create_user):
    admin = create_user("admin")
    dept = services.create_department(
        {"name": "  东湖区交通运输局 ", "short_name": " 交通局 "}, actor=admin, now=NOW
    )
    assert (dept.name, dept.short_name, dept.active) == ("东湖区交通运输局", "交通局", True)
    assert events_for("department", dept.id)[-1].action == "created"


@pytest.mark.parametrize("field", ["name", "short_name"])
def test_duplicate_department_names_are_refused(db, create_department, field):
    create_department(name="东湖区民政局", short_name="民政局")
    data = {"name": "另一个局", "short_name": "另一个"}
    data[field] = {"name": "东湖区民政局", "short_name": "民政局"}[field]
    with pytest.raises(RuleViolation) as exc:
        services.create_department(data, actor=SYSTEM)
    assert exc.value.field == field


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "  ", "short_name": "短"}, "name"),
        ({"name": "长名", "short_name": ""}, "short_name"),
        ({"name": "长" * 101, "short_name": "短"}, "name"),
        ({"name": "长名", "short_name": "短" * 31}, "short_name"),
    ],
)
def test_department_names_must_be_present_and_short_enough(db, data, field):
    with pytest.raises(RuleViolation) as exc:
        services.create_department(data, actor=SYSTEM)
    assert exc.value.field == field


def test_renaming_a_department_to_its_own_name_is_not_a_duplicate(
    db, create_user, create_department
):
    admin = create_user("admin")
    dept = create_department(name="东湖区教育局", short_name="教育局")
    services.update_department(dept, {"name": "东湖区教育局", "active": False}, actor=admin)
    assert dept.active is False


def test_renaming_a_department_to_anothers_name_is_refused(db, create_user, create_department):
    admin = create_user("admin")
    create_department(name="东湖区教育局", short_name="教育局")
    dept = create_department()
    with pytest.raises(RuleViolation) as exc:
        services.update_department(dept, {"name": "东湖区教育局"}, actor=admin)
    assert exc.value.field == "name"


# --- authentication and passwords --------------------------------------------------------


def test_authenticate_returns_the_user_and_records_the_login(db, create_user):
    user = create_user("officer")
    assert services.authenticate(user.email, PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW


@pytest.mark.parametrize(
    "email, password",
    [
        ("right", "wrong-password-123"),
        ("right", ""),
        ("nobody@example.test", PASSWORD),
    ],
)
def test_wrong_credentials_give_one_undistinguished_error(db, create_user, email, password):
    user = create_user("resident")
    with pytest.raises(RuleViolation) as exc:
        services.authenticate(user.email if email == "right" else email, password)
    assert exc.value.field == "password"
    assert user.last_login_at is None


def test_deactivated_user_cannot_authenticate(db, create_user):
    admin = create_user("admin")
    user = create_user("officer")
    services.update_user(user, {"active": False}, actor=admin)
    with pytest.raises(RuleViolation):
        services.authenticate(user.email, PASSWORD)
    assert user.last_login_at is None


def test_change_password_replaces_the_old_one(db, create_user):
    user = create_user("resident")
    old_session_id = user.get_id()
    services.change_password(user, PASSWORD, "a-brand-new-password", actor=user, now=NOW)
    assert services.password_matches(user, "a-brand-new-password")
    assert not services.password_matches(user, PASSWORD)
    # The session id carries part of the hash, so other sessions are signed out.
    assert user.get_id() != old_session_id
    assert services.authenticate(user.email, "a-brand-new-password") is user
    with pytest.raises(RuleViolation):
        services.authenticate(user.email, PASSWORD)
    assert events_for("user", user.id)[-1].action == "password_changed"


def test_change_password_needs_the_current_password(db, create_user):
    user = create_user("resident")
    before = user.password_hash
    with pytest.raises(RuleViolation) as exc:
        services.change_password(user, "not-the-password", "a-brand-new-password", actor=user)
    assert exc.value.field == "current_password"
    assert user.password_hash == before


def test_change_password_applies_the_policy_to_the_new_password(db, create_user):
    user = create_user("resident")
    before = user.password_hash
    with pytest.raises(RuleViolation) as exc:
        services.change_password(user, PASSWORD, "short", actor=user)
    assert exc.value.field == "new_password"
    assert user.password_hash == before


@pytest.mark.parametrize("role", ROLES)
def test_nobody_changes_another_users_password_this_way(db, create_user, role):
    user = create_user("resident")
    with pytest.raises(Forbidden):
        services.change_password(user, PASSWORD, "a-brand-new-password", actor=create_user(role))


def test_admin_resets_a_password_without_the_old_one(db, create_user):
    admin = create_user("admin")
    user = create_user("officer")
    services.set_password(user, "reset-by-the-office", actor=admin)
    assert services.password_matches(user, "reset-by-the-office")


# --- API tokens --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_staff_get_a_token_that_identifies_them(db, create_user, role):
    user = create_user(role)
    token, secret = services.issue_token(user, "  数据同步 ", actor=user, now=NOW)
    assert secret.startswith("cst_")
    assert token.prefix == secret[:12]
    assert token.name == "数据同步"
    # Only a digest is stored, never the secret itself.
    assert secret not in (token.token_hash, token.prefix)
    assert len(token.token_hash) == 64
    later = datetime(2026, 3, 3, tzinfo=UTC)
    assert services.user_for_token(secret, now=later) is user
    assert token.last_used_at == later
    assert events_for("api_token", token.id)[-1].action == "issued"


@pytest.mark.parametrize("role", ["resident"])
def test_non_staff_cannot_have_tokens(db, create_user, role):
    user = create_user(role)
    with pytest.raises(RuleViolation) as exc:
        services.issue_token(user, "mine", actor=user)
    assert exc.value.field == "user"
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_admin_may_issue_a_token_for_an_officer_but_an_officer_not_for_another(db, create_user):
    admin = create_user("admin")
    officer = create_user("officer")
    colleague = create_user("officer", department=officer.department)
    token, _secret = services.issue_token(officer, "by admin", actor=admin)
    assert token.user_id == officer.id
    with pytest.raises(Forbidden):
        services.issue_token(colleague, "by colleague", actor=officer)


def test_revoked_token_no_longer_identifies_anyone(db, create_user):
    user = create_user("officer")
    token, secret = services.issue_token(user, "t", actor=user)
    services.revoke_token(token, actor=user, now=NOW)
    assert token.is_revoked and token.revoked_at == NOW
    assert services.user_for_token(secret) is None
    # Revoking again changes nothing and writes no second event.
    services.revoke_token(token, actor=user)
    assert token.revoked_at == NOW
    actions = [e.action for e in events_for("api_token", token.id)]
    assert actions == ["issued", "revoked"]


def test_only_the_owner_or_admin_revokes_a_token(db, create_user):
    owner = create_user("officer")
    colleague = create_user("officer", department=owner.department)
    token, secret = services.issue_token(owner, "t", actor=owner)
    with pytest.raises(Forbidden):
        services.revoke_token(token, actor=colleague)
    assert services.user_for_token(secret) is owner
    services.revoke_token(token, actor=create_user("admin"))
    assert services.user_for_token(secret) is None


def test_token_of_a_deactivated_user_is_refused(db, create_user):
    admin = create_user("admin")
    user = create_user("officer")
    _token, secret = services.issue_token(user, "t", actor=user)
    services.update_user(user, {"active": False}, actor=admin)
    assert services.user_for_token(secret) is None


@pytest.mark.parametrize("secret", ["", "cst_", "cst_unknown-secret", "Bearer something", None])
def test_unknown_or_malformed_tokens_identify_nobody(db, create_user, secret):
    user = create_user("officer")
    services.issue_token(user, "t", actor=user)
    assert services.user_for_token(secret) is None


def test_a_token_secret_without_its_prefix_is_refused(db, create_user):
    user = create_user("officer")
    _token, secret = services.issue_token(user, "t", actor=user)
    assert services.user_for_token(secret[len("cst_") :]) is None


def test_audit_events_name_the_actor(db, create_user):
    admin = create_user("admin")
    dept = services.create_department({"name": "审计部门", "short_name": "审计"}, actor=admin)
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "department", AuditEvent.object_id == dept.id
        )
    )
    assert event.actor is admin
