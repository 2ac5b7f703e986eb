"""`flask create-admin` and `flask issue-token`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from consult.accounts import services
from consult.accounts.models import ApiToken
from consult.accounts.models import User

PASSWORD = "a-long-enough-password"


@pytest.fixture(autouse=True)
def _commits_stay_in_the_test(db, monkeypatch):
    """Commands commit. conftest binds the session to the test's connection, but
    Flask-SQLAlchemy's get_bind returns the engine, so a commit would outlive the test; send
    the default bind to that connection, where a commit only releases a savepoint."""
    monkeypatch.setitem(db.engines, None, db.session.session_factory.kw["bind"])


def users(db) -> list[User]:
    return list(db.session.scalars(sa.select(User)))


def test_create_admin(runner, db):
    result = runner.invoke(
        args=["create-admin", "--email", " Office@Donghu.Example ", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "created admin office@donghu.example" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "office@donghu.example"))
    assert user.role == "admin" and user.active
    assert user.display_name == "区政府办公室管理员"
    assert services.password_matches(user, PASSWORD)


def test_create_admin_asks_for_what_is_missing(runner, db):
    result = runner.invoke(
        args=["create-admin", "--name", "刘晓燕"],
        input=f"office@donghu.example\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "office@donghu.example"))
    assert user.display_name == "刘晓燕" and user.role == "admin"


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("office@donghu.example", "short", "password")],
)
def test_create_admin_refuses_bad_input(runner, db, email, password, field):
    result = runner.invoke(args=["create-admin", "--email", email, "--password", password])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert f"error: {field}: " in result.output
    assert users(db) == []


def test_create_admin_refuses_a_taken_email(runner, db, create_user):
    create_user("resident", email="office@donghu.example")
    db.session.commit()
    result = runner.invoke(
        args=["create-admin", "--email", "office@donghu.example", "--password", PASSWORD]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "error: email: " in result.output
    assert [u.role for u in users(db)] == ["resident"]


def test_issue_token_prints_a_working_secret_once(runner, db, create_user):
    officer = create_user("officer", email="housing@donghu.example")
    db.session.commit()
    result = runner.invoke(args=["issue-token", "Housing@Donghu.example", "--name", "统计报表"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("cst_")
    assert services.user_for_token(secret) == officer
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "统计报表" and token.user_id == officer.id
    assert secret not in (token.token_hash, token.prefix)  # only a digest is stored


def test_issue_token_for_an_unknown_account(runner, db):
    result = runner.invoke(args=["issue-token", "nobody@donghu.example"])
    assert result.exit_code == 1
    assert "error: no account nobody@donghu.example" in result.output
    assert db.session.scalar(sa.select(ApiToken)) is None


def test_issue_token_refuses_a_resident(runner, db, create_user):
    create_user("resident", email="resident@donghu.example")
    db.session.commit()
    result = runner.invoke(args=["issue-token", "resident@donghu.example"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "error: user: " in result.output
    assert "cst_" not in result.output
    assert db.session.scalar(sa.select(ApiToken)) is None
