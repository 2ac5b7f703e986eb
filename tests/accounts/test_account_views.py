"""Accounts through the browser: logging in and out, the rate limit, the account page
(password, API tokens) and the government office's user and department admin."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from urllib.parse import parse_qs
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from consult.accounts import services
from consult.accounts.models import ApiToken
from consult.accounts.models import Department
from consult.accounts.models import User
from tests.helpers import PASSWORD
from tests.helpers import count
from tests.helpers import csrf_token
from tests.helpers import english
from tests.helpers import field_error
from tests.helpers import is_login_redirect
from tests.helpers import login
from tests.helpers import new_client
from tests.helpers import post
from tests.helpers import reload
from tests.helpers import zh

NEW_PASSWORD = "another-long-passphrase"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- logging in --------------------------------------------------------------------------


def test_login_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'name="csrf_token"' in html


def test_login_success(client, db, create_user):
    user = create_user("officer")
    db.session.commit()
    response = login(client, user)
    assert urlsplit(response.location).path == "/"
    account = client.get("/account")
    assert account.status_code == 200
    assert user.email in account.get_data(as_text=True)
    assert reload(db, User, user.id).last_login_at == NOW
    assert client.get("/login").status_code == 302  # nothing to do there any more


def test_login_accepts_the_email_in_another_case(client, db, create_user):
    create_user("resident", email="zhang.san@example.test")
    db.session.commit()
    response = client.post(
        "/login",
        data={
            "email": "  Zhang.San@Example.TEST ",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/catalogue/2026", "/catalogue/2026"),
        ("/manage/matters/new?year=2026", "/manage/matters/new?year=2026"),
        ("//evil.example/steal", "/"),
        ("https://evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_goes_on_to_a_local_next_page_only(client, db, create_user, next_url, expected):
    user = create_user("admin")
    db.session.commit()
    csrf = csrf_token(client)
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf},
    )
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.netloc in ("", "localhost")
    assert location.path + (f"?{location.query}" if location.query else "") == expected


@pytest.mark.parametrize("next_url", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example"])
def test_login_next_with_control_characters_stays_on_the_site(client, db, create_user, next_url):
    user = create_user("admin")
    db.session.commit()
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    # Where a browser goes: WHATWG URL parsing drops tabs and newlines.
    location = re.sub(r"[\t\n\r]", "", response.location)
    assert urlsplit(urljoin("http://localhost/login", location)).netloc == "localhost"


def test_a_staff_page_sends_anonymous_users_to_login_and_back(client, db, create_user):
    user = create_user("admin")
    db.session.commit()
    response = client.get("/admin/users")
    assert urlsplit(response.location).path == "/login"
    next_url = parse_qs(urlsplit(response.location).query)["next"][0]
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert urlsplit(response.location).path == "/admin/users"


def test_wrong_password_is_refused_with_a_message(client, db, create_user):
    user = create_user("officer")
    db.session.commit()
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "not-the-password",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "password") == zh("Wrong email address or password.")
    assert f'value="{user.email}"' in html  # the email stays typed
    assert not logged_in(client)
    assert reload(db, User, user.id).last_login_at is None


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, db):
    english(client)
    response = client.post(
        "/login",
        data={
            "email": "nobody@example.test",
            "password": "whatever-it-is",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 422
    assert (
        field_error(response.get_data(as_text=True), "password")
        == "Wrong email address or password."
    )


def test_empty_login_form_is_refused(client, db):
    response = client.post(
        "/login", data={"email": "", "password": "", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "email") and field_error(html, "password")


def test_deactivated_user_cannot_log_in(client, db, create_user):
    admin = create_user("admin")
    user = create_user("officer")
    services.update_user(user, {"active": False}, actor=admin)
    db.session.commit()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "email") == zh(
        "This account has been deactivated."
    )
    assert not logged_in(client)


def test_deactivation_ends_open_sessions(client, db, create_user):
    admin = create_user("admin")
    user = create_user("officer")
    db.session.commit()
    login(client, user)
    assert logged_in(client)
    services.update_user(reload(db, User, user.id), {"active": False}, actor=admin)
    db.session.commit()
    assert is_login_redirect(client.get("/account"))
    assert client.get("/manage/").status_code == 302


def test_login_rate_limit(client, db, create_user, app):
    user = create_user("officer")
    db.session.commit()
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])  # "10 per minute;50 per hour"
    csrf = csrf_token(client)
    for _ in range(limit):
        response = client.post(
            "/login",
            data={"email": user.email, "password": "guess-guess-guess", "csrf_token": csrf},
        )
        assert response.status_code == 422
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert '<p class="error-code">429</p>' in response.get_data(as_text=True)
    assert not logged_in(client)
    assert client.get("/login").status_code == 200  # only attempts are limited, not the page


def test_logout_requires_post_with_csrf(client, db, create_user):
    user = create_user("resident")
    db.session.commit()
    login(client, user)

    assert client.get("/logout").status_code == 405
    assert logged_in(client)

    response = client.post("/logout")
    assert response.status_code == 400
    assert logged_in(client)

    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert logged_in(client)

    response = post(client, "/logout", {})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    assert not logged_in(client)


def test_account_page_needs_login(client, db):
    assert is_login_redirect(client.get("/account"))


# --- the account page --------------------------------------------------------------------


def test_change_password_ends_other_sessions(app, client, db, create_user):
    user = create_user("officer")
    db.session.commit()
    other_browser = new_client(app)
    login(client, user)
    login(other_browser, user)

    response = post(
        client, "/account", {"pw-current_password": PASSWORD, "pw-new_password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/account"

    assert logged_in(client)  # this browser was signed in again with the new password
    assert is_login_redirect(other_browser.get("/account"))  # the old session is gone

    third = new_client(app)
    refused = third.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(third)}
    )
    assert refused.status_code == 422
    login(third, user, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "field_id"),
    [
        (
            {"pw-current_password": "not-my-password", "pw-new_password": NEW_PASSWORD},
            "pw-current_password",
        ),
        ({"pw-current_password": PASSWORD, "pw-new_password": "short"}, "pw-new_password"),
        ({"pw-current_password": PASSWORD, "pw-new_password": ""}, "pw-new_password"),
        ({"pw-current_password": "", "pw-new_password": NEW_PASSWORD}, "pw-current_password"),
    ],
    ids=["wrong-current", "too-short", "empty-new", "empty-current"],
)
def test_change_password_errors(app, client, db, create_user, data, field_id):
    user = create_user("resident")
    db.session.commit()
    login(client, user)
    response = post(client, "/account", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field_id)
    login(new_client(app), user, PASSWORD)  # the password is unchanged


def test_api_token_secret_is_shown_once_and_works(app, client, db, create_user, create_matter):
    officer = create_user("officer")
    draft = create_matter(department=officer.department, year=2027, planned_time="2027-Q1")
    db.session.commit()
    login(client, officer)

    response = post(client, "/account", {"token-name": "数据导入"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    secrets = re.findall(r'<code class="secret">(cst_[^<]+)</code>', html)
    assert len(secrets) == 1
    secret = secrets[0]
    stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == officer.id))
    assert stored.name == "数据导入"
    assert stored.token_hash != secret and secret not in stored.token_hash

    again = client.get("/account").get_data(as_text=True)
    assert secret not in again
    assert f"{stored.prefix}…" in again

    api = new_client(app)
    assert api.get(f"/api/v1/decisions/{draft.id}").status_code == 404  # unpublished
    authorised = api.get(
        f"/api/v1/decisions/{draft.id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert authorised.status_code == 200
    assert authorised.get_json()["id"] == draft.id

    response = post(client, f"/account/tokens/{stored.id}/revoke", {})
    assert response.status_code == 302
    assert reload(db, ApiToken, stored.id).revoked_at is not None
    revoked = api.get(
        f"/api/v1/decisions/{draft.id}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert revoked.status_code == 401
    assert revoked.get_json()["error"]["code"] == "unauthorized"


def test_residents_have_no_api_tokens(client, db, create_user):
    resident = create_user("resident")
    db.session.commit()
    login(client, resident)
    assert 'name="token-name"' not in client.get("/account").get_data(as_text=True)
    response = post(client, "/account", {"token-name": "x"})
    assert response.status_code == 422
    assert "cst_" not in response.get_data(as_text=True)
    assert count(db, ApiToken) == 0


def test_cannot_revoke_someone_elses_token(client, db, create_user):
    owner = create_user("officer")
    other = create_user("officer")
    stored, _secret = services.issue_token(owner, "脚本", actor=owner)
    db.session.commit()
    login(client, other)
    assert post(client, f"/account/tokens/{stored.id}/revoke", {}).status_code == 403
    assert reload(db, ApiToken, stored.id).revoked_at is None
    assert post(client, "/account/tokens/987654/revoke", {}).status_code == 404


# --- the government office's admin -------------------------------------------------------

ACTORS = ["anonymous", "resident", "representative", "officer", "admin"]


@pytest.fixture
def people(db, create_user):
    users = {
        "anonymous": None,
        "resident": create_user("resident"),
        "representative": create_user("representative"),
        "officer": create_user("officer"),
        "admin": create_user("admin"),
    }
    db.session.commit()
    return users


def _user_created(db) -> bool:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(User).where(User.email == "new.resident@example.test"))
        is not None
    )


def _department_created(db) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(Department).where(Department.name == "区数据局")) is not None


NEW_USER = {
    "email": "new.resident@example.test",
    "display_name": "新居民",
    "role": "resident",
    "department_id": "0",
    "password": "a-long-enough-password",
    "active": "y",
}
NEW_DEPARTMENT = {"name": "区数据局", "short_name": "数据局", "active": "y"}

# (method, url, form data, side effect of a success)
ADMIN_ROUTES = {
    "users": ("GET", "/admin/users", None, None),
    "users by role": ("GET", "/admin/users?role=officer", None, None),
    "departments": ("GET", "/admin/departments", None, None),
    "new user form": ("GET", "/admin/users/new", None, None),
    "new user": ("POST", "/admin/users/new", NEW_USER, _user_created),
    "new department form": ("GET", "/admin/departments/new", None, None),
    "new department": ("POST", "/admin/departments/new", NEW_DEPARTMENT, _department_created),
}
ADMIN_MATRIX = [(route, actor) for route in ADMIN_ROUTES for actor in ACTORS]


@pytest.mark.parametrize(
    ("route", "actor"), ADMIN_MATRIX, ids=[f"{r}-{a}" for r, a in ADMIN_MATRIX]
)
def test_admin_pages_are_for_the_government_office_only(client, db, people, route, actor):
    method, url, data, effect = ADMIN_ROUTES[route]
    if people[actor] is not None:
        login(client, people[actor])
    response = client.get(url) if method == "GET" else post(client, url, data)

    if actor == "anonymous":
        assert is_login_redirect(response)
    elif actor != "admin":
        assert response.status_code == 403
    elif method == "GET":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert not is_login_redirect(response)
    if effect is not None:
        assert effect(db) is (actor == "admin")


def test_admin_creates_a_department(client, db, people):
    login(client, people["admin"])
    response = post(client, "/admin/departments/new", NEW_DEPARTMENT)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/admin/departments"
    dept = db.session.scalar(sa.select(Department).where(Department.name == "区数据局"))
    assert (dept.short_name, dept.active) == ("数据局", True)
    assert "区数据局" in client.get("/admin/departments").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field_id"),
    [
        ({"name": "", "short_name": "空"}, "name"),
        ({"name": "区数据局", "short_name": ""}, "short_name"),
        ({"name": "重名局", "short_name": "新简称"}, "name"),  # taken
        ({"name": "另一个局", "short_name": "重名"}, "short_name"),  # taken
    ],
    ids=["no-name", "no-short-name", "duplicate-name", "duplicate-short-name"],
)
def test_department_form_errors(client, db, people, create_department, data, field_id):
    create_department("重名局", "重名")
    db.session.commit()
    before = count(db, Department)
    login(client, people["admin"])
    response = post(client, "/admin/departments/new", {**data, "active": "y"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field_id)
    assert count(db, Department) == before


def test_admin_creates_an_officer_who_can_then_log_in(app, client, db, people, create_department):
    dept = create_department("区民政局", "民政局")
    db.session.commit()
    login(client, people["admin"])
    data = {
        "email": "Li.Si@Example.test",
        "display_name": "李四",
        "role": "officer",
        "department_id": str(dept.id),
        "password": "officer-password-1",
        "active": "y",
    }
    response = post(client, "/admin/users/new", data)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "li.si@example.test"))
    assert (user.role, user.department_id, user.active) == ("officer", dept.id, True)

    officer_browser = new_client(app)
    login(officer_browser, user, "officer-password-1")
    assert officer_browser.get("/manage/").status_code == 200


def test_an_officer_must_have_a_department(client, db, people):
    login(client, people["admin"])
    before = count(db, User)
    data = {
        "email": "wang.wu@example.test",
        "display_name": "王五",
        "role": "officer",
        "department_id": "0",
        "password": "officer-password-1",
        "active": "y",
    }
    response = post(client, "/admin/users/new", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "department_id") == zh("A department officer needs a department.")
    assert 'value="wang.wu@example.test"' in html
    assert count(db, User) == before


@pytest.mark.parametrize(
    ("overrides", "field_id"),
    [
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"password": "short"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"department_id": "987654"}, "department_id"),
    ],
    ids=[
        "no-email",
        "bad-email",
        "no-name",
        "short-password",
        "unknown-role",
        "unknown-department",
    ],
)
def test_user_form_errors(client, db, people, overrides, field_id):
    login(client, people["admin"])
    before = count(db, User)
    response = post(client, "/admin/users/new", {**NEW_USER, **overrides})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field_id)
    assert count(db, User) == before


def test_duplicate_email_is_refused(client, db, people):
    login(client, people["admin"])
    response = post(
        client, "/admin/users/new", {**NEW_USER, "email": people["resident"].email.upper()}
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "email")


def test_admin_deactivates_a_user_who_then_cannot_log_in(app, client, db, people):
    officer = people["officer"]
    officer_browser = new_client(app)
    login(officer_browser, officer)

    login(client, people["admin"])
    form = client.get(f"/admin/users/{officer.id}").get_data(as_text=True)
    assert f'value="{officer.email}"' in form
    data = {
        "email": officer.email,
        "display_name": officer.display_name,
        "role": "officer",
        "department_id": str(officer.department_id),
        "password": "",
    }  # "active" unticked
    response = post(client, f"/admin/users/{officer.id}", data)
    assert response.status_code == 302
    assert reload(db, User, officer.id).active is False

    assert is_login_redirect(officer_browser.get("/manage/"))  # the open session ends
    again = new_client(app)
    refused = again.post(
        "/login",
        data={"email": officer.email, "password": PASSWORD, "csrf_token": csrf_token(again)},
    )
    assert refused.status_code == 422
    assert not logged_in(again)


def test_admin_cannot_deactivate_themselves(client, db, people):
    admin = people["admin"]
    login(client, admin)
    data = {
        "email": admin.email,
        "display_name": admin.display_name,
        "role": "admin",
        "department_id": "0",
    }
    response = post(client, f"/admin/users/{admin.id}", data)
    assert response.status_code == 422
    assert reload(db, User, admin.id).active is True
    assert logged_in(client)


def test_admin_resets_a_password(app, client, db, people):
    resident = people["resident"]
    login(client, people["admin"])
    data = {
        "email": resident.email,
        "display_name": resident.display_name,
        "role": "resident",
        "department_id": "0",
        "password": NEW_PASSWORD,
        "active": "y",
    }
    assert post(client, f"/admin/users/{resident.id}", data).status_code == 302
    login(new_client(app), resident, NEW_PASSWORD)


def test_user_list_filters_by_role(client, db, people):
    login(client, people["admin"])
    html = client.get("/admin/users?role=officer").get_data(as_text=True)
    assert people["officer"].email in html
    assert people["resident"].email not in html
    html = client.get("/admin/users?role=nonsense").get_data(as_text=True)  # ignored
    assert people["officer"].email in html and people["resident"].email in html


def test_unknown_user_or_department_in_admin_is_404(client, db, people):
    login(client, people["admin"])
    assert client.get("/admin/users/987654").status_code == 404
    assert client.get("/admin/departments/987654").status_code == 404


# --- session protection ------------------------------------------------------------------


def _session_cookies_set(response) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_a_visitors_session_is_not_rewritten_on_every_page(client, db):
    # The first page opens a session for the CSRF token; later pages leave it alone (the
    # "strong" session protection applies to signed-in sessions only).
    assert _session_cookies_set(client.get("/login"))
    assert _session_cookies_set(client.get("/login")) == []
    assert _session_cookies_set(client.get("/consultations")) == []


def test_a_signed_in_session_used_from_another_browser_is_signed_out(client, db, create_user):
    user = create_user("resident")
    login(client, user)
    assert logged_in(client)
    elsewhere = client.get("/account", headers={"User-Agent": "Mozilla/5.0 (another browser)"})
    assert is_login_redirect(elsewhere)
    assert not logged_in(client)
