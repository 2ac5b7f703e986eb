"""Site-wide behaviour: security headers and cookies, the language switch (zh-Hans by
default, English, Traditional Chinese by conversion), redirects that stay on the site, error
pages in the reader's language and JSON errors under /api/."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from consult.core.i18n import to_traditional
from tests.helpers import PASSWORD
from tests.helpers import csrf_token
from tests.helpers import login
from tests.helpers import zh

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TITLE = "老旧小区停车设施改造"
HUGE = "99999999999999999999"


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


def browser_host(location: str) -> str:
    """The host a browser would go to: WHATWG URL parsing drops tabs and newlines and reads a
    backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/some/page", cleaned)).netloc


@pytest.fixture
def site(db, create_department, create_user, create_matter):
    dept = create_department("区住房和城乡建设局", "住建局")
    matter = create_matter(department=dept, year=2026, published=True, title=TITLE)
    users = {
        "resident": create_user("resident"),
        "officer": create_user("officer", department=dept),
        "admin": create_user("admin"),
    }
    db.session.commit()
    return {"dept": dept, "matter": matter, **users}


# --- headers and cookies -----------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"no CSP on {response.request.path}"
    directives = csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "*" not in script_src and "data:" not in script_src
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives.get("object-src") == ["'none'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy")


PUBLIC_PAGES = [
    ("/", 200),
    ("/catalogue", 302),
    ("/catalogue/2026", 200),
    ("/matters/{matter}", 200),
    ("/catalogue/2026.csv", 200),
    ("/catalogue/2026.json", 200),
    ("/login", 200),
    ("/lang/en", 302),
    ("/healthz", 200),
    ("/api/v1/decisions", 200),
    ("/api/v1/decisions/987654", 404),
    ("/no-such-page", 404),
    ("/account", 302),
    ("/logout", 405),
    ("/static/css/site.css", 200),
]


@pytest.mark.parametrize(("url", "status"), PUBLIC_PAGES, ids=[u for u, _ in PUBLIC_PAGES])
def test_security_headers_on_every_page(client, site, url, status):
    response = client.get(url.format(matter=site["matter"].id))
    response.close()  # a static file is streamed from an open file
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize("role", ["resident", "officer", "admin"])
def test_security_headers_on_pages_for_logged_in_users(client, site, role):
    login(client, site[role])
    for url in ["/", "/account", "/manage/", "/admin/users", f"/matters/{site['matter'].id}"]:
        response = client.get(url)
        assert response.status_code in (200, 403)
        assert_security_headers(response)


def test_security_headers_on_error_responses(client, site):
    responses = [
        client.post("/login", data={"email": "x@example.test", "password": "y"}),  # no CSRF: 400
        client.post(
            "/login",
            data=b"x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1),
            content_type="application/x-www-form-urlencoded",
        ),  # 413
    ]
    assert [r.status_code for r in responses] == [400, 413]
    for response in responses:
        assert_security_headers(response)


@pytest.mark.parametrize(
    "url", ["/", "/catalogue/2026", "/matters/{matter}", "/login", "/no-such-page"]
)
def test_pages_need_no_inline_script_or_style(client, site, url):
    """The CSP allows neither, so a page that had them would be broken."""
    login(client, site["admin"])
    html = client.get(url.format(matter=site["matter"].id)).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert "<style" not in html
    assert "javascript:" not in html


def _set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_session_cookie_is_httponly_and_samesite(client, site):
    cookies = _set_cookie_headers(client.get("/login"), "session")  # the CSRF token opens a session
    assert cookies, "no session cookie"
    for header in cookies:
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header

    response = client.post(
        "/login",
        data={
            "email": site["officer"].email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    cookies = _set_cookie_headers(response, "session")
    assert cookies
    for header in cookies:
        assert "HttpOnly" in header and "SameSite=Lax" in header


def test_production_cookies_are_secure_by_default(monkeypatch):
    from config import ProductionConfig

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = ProductionConfig()
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.REMEMBER_COOKIE_SECURE is True


def test_pages_vary_with_what_chooses_their_language(client, site):
    response = client.get("/")
    assert "Cookie" in response.vary
    default = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for header in ("en", "zh-TW", "en-GB,en;q=0.8"):
        other = client.get("/", headers={"Accept-Language": header})
        if html_lang(other.get_data(as_text=True)) != html_lang(default):
            assert "Accept-Language" in other.vary, f"the page follows Accept-Language {header}"


# --- languages ---------------------------------------------------------------------------


def test_default_language_is_simplified_chinese(client, site):
    html = client.get("/").get_data(as_text=True)
    assert html_lang(html) == "zh-Hans"
    assert "决策事项目录" in html
    assert zh("Decision catalogue") in html
    assert TITLE in html


def test_switching_to_english(client, site):
    response = client.get("/lang/en")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    cookie = _set_cookie_headers(response, "lang")
    assert cookie and cookie[0].startswith("lang=en;")
    assert "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]
    assert "Max-Age=31536000" in cookie[0]

    html = client.get("/").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Decision catalogue" in html
    assert "决策事项目录" not in html
    assert TITLE in html  # content is not translated, only the interface

    html = client.get(f"/matters/{site['matter'].id}").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Statutory procedures" in html


def test_switching_to_traditional_chinese_converts_the_whole_page(client, site):
    response = client.get("/lang/zh_Hant")
    assert response.status_code == 302
    html = client.get(f"/matters/{site['matter'].id}").get_data(as_text=True)
    assert html_lang(html) == "zh-Hant"
    assert "決策" in html and "决策" not in html
    assert "老舊" in html and TITLE not in html  # the matter's own text is converted too
    assert "區住房和城鄉建設局" in html
    assert to_traditional(zh("Statutory procedures")) in html


def test_switching_back_to_simplified_chinese(client, site):
    client.get("/lang/en")
    client.get("/lang/zh_Hans")
    html = client.get("/").get_data(as_text=True)
    assert html_lang(html) == "zh-Hans"
    assert "决策事项目录" in html


def test_unknown_language_is_ignored(client, site):
    client.get("/lang/en")
    response = client.get("/lang/fr")
    assert response.status_code == 302
    assert not _set_cookie_headers(response, "lang")
    assert html_lang(client.get("/").get_data(as_text=True)) == "en"  # the earlier choice stands

    client.set_cookie("lang", "klingon")
    assert html_lang(client.get("/").get_data(as_text=True)) == "zh-Hans"


def test_language_switch_returns_to_the_page(client, site):
    url = f"/catalogue/search?q={TITLE[:2]}"
    html = client.get(url).get_data(as_text=True)
    links = re.findall(r'href="(/lang/en\?next=[^"]+)"', html)
    assert links, "no English link on the page"
    response = client.get(links[0].replace("&amp;", "&"))
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/catalogue/search"
    assert "q=" in target.query


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "evil.example",
        "javascript:alert(1)",
    ],
)
def test_language_switch_is_not_an_open_redirect(client, next_url):
    response = client.get("/lang/en", query_string={"next": next_url})
    assert response.status_code == 302
    assert browser_host(response.location) == "localhost"
    assert urlsplit(response.location).path == "/"


@pytest.mark.parametrize("next_url", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example"])
def test_language_switch_is_not_an_open_redirect_with_control_characters(client, next_url):
    response = client.get("/lang/en", query_string={"next": next_url})
    assert response.status_code == 302
    assert browser_host(response.location) == "localhost"


def test_language_switch_keeps_a_local_next(client):
    response = client.get("/lang/en", query_string={"next": "/catalogue/2026?status=planned"})
    assert response.status_code == 302
    assert response.location == "/catalogue/2026?status=planned"


# --- error pages -------------------------------------------------------------------------


def test_404_page_in_each_language(client, site):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert html_lang(html) == "zh-Hans"
    assert zh("Page not found") in html

    client.get("/lang/en")
    html = client.get("/no-such-page").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Page not found" in html
    assert '<p class="error-code">404</p>' in html

    client.get("/lang/zh_Hant")
    response = client.get("/matters/987654")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert html_lang(html) == "zh-Hant"
    assert to_traditional(zh("Page not found")) in html


def test_403_page_in_each_language(client, site):
    login(client, site["resident"])
    response = client.get("/manage/")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert html_lang(html) == "zh-Hans"
    assert zh("You may not do this") in html

    client.get("/lang/en")
    html = client.get("/admin/users").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "You may not do this" in html


def test_csrf_failure_page_is_explained(client, site):
    client.get("/lang/en")
    response = client.post("/login", data={"email": "a@example.test", "password": "b"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "The form expired or was sent from elsewhere" in html


def test_405_page(client, site):
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert '<p class="error-code">405</p>' in response.get_data(as_text=True)


# --- the API's errors are JSON -----------------------------------------------------------


def _api_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "field", "message"} <= set(body["error"])
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("method", "url", "status", "code", "field"),
    [
        ("GET", "/api/v1/decisions/987654", 404, "not_found", None),
        ("GET", "/api/v1/no-such-resource", 404, "not_found", None),
        ("GET", "/api/v1/decisions?status=zzz", 400, "bad_request", "status"),
        ("GET", "/api/v1/decisions?hearing=maybe", 400, "bad_request", "hearing"),
        ("GET", "/api/v1/decisions?page=0", 400, "bad_request", "page"),
        ("GET", "/api/v1/decisions?page=abc", 400, "bad_request", "page"),
        ("GET", "/api/v1/decisions?per_page=1000", 400, "bad_request", "per_page"),
        ("GET", "/api/v1/decisions?department=x", 400, "bad_request", "department"),
        ("POST", "/api/v1/decisions", 401, "unauthorized", None),
        ("DELETE", "/api/v1/decisions", 405, "method_not_allowed", None),
    ],
)
def test_api_errors_are_json(client, site, method, url, status, code, field):
    error = _api_error(client.open(url, method=method, json={}), status)
    assert error["code"] == code
    assert error["field"] == field


def test_api_rejects_an_unknown_bearer_token(client, site):
    response = client.post(
        "/api/v1/decisions",
        json={"title": "x"},
        headers={"Authorization": "Bearer cst_not-a-token"},
    )
    assert _api_error(response, 401)["code"] == "unauthorized"


def test_api_forbids_non_staff_sessions_as_json(client, site):
    login(client, site["resident"])
    csrf = csrf_token(client)
    response = client.post("/api/v1/decisions", json={"title": "x"}, headers={"X-CSRFToken": csrf})
    assert _api_error(response, 403)["code"] == "forbidden"


def test_api_session_writes_need_the_csrf_header(client, site):
    login(client, site["officer"])
    response = client.post("/api/v1/decisions", json={"title": "x"})
    assert _api_error(response, 400)["code"] == "csrf"


def test_api_rule_violation_is_422_json(client, site):
    login(client, site["officer"])
    response = client.post(
        "/api/v1/decisions",
        headers={"X-CSRFToken": csrf_token(client)},
        json={
            "year": 2027,
            "title": "",
            "department_id": site["dept"].id,
            "planned_time": "2027-Q1",
        },
    )
    error = _api_error(response, 422)
    assert error["field"] == "title"


def test_api_errors_are_json_in_traditional_chinese_too(client, site):
    client.get("/lang/zh_Hant")
    error = _api_error(client.get("/api/v1/decisions/987654"), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/decisions/{HUGE}",
        f"/api/v1/decisions?department={HUGE}",
        f"/api/v1/decisions?page={HUGE}",
    ],
)
def test_api_huge_numbers_are_a_json_error_not_a_500(client, site, url):
    response = client.get(url)
    if response.status_code == 200:  # an out-of-range filter simply matches nothing
        assert response.get_json()["items"] == []
    else:
        assert _api_error(response, response.status_code)
        assert response.status_code in (400, 404)


# --- home page and health ----------------------------------------------------------------


def test_home_page_shows_the_current_catalogue(client, site):
    html = client.get("/").get_data(as_text=True)
    assert TITLE in html
    assert f'href="/matters/{site["matter"].id}"' in html
    assert 'href="/catalogue/2026?status=planned"' in html


def test_home_page_without_any_published_catalogue(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert zh("No catalogue has been published yet.") in response.get_data(as_text=True)


def test_health_check(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_no_private_data_on_public_pages(client, site, db):
    from consult.catalogue import services

    services.update_matter(
        site["matter"], {"title": TITLE + "一期", "reason": "分期实施。"}, actor=site["officer"]
    )
    db.session.commit()
    email = site["officer"].email
    for url in [
        "/",
        "/catalogue/2026",
        f"/matters/{site['matter'].id}",
        "/catalogue/2026.csv",
        "/catalogue/2026.json",
        "/api/v1/decisions",
        f"/api/v1/decisions/{site['matter'].id}",
    ]:
        body = client.get(url).get_data(as_text=True)
        assert email not in body, url
