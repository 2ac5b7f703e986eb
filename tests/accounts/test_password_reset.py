"""Setting a password by mail: the link is signed, expires, works once, and ends when the
password changes or the person logs in; asking for one says the same for every address."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts import rules
from consult.accounts import services
from consult.accounts.models import User
from consult.core.errors import RuleViolation
from consult.extensions import db as _db
from tests.helpers import PASSWORD
from tests.helpers import body
from tests.helpers import csrf_token
from tests.helpers import links
from tests.helpers import login
from tests.helpers import new_client
from tests.helpers import path_of

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
NEW = "a-new-password-2026"


@pytest.fixture
def person(db, frozen, create_user):
    frozen(NOW)
    user = create_user("representative", email="zhou.reset@example.com")
    db.session.commit()
    return user


def token_for(user) -> str:
    due = services.request_password_reset(user.email)
    assert due is not None
    return due[1]


# --- services -------------------------------------------------------------------------------


def test_a_link_is_issued_only_for_an_active_account(person, create_user):
    assert services.request_password_reset("nobody@example.com") is None
    gone = create_user("resident", email="gone@example.com")
    gone.active = False
    assert services.request_password_reset("gone@example.com") is None
    user, token = services.request_password_reset("  ZHOU.reset@Example.com ")
    assert user == person and services.user_for_password_link(token) == person


@pytest.mark.parametrize("email", ["", "   ", "no-at-sign", "a@b" + "c" * 300, ["x"], None])
def test_what_is_not_an_address_is_refused(person, email):
    with pytest.raises(RuleViolation) as exc:
        services.request_password_reset(email)
    assert exc.value.field == "email"


def test_one_mail_per_account_every_few_minutes(person, frozen):
    assert services.request_password_reset(person.email) is not None
    frozen(NOW + rules.RESET_MAIL_EVERY - timedelta(seconds=1))
    assert services.request_password_reset(person.email) is None
    frozen(NOW + rules.RESET_MAIL_EVERY)
    assert services.request_password_reset(person.email) is not None


@pytest.mark.parametrize(
    ("after", "ok"),
    [
        (timedelta(0), True),
        (rules.RESET_LINK_VALID, True),
        (rules.RESET_LINK_VALID + timedelta(seconds=1), False),
        (-timedelta(seconds=1), False),  # signed "in the future": not ours to trust
    ],
)
def test_the_link_expires(person, frozen, after, ok):
    token = token_for(person)
    frozen(NOW + after)
    if ok:
        assert services.user_for_password_link(token) == person
    else:
        with pytest.raises(RuleViolation) as exc:
            services.user_for_password_link(token)
        assert exc.value.code == "invalid_link"


def test_the_welcome_link_of_a_new_account_lasts_a_week(person, frozen):
    token = services.password_link_token(person, rules.LinkPurpose.WELCOME)
    frozen(NOW + rules.WELCOME_LINK_VALID)
    assert services.user_for_password_link(token) == person
    frozen(NOW + rules.WELCOME_LINK_VALID + timedelta(seconds=1))
    with pytest.raises(RuleViolation):
        services.user_for_password_link(token)


def test_the_link_works_once(person):
    token = token_for(person)
    services.reset_password(token, NEW)
    assert services.password_matches(person, NEW)
    with pytest.raises(RuleViolation) as exc:
        services.reset_password(token, "yet-another-password")
    assert exc.value.code == "invalid_link" and services.password_matches(person, NEW)


def test_the_link_ends_when_the_password_changes_or_the_person_logs_in(person, frozen):
    first = token_for(person)
    services.change_password(person, PASSWORD, "changed-password-1", actor=person)
    with pytest.raises(RuleViolation):
        services.user_for_password_link(first)
    frozen(NOW + rules.RESET_MAIL_EVERY)
    second = token_for(person)
    services.authenticate(person.email, "changed-password-1")  # she remembered it after all
    with pytest.raises(RuleViolation):
        services.user_for_password_link(second)


@pytest.mark.parametrize(
    "forged",
    ["", "x", "a" * 500, None, 12345, "eyJ1IjoxLCJwIjoicmVzZXQiLCJmIjoiMCJ9.aaaa.bbbb"],
)
def test_a_forged_or_damaged_link_is_refused(person, forged):
    with pytest.raises(RuleViolation) as exc:
        services.user_for_password_link(forged)
    assert exc.value.code == "invalid_link"
    token = token_for(person)
    with pytest.raises(RuleViolation):
        services.user_for_password_link(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))


def test_the_new_password_follows_the_rules_and_the_link_survives_a_refusal(person):
    token = token_for(person)
    with pytest.raises(RuleViolation) as exc:
        services.reset_password(token, "short")
    assert exc.value.field == "password"
    assert services.user_for_password_link(token) == person
    with pytest.raises(RuleViolation):
        services.reset_password(token, "x" * (rules.MAX_PASSWORD_LENGTH + 1))


def test_a_deactivated_account_cannot_use_its_link(person):
    token = token_for(person)
    person.active = False
    with pytest.raises(RuleViolation):
        services.user_for_password_link(token)


# --- pages ----------------------------------------------------------------------------------


def ask(client, email: str):
    url = "/password/forgot"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "email": email})


def test_the_login_page_offers_a_way_back_in(client, person):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "忘记密码" in page
    assert 'href="/representatives/apply"' in page


def test_asking_says_the_same_for_every_address(app, person, outbox):
    answers = []
    for email in (person.email, "nobody.here@example.com"):
        client = app.test_client()  # a browser of its own each
        response = ask(client, email)
        landed = client.get(response.headers["Location"]).get_data(as_text=True)
        # Each browser has its own CSRF token; everything else must be the same.
        landed = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", landed)
        answers.append((response.status_code, response.headers["Location"], landed))
    assert answers[0] == answers[1] and answers[0][0] == 303
    assert "如该电子邮箱已注册账号" in answers[0][2]
    (mail,) = outbox.take()  # only the account's address gets one
    assert str(mail["To"]) == person.email


def test_asking_is_rate_limited(client, person, outbox):
    statuses = [ask(client, f"n{n}@example.com").status_code for n in range(7)]
    assert 429 in statuses


def test_the_mailed_link_sets_a_new_password_once(app, client, person, outbox):
    elsewhere = app.test_client()  # her other, signed-in browser
    login(elsewhere, person)
    ask(client, person.email)
    (mail,) = outbox.take()
    assert "1小时" in body(mail)
    link = next(path_of(u) for u in links(mail) if "/password/reset/" in u)
    form = client.get(link)
    assert form.status_code == 200 and person.email in form.get_data(as_text=True)
    token = csrf_token(client, link)
    differ = client.post(link, data={"csrf_token": token, "password": NEW, "confirm": NEW + "x"})
    assert differ.status_code == 422 and "两次输入的密码不一致" in differ.get_data(as_text=True)
    short = client.post(link, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "密码至少需要" in short.get_data(as_text=True)
    done = client.post(link, data={"csrf_token": token, "password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert "密码已设置" in client.get("/login").get_data(as_text=True)
    # The new password works, the old one does not, the other browser is signed out.
    login(new_client(app), person, PASSWORD, expect=422)
    login(client, person, NEW)
    assert elsewhere.get("/account").status_code == 302
    # Used: the link now says so and offers a new one.
    used = app.test_client().get(link)
    assert used.status_code == 400 and "已过期或者已被使用" in used.get_data(as_text=True)
    _db.session.expire_all()
    assert services.password_matches(_db.session.get(User, person.id), NEW)


def test_a_bad_link_is_a_page_not_an_error(client, person):
    for token in ("nonsense", "a" * 1000, "..."):
        response = client.get(f"/password/reset/{token}")
        assert response.status_code == 400
        assert 'href="/password/forgot"' in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
