"""关怀模式 (care mode): the header switch sets a cookie on the server and sends the reader back
to the same page, which is then rendered with `<html class="care">` from its first byte."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import datetime
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest

from tests.helpers import login
from tests.helpers import zh

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


@pytest.fixture
def matter(db, create_department, create_matter):
    dept = create_department("区住房和城乡建设局", "住建局")
    m = create_matter(department=dept, year=2026, published=True, title="老旧小区停车设施改造")
    db.session.commit()
    return m


def html_class(html: str) -> str:
    match = re.search(r"<html lang=\"[^\"]+\"(?: class=\"([^\"]*)\")?>", html)
    assert match, "no <html lang>"
    return match.group(1) or ""


def care_switch(html: str) -> dict:
    """The switch's form: where it goes, the `next` it carries and its button."""
    form = re.search(
        r'<form class="care-switch" method="get" action="([^"]+)">\s*'
        r'<input type="hidden" name="next" value="([^"]*)">\s*'
        r'<button type="submit" aria-pressed="(true|false)">(.*?)</button>',
        html,
        re.S,
    )
    assert form, "no care-mode switch in the header"
    action, next_value, pressed, label = form.groups()
    return {
        "action": action,
        "next": next_value.replace("&amp;", "&"),
        "pressed": pressed,
        # The visible text in its parts: the name, then the state (开/关) in its pill.
        "label": [t.strip() for t in re.split(r"<[^>]+>", label) if t.strip()],
    }


def browser_host(location: str) -> str:
    """The host a browser would go to (it drops tabs and newlines, reads \\ as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/some/page", cleaned)).netloc


def _set_cookie(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_pages_are_in_normal_mode_until_the_reader_switches(client, matter):
    html = client.get("/").get_data(as_text=True)
    assert html_class(html) == ""
    switch = care_switch(html)
    assert switch["action"] == "/care/on"
    assert switch["pressed"] == "false"
    assert switch["label"] == [zh("Care mode"), zh("Off")]
    assert switch["label"] == ["关怀模式", "关"]


def test_switching_care_mode_on_sets_a_lasting_cookie_and_returns_to_the_page(client, matter):
    page = "/catalogue/2026?status=planned&hearing=no"
    switch = care_switch(client.get(page).get_data(as_text=True))
    response = client.get(switch["action"], query_string={"next": switch["next"]})
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/catalogue/2026"
    assert "status=planned" in target.query and "hearing=no" in target.query

    cookie = _set_cookie(response, "care")
    assert cookie and cookie[0].startswith("care=1;")
    assert "Max-Age=31536000" in cookie[0]
    assert "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]

    # Every page now comes in care mode, the switch pressed.
    for url in ["/", f"/matters/{matter.id}", "/login", "/no-such-page"]:
        html = client.get(url).get_data(as_text=True)
        assert html_class(html) == "care", url
        switch = care_switch(html)
        assert (switch["action"], switch["pressed"]) == ("/care/off", "true")
        assert switch["label"] == ["关怀模式", "开"]


def test_switching_care_mode_off_removes_the_cookie(client, matter):
    client.get("/care/on")
    response = client.get("/care/off", query_string={"next": f"/matters/{matter.id}"})
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/matters/{matter.id}"
    cookie = _set_cookie(response, "care")
    assert cookie and ("Max-Age=0" in cookie[0] or "expires=Thu, 01 Jan 1970" in cookie[0])
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert html_class(html) == ""
    assert care_switch(html)["pressed"] == "false"


def test_only_the_switchs_own_value_turns_care_mode_on(client, matter):
    client.set_cookie("care", "yes")
    assert html_class(client.get("/").get_data(as_text=True)) == ""
    assert client.get("/care/maybe").status_code == 404


def test_care_mode_and_language_are_independent(client, matter):
    client.get("/care/on")
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert html_class(html) == "care"
    assert care_switch(html)["label"] == ["Care mode", "On"]
    client.get("/lang/zh_Hant")
    html = client.get("/").get_data(as_text=True)
    assert html_class(html) == "care"
    assert care_switch(html)["label"] == ["關懷模式", "開"]


def test_care_mode_works_for_staff_too(client, matter, create_user):
    officer = create_user("officer", department=matter.department)
    login(client, officer)
    client.get("/care/on")
    html = client.get("/manage/").get_data(as_text=True)
    assert html_class(html) == "care"


def test_a_cached_normal_page_is_not_shown_after_switching(client, matter):
    """A list the browser has cached (ETag) must not be answered 304 once care mode is on."""
    first = client.get("/catalogue/2026")
    etag = first.headers["ETag"]
    assert client.get("/catalogue/2026", headers={"If-None-Match": etag}).status_code == 304
    client.get("/care/on")
    again = client.get("/catalogue/2026", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert html_class(again.get_data(as_text=True)) == "care"


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example", "https://evil.example", "/\\evil.example", "/\t/evil.example", "evil"],
)
def test_care_switch_is_not_an_open_redirect(client, next_url):
    for state in ("on", "off"):
        response = client.get(f"/care/{state}", query_string={"next": next_url})
        assert response.status_code == 302
        assert browser_host(response.location) == "localhost"
        assert urlsplit(response.location).path == "/"
