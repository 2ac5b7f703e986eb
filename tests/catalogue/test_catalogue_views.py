"""The catalogue through the browser: who may see and change what, the public list and its
filters, exports, the matter page with its adjustments, and what bad input gets back."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from consult.accounts.models import SYSTEM
from consult.catalogue import rules
from consult.catalogue import services
from consult.catalogue.models import CatalogueAdjustment
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
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

DRAFTED = datetime(2025, 12, 10, 2, 0, tzinfo=UTC)
PUBLISHED = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Donghu
TITLE = "老旧小区停车设施改造"
HUGE = "99999999999999999999"  # larger than any integer column on either database


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


def matter_links(html: str) -> list[str]:
    return re.findall(r'href="/matters/(\d+)"', html)


# --- a small district --------------------------------------------------------------------


@dataclass
class World:
    dept: object
    other_dept: object
    matter: object  # published, 2026, lead: dept
    draft: object  # unpublished 2027 catalogue, lead: dept
    users: dict = field(default_factory=dict)


ACTORS = ["anonymous", "resident", "representative", "own_officer", "other_officer", "admin"]


def _build_world(db, frozen, create_department, create_user, create_matter) -> World:
    frozen(DRAFTED)
    dept = create_department("区住房和城乡建设局", "住建局")
    other = create_department("区教育局", "教育局")
    matter = create_matter(department=dept, year=2026, title=TITLE)
    draft = create_matter(
        department=dept, year=2027, title="二〇二七年草案事项", planned_time="2027-Q2"
    )
    frozen(PUBLISHED)
    services.publish_catalogue(matter.catalogue, actor=SYSTEM)
    frozen(NOW)
    users = {
        "anonymous": None,
        "resident": create_user("resident"),
        "representative": create_user("representative"),
        "own_officer": create_user("officer", department=dept, display_name="住建局王科长"),
        "other_officer": create_user("officer", department=other),
        "admin": create_user("admin"),
    }
    db.session.commit()
    return World(dept, other, matter, draft, users)


@pytest.fixture
def world(prepared):
    """Built once per worker (`_build_world`, in a prepared database)."""
    return prepared(_build_world)


def as_actor(client, world: World, actor: str):
    user = world.users[actor]
    if user is not None:
        login(client, user)
    return client


# --- the role × route matrix -------------------------------------------------------------

LOGIN = "login"  # 302 to /login
DONE = "done"  # 302 after a successful change, and the change is in the database

ALL_200 = dict.fromkeys(ACTORS, 200)
PUBLIC_404_STAFF_200 = {
    **dict.fromkeys(ACTORS, 200),
    "anonymous": 404,
    "resident": 404,
    "representative": 404,
}
OWN_DEPT_ONLY = {
    "anonymous": LOGIN,
    "resident": 403,
    "representative": 403,
    "own_officer": 200,
    "other_officer": 403,
    "admin": 200,
}
ANY_STAFF = {**OWN_DEPT_ONLY, "other_officer": 200}
ADMIN_ONLY = {
    "anonymous": LOGIN,
    "resident": 403,
    "representative": 403,
    "own_officer": 403,
    "other_officer": 403,
    "admin": 200,
}


def _as_done(table: dict) -> dict:
    return {actor: DONE if expected == 200 else expected for actor, expected in table.items()}


def _edited(db, w: World) -> bool:
    return reload(db, DecisionMatter, w.matter.id).title == TITLE + "（调整）"


def _procedure_done(db, w: World) -> bool:
    return reload(db, DecisionMatter, w.matter.id).procedure("legality_review").done_on is not None


def _withdrawn(db, w: World) -> bool:
    return reload(db, DecisionMatter, w.matter.id).status == "withdrawn"


def _published_2027(db, w: World) -> bool:
    return reload(db, CatalogueYear, 2027).is_published


def _edit_data(w: World) -> dict:
    return {
        "title": TITLE + "（调整）",
        "summary": "对辖区老旧小区停车设施进行改造。",
        "department_id": w.dept.id,
        "planned_time": "2026-Q3",
        "hearing": "no",
        "public_participation": "y",
        "legality_review": "y",
        "reason": "根据群众意见调整名称。",
    }


# name: (method, url, form data, expected by actor, side effect that a success leaves)
ROUTES = {
    "catalogue": ("GET", "/catalogue/2026", None, ALL_200, None),
    "draft catalogue": ("GET", "/catalogue/2027", None, PUBLIC_404_STAFF_200, None),
    "published matter": ("GET", "/matters/{matter}", None, ALL_200, None),
    "unpublished matter": ("GET", "/matters/{draft}", None, PUBLIC_404_STAFF_200, None),
    "dashboard": ("GET", "/manage/", None, ANY_STAFF, None),
    "edit form": ("GET", "/manage/matters/{matter}/edit", None, OWN_DEPT_ONLY, None),
    "edit": ("POST", "/manage/matters/{matter}/edit", _edit_data, _as_done(OWN_DEPT_ONLY), _edited),
    "progress form": ("GET", "/manage/matters/{matter}/progress", None, OWN_DEPT_ONLY, None),
    "progress": (
        "POST",
        "/manage/matters/{matter}/progress",
        lambda w: {"proc-kind": "legality_review", "proc-done_on": "2026-03-01"},
        _as_done(OWN_DEPT_ONLY),
        _procedure_done,
    ),
    "withdraw form": ("GET", "/manage/matters/{matter}/withdraw", None, ADMIN_ONLY, None),
    "withdraw": (
        "POST",
        "/manage/matters/{matter}/withdraw",
        lambda w: {"reason": "上级政策调整，不再实施。"},
        _as_done(ADMIN_ONLY),
        _withdrawn,
    ),
    "new matter form": ("GET", "/manage/matters/new", None, ANY_STAFF, None),
    "publish year": (
        "POST",
        "/manage/years/2027/publish",
        lambda w: {},
        _as_done(ADMIN_ONLY),
        _published_2027,
    ),
}

MATRIX = [(route, actor) for route in ROUTES for actor in ACTORS]


@pytest.mark.parametrize(("route", "actor"), MATRIX, ids=[f"{r}-{a}" for r, a in MATRIX])
def test_role_route_matrix(client, db, world, route, actor):
    method, url, data, expected_by_actor, effect = ROUTES[route]
    url = url.format(matter=world.matter.id, draft=world.draft.id)
    expected = expected_by_actor[actor]
    as_actor(client, world, actor)

    response = client.get(url) if method == "GET" else post(client, url, data(world))

    if expected == LOGIN:
        assert is_login_redirect(response), (response.status_code, response.location)
        assert parse_qs(urlsplit(response.location).query)["next"] == [url]
    elif expected == DONE:
        assert response.status_code == 302, response.get_data(as_text=True)
        assert not is_login_redirect(response)
    else:
        assert response.status_code == expected
    if effect is not None:
        assert effect(db, world) is (expected == DONE)


@pytest.mark.parametrize("actor", ACTORS)
def test_matter_page_offers_staff_actions_only_to_who_may_use_them(client, world, actor):
    as_actor(client, world, actor)
    html = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    edit_url = f"/manage/matters/{world.matter.id}/edit"
    progress_url = f"/manage/matters/{world.matter.id}/progress"
    withdraw_url = f"/manage/matters/{world.matter.id}/withdraw"

    may_edit = actor in ("own_officer", "admin")
    assert (edit_url in html) is may_edit
    assert (progress_url in html) is may_edit
    assert (withdraw_url in html) is (actor == "admin")


def test_a_withdrawn_matter_offers_no_edit_link_and_refuses_edits(client, db, world):
    services.withdraw_matter(world.matter, "不再实施。", actor=SYSTEM)
    db.session.commit()
    login(client, world.users["own_officer"])
    html = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert f"/manage/matters/{world.matter.id}/edit" not in html
    assert client.get(f"/manage/matters/{world.matter.id}/edit").status_code == 403


def test_an_officer_cannot_move_a_matter_to_another_department(client, db, world):
    login(client, world.users["own_officer"])
    data = {**_edit_data(world), "department_id": world.other_dept.id}
    response = post(client, f"/manage/matters/{world.matter.id}/edit", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "department_id")
    matter = reload(db, DecisionMatter, world.matter.id)
    assert matter.department_id == world.dept.id
    assert matter.title == TITLE


# --- the catalogue page ------------------------------------------------------------------


@pytest.fixture
def catalogue(db, create_department, create_matter):
    """A published 2026 catalogue of three matters and a published 2025 one."""
    housing = create_department("区住房和城乡建设局", "住建局")
    urban = create_department("区城市管理局", "城管局")
    parking = create_matter(department=housing, year=2026, title=TITLE, hearing=True)
    waste = create_matter(
        department=urban, year=2026, title="城区生活垃圾分类实施方案", summary="推进生活垃圾分类。"
    )
    library = create_matter(
        department=housing, year=2026, title="区图书馆新馆建设", summary="新建区图书馆。"
    )
    old = create_matter(
        department=housing,
        year=2025,
        title="二〇二五年旧事项",
        summary="二〇二五年度的事项。",
        planned_time="2025-Q4",
    )
    for year in (2025, 2026):
        services.publish_catalogue(db.session.get(CatalogueYear, year), actor=SYSTEM)
    services.change_status(waste, "consulting", actor=SYSTEM)
    db.session.commit()
    return {
        "housing": housing,
        "urban": urban,
        "parking": parking,
        "waste": waste,
        "library": library,
        "old": old,
    }


TITLES = {
    "parking": TITLE,
    "waste": "城区生活垃圾分类实施方案",
    "library": "区图书馆新馆建设",
    "old": "二〇二五年旧事项",
}


def shown(html: str) -> set[str]:
    return {key for key, title in TITLES.items() if title in html}


def test_catalogue_page_lists_the_matters_of_its_year(client, catalogue):
    response = client.get("/catalogue/2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown(html) == {"parking", "waste", "library"}
    assert "区住房和城乡建设局" in html
    assert "2026-01" in html
    assert shown(client.get("/catalogue/2025").get_data(as_text=True)) == {"old"}


def test_catalogue_index_redirects_to_the_current_year(client, catalogue):
    response = client.get("/catalogue")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/catalogue/2026"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"department": "urban"}, {"waste"}),
        ({"department": "housing"}, {"parking", "library"}),
        ({"status": "consulting"}, {"waste"}),
        ({"status": "planned"}, {"parking", "library"}),
        ({"status": "decided"}, set()),
        ({"hearing": "yes"}, {"parking"}),
        ({"hearing": "no"}, {"waste", "library"}),
        ({"department": "housing", "hearing": "no"}, {"library"}),
    ],
    ids=lambda v: repr(sorted(v)) if isinstance(v, set) else repr(v),
)
def test_catalogue_filters(client, catalogue, query, expected):
    params = {k: (catalogue[v].id if k == "department" else v) for k, v in query.items()}
    response = client.get("/catalogue/2026", query_string=params)
    assert response.status_code == 200
    assert shown(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "停车"}, {"parking"}),
        ({"q": "垃圾分类"}, {"waste"}),
        ({"q": "图书馆"}, {"library"}),  # found in the summary as well as the title
        ({"q": "老旧 停车"}, {"parking"}),
        ({"q": "旧事项"}, {"old"}),  # every year
        ({"q": "旧事项", "year": "2026"}, set()),
        ({"q": "%"}, set()),  # LIKE wildcards are no query
        ({"q": "停车", "status": "consulting"}, set()),
        ({"q": "停车", "department": "urban"}, set()),
        ({"q": "停车", "hearing": "yes"}, {"parking"}),
    ],
    ids=lambda v: repr(v),
)
def test_search_page_filters(client, catalogue, query, expected):
    params = {k: (catalogue[v].id if k == "department" else v) for k, v in query.items()}
    response = client.get("/catalogue/search", query_string=params)
    assert response.status_code == 200
    assert shown(response.get_data(as_text=True)) == expected


def test_search_for_parking_finds_the_parking_matter_only(client, catalogue):
    html = client.get("/catalogue/search?q=停车").get_data(as_text=True)
    assert TITLE in html
    assert matter_links(html) == [str(catalogue["parking"].id)]
    assert 'value="停车"' in html  # the search box keeps the term


def test_a_search_from_a_year_page_looks_in_every_year(client, catalogue):
    response = client.get("/catalogue/2026?q=停车&status=planned&page=2")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/catalogue/search"
    assert parse_qs(target.query) == {"q": ["停车"], "status": ["planned"]}


def test_the_home_page_searches_every_year(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/catalogue/search"' in html


@pytest.fixture
def parking_years(db, catalogue, create_matter):
    """A parking matter in 2025 too, added to the published catalogue."""
    fees = create_matter(
        department=catalogue["housing"],
        year=2025,
        title="城区公共停车场收费标准调整",
        summary="对公共停车场和道路临时泊位实行差别化收费。",
        reason="根据区政府常务会议决定补充列入。",
    )
    db.session.commit()
    return {**catalogue, "fees": fees}


@pytest.mark.parametrize("q", ["停车位", "停車", "停車位"])
def test_a_parking_search_finds_both_years_and_shows_them(client, parking_years, q):
    html = client.get("/catalogue/search", query_string={"q": q}).get_data(as_text=True)
    ids = {str(parking_years[k].id) for k in ("parking", "fees")}
    assert set(matter_links(html)) == ids
    chips = re.search(r'<nav class="chips found-years".*?</nav>', html, re.S).group(0)
    assert zh("All years: %(num)d") % {"num": 2} in chips
    assert zh("%(year)d: %(num)d") % {"year": 2026, "num": 1} in chips
    assert zh("%(year)d: %(num)d") % {"year": 2025, "num": 1} in chips
    assert 'href="/catalogue/search?q=' in chips and "year=2025" in chips


def test_choosing_a_year_keeps_the_other_years_in_reach(client, parking_years):
    html = client.get("/catalogue/search?q=停车位&year=2025").get_data(as_text=True)
    assert matter_links(html) == [str(parking_years["fees"].id)]
    assert '<option value="2025" selected>' in html
    chips = re.search(r'<nav class="chips found-years".*?</nav>', html, re.S).group(0)
    assert zh("All years: %(num)d") % {"num": 2} in chips  # a link back to every year


def test_a_traditional_search_on_the_traditional_page(client, parking_years):
    client.set_cookie("lang", "zh_Hant")
    html = client.get("/catalogue/search?q=停車位").get_data(as_text=True)
    assert set(matter_links(html)) == {str(parking_years[k].id) for k in ("parking", "fees")}
    assert "老舊小區停車設施改造" in html  # the page in Traditional characters
    assert 'value="停車位"' in html  # the box keeps what was typed


def test_a_search_is_shown_escaped(client, catalogue):
    html = client.get("/catalogue/search", query_string={"q": "<b>停车</b>"}).get_data(as_text=True)
    assert "<b>停车</b>" not in html
    assert "&lt;b&gt;停车&lt;/b&gt;" in html
    assert matter_links(html) == [str(catalogue["parking"].id)]


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "停" * 500,
        "q=%EF%BC%9F%EF%BC%81",  # ？！ only
        "q=%25%5F",
        "q=%FF%FE",
        "q=停车&year=abc",
        "q=停车&year=1999",
        f"q=停车&year={HUGE}",
        f"q=停车&page={HUGE}&department={HUGE}",
        "q=停车&q=车位",
    ],
)
def test_bad_search_input_is_never_an_error_page(client, catalogue, query):
    response = client.get(f"/catalogue/search?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["q=%00", "q=停车%00"])
def test_a_nul_in_a_search_is_a_clear_refusal(client, catalogue, query):
    response = client.get(f"/catalogue/search?{query}")
    assert response.status_code == 400
    assert '<p class="error-code">400</p>' in response.get_data(as_text=True)


def test_catalogue_pagination(client, db, create_department, create_matter):
    dept = create_department()
    for n in range(1, 26):
        create_matter(department=dept, year=2026, title=f"停车事项第{n:02d}号")
    services.publish_catalogue(db.session.get(CatalogueYear, 2026), actor=SYSTEM)
    db.session.commit()

    first = client.get("/catalogue/search?q=停车").get_data(as_text=True)
    assert len(matter_links(first)) == 20
    assert "停车事项第01号" in first and "停车事项第21号" not in first
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first)
    assert next_link, "no link to page 2"
    next_query = parse_qs(urlsplit(next_link.group(1).replace("&amp;", "&")).query)
    assert next_query["page"] == ["2"] and next_query["q"] == ["停车"]

    second = client.get("/catalogue/search?q=停车&page=2").get_data(as_text=True)
    assert len(matter_links(second)) == 5
    assert "停车事项第21号" in second and "停车事项第25号" in second
    assert "停车事项第01号" not in second

    beyond = client.get("/catalogue/2026?page=9")
    assert beyond.status_code == 200
    assert matter_links(beyond.get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=abc&status=zzz&department=x&hearing=maybe",
        "page=0",
        "page=-3",
        "page=1.5",
        "department=&status=&hearing=&q=",
        "q=" + "停" * 500,
        "status=consulting&status=zzz",
        "q=%FF%FE&department=%C3",  # invalid UTF-8, percent-encoded
    ],
)
def test_malformed_catalogue_query_is_ignored_not_an_error(client, catalogue, query):
    response = client.get(f"/catalogue/2026?{query}", follow_redirects=True)
    assert response.status_code == 200


def test_raw_invalid_utf8_in_the_query_string_is_a_400_page(client, catalogue):
    """A GBK search sent unescaped is not UTF-8: refused with a page, never a 500."""
    response = client.get(
        "/catalogue/2026", environ_overrides={"QUERY_STRING": "q=\xb9\xfa&page=\xc3"}
    )
    assert response.status_code == 400
    assert '<p class="error-code">400</p>' in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [f"department={HUGE}", f"page={HUGE}"])
def test_huge_numbers_in_the_catalogue_query_are_not_an_error(client, catalogue, query):
    assert client.get(f"/catalogue/2026?{query}").status_code == 200


@pytest.mark.parametrize("url", [f"/matters/{HUGE}", f"/catalogue/{HUGE}"])
def test_huge_ids_in_the_path_are_404(client, catalogue, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/catalogue/1999", "/catalogue/2030", "/catalogue/2030.csv", "/catalogue/2030.json"]
)
def test_unknown_year_is_404(client, catalogue, url):
    assert client.get(url).status_code == 404


def test_unpublished_year_is_404_for_the_public_and_its_exports_for_everyone(client, db, world):
    assert client.get("/catalogue/2027").status_code == 404
    login(client, world.users["admin"])
    assert client.get("/catalogue/2027").status_code == 200  # staff see the draft
    assert client.get("/catalogue/2027.csv").status_code == 404
    assert client.get("/catalogue/2027.json").status_code == 404


def test_unknown_matter_is_404_in_the_users_language(client, catalogue):
    response = client.get("/matters/987654")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert zh("Page not found") in html

    english(client)
    html = client.get("/matters/987654").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Page not found" in html


# --- exports -----------------------------------------------------------------------------


def test_csv_export(client, db, catalogue, create_user):
    officer = create_user(
        "officer", department=catalogue["housing"], email="wang.kezhang@example.test"
    )
    services.update_matter(
        catalogue["parking"], {"title": TITLE + "一期", "reason": "分期实施。"}, actor=officer
    )
    db.session.commit()

    response = client.get("/catalogue/2026.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="catalogue-2026.csv"'
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1] == "决策事项 title"
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {TITLE + "一期", "城区生活垃圾分类实施方案", "区图书馆新馆建设"}
    parking = by_title[TITLE + "一期"]
    assert parking[2] == "区住房和城乡建设局"
    assert parking[3] == "2026-Q3"
    assert parking[4] == "是 yes"
    assert by_title["城区生活垃圾分类实施方案"][5] == "consulting"
    assert "@" not in text and "wang.kezhang" not in text


def test_csv_export_follows_the_filters(client, catalogue):
    text = client.get("/catalogue/2026.csv?q=停车").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[1] for row in rows[1:]] == [TITLE]


def test_json_export(client, db, catalogue, create_user):
    officer = create_user(
        "officer", department=catalogue["housing"], email="li.keyuan@example.test"
    )
    services.update_matter(
        catalogue["library"],
        {"summary": "新建区图书馆及配套。", "reason": "补充内容。"},
        actor=officer,
    )
    db.session.commit()

    response = client.get("/catalogue/2026.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="catalogue-2026.json"'
    body = json.loads(response.get_data(as_text=True))
    assert body["year"] == 2026
    assert body["total"] == 3
    titles = {item["title"] for item in body["items"]}
    assert titles == {TITLE, "城区生活垃圾分类实施方案", "区图书馆新馆建设"}
    parking = next(item for item in body["items"] if item["title"] == TITLE)
    assert parking["lead_department"]["name"] == "区住房和城乡建设局"
    assert parking["hearing"] is True
    assert parking["status"] == "planned"
    assert {p["kind"] for p in parking["procedures"]} >= {"public_participation", "legality_review"}

    raw = response.get_data(as_text=True)
    assert "@" not in raw and "li.keyuan" not in raw
    keys: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            keys.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    assert not keys & {"email", "contact", "password_hash", "ip", "actor_id", "ip_address"}


# --- the matter page and adjustments -----------------------------------------------------


def test_matter_page_shows_summary_facts_and_procedures(client, db, world):
    english(client)
    html = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert f"<h1>{TITLE}</h1>" in html
    assert "对辖区老旧小区停车设施进行改造。" in html
    assert "2026-01" in html
    assert "区住房和城乡建设局" in html
    assert "Q3 2026" in html
    assert re.search(
        r"<th scope=\"row\">Legality review</th>\s*<td>Yes</td>\s*<td>Not yet done</td>", html
    )
    assert re.search(r"<th scope=\"row\">Risk assessment</th>\s*<td>No</td>\s*<td>—</td>", html)
    assert "No adjustments." in html
    assert "Listed in the published catalogue" in html  # the timeline starts at publication
    assert "Entered in the draft catalogue" not in html


def test_recording_progress_shows_on_the_matter_page(client, db, world):
    login(client, world.users["own_officer"])
    english(client)
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/progress",
        {"proc-kind": "legality_review", "proc-done_on": "2026-03-01"},
    )
    assert response.status_code == 302
    html = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert re.search(
        r"Legality review</th>\s*<td>Yes</td>\s*<td><span class=\"done\">Done on Mar 1, 2026", html
    )
    assert "Statutory procedure completed: Legality review" in html


def test_progress_in_the_future_is_refused(client, db, world):
    login(client, world.users["own_officer"])
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/progress",
        {"proc-kind": "legality_review", "proc-done_on": "2026-12-01"},
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "proc-done_on")
    assert reload(db, DecisionMatter, world.matter.id).procedure("legality_review").done_on is None


def test_adjustment_through_the_edit_form_is_shown_publicly(client, db, world):
    officer = world.users["own_officer"]
    login(client, officer)
    english(client)
    data = {
        **_edit_data(world),
        "title": "老旧小区停车设施改造提升",
        "planned_time": "2026-Q4",
        "reason": "结合社区意见扩大改造范围。",
    }
    response = post(client, f"/manage/matters/{world.matter.id}/edit", data)
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/matters/{world.matter.id}"

    adjustment = db.session.scalar(
        sa.select(CatalogueAdjustment).where(
            CatalogueAdjustment.matter_id == world.matter.id, CatalogueAdjustment.kind == "change"
        )
    )
    assert adjustment is not None
    assert adjustment.actor_id == officer.id
    assert adjustment.reason == "结合社区意见扩大改造范围。"
    assert {c["field"] for c in adjustment.changes} == {"title", "planned_time"}

    anonymous = client.application.test_client()
    english(anonymous)
    html = anonymous.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert "<h1>老旧小区停车设施改造提升</h1>" in html
    assert "Entry changed" in html
    assert "住建局王科长（区住房和城乡建设局）" in html  # who
    assert re.search(
        rf"<del>\s*{TITLE}\s*</del>\s*→\s*<ins>\s*老旧小区停车设施改造提升\s*</ins>", html
    )
    assert re.search(r"<del>\s*Q3 2026\s*</del>\s*→\s*<ins>\s*Q4 2026\s*</ins>", html)
    assert "结合社区意见扩大改造范围。" in html
    assert re.search(
        r"Catalogue entry adjusted:\s*结合社区意见扩大改造范围。", html
    )  # the timeline
    assert "No adjustments." not in html
    assert officer.email not in html


def test_adjustment_without_reason_is_refused_and_keeps_the_input(client, db, world):
    login(client, world.users["own_officer"])
    data = {
        **_edit_data(world),
        "title": "这是我刚输入的新标题",
        "planned_time": "2026-10",
        "reason": "  ",
    }
    response = post(client, f"/manage/matters/{world.matter.id}/edit", data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "reason") == zh("Give a reason: it is published with the change.")
    assert 'value="这是我刚输入的新标题"' in html
    assert 'value="2026-10"' in html

    matter = reload(db, DecisionMatter, world.matter.id)
    assert matter.title == TITLE
    assert matter.planned.code == "2026-Q3"
    assert matter.adjustments == []

    english(client)
    response = post(client, f"/manage/matters/{world.matter.id}/edit", data)
    assert field_error(response.get_data(as_text=True), "reason") == str(
        escape("Give a reason: it is published with the change.")
    )


def test_editing_a_draft_needs_no_reason(client, db, world):
    login(client, world.users["own_officer"])
    data = {
        **_edit_data(world),
        "title": "二〇二七年草案事项（修改）",
        "planned_time": "2027-Q2",
        "reason": "",
    }
    html = client.get(f"/manage/matters/{world.draft.id}/edit").get_data(as_text=True)
    assert 'id="reason"' not in html  # a draft has no reason field
    response = post(client, f"/manage/matters/{world.draft.id}/edit", data)
    assert response.status_code == 302
    draft = reload(db, DecisionMatter, world.draft.id)
    assert draft.title == "二〇二七年草案事项（修改）"
    assert draft.adjustments == []


def test_withdrawal_by_the_government_office_is_public(client, db, world):
    login(client, world.users["admin"])
    english(client)
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/withdraw",
        {"reason": "上级政策调整，不再实施。"},
    )
    assert response.status_code == 302
    html = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert "Withdrawn from the catalogue" in html
    assert "上级政策调整，不再实施。" in html


def test_withdrawal_needs_a_reason(client, db, world):
    login(client, world.users["admin"])
    response = post(client, f"/manage/matters/{world.matter.id}/withdraw", {"reason": ""})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "reason")
    assert reload(db, DecisionMatter, world.matter.id).status == "planned"


# --- forms -------------------------------------------------------------------------------


@pytest.fixture
def officer(db, create_department, create_user):
    dept = create_department("区卫生健康委员会", "卫健委")
    user = create_user("officer", department=dept)
    db.session.commit()
    return user


def _new_matter_data(officer, **overrides) -> dict:
    return {
        "title": "社区卫生服务中心布局规划",
        "summary": "优化布局。",
        "department_id": officer.department_id,
        "planned_time": "2026-09",
        "hearing": "yes",
        "public_participation": "y",
        **overrides,
    }


def test_new_matter_is_saved_in_the_draft_catalogue(client, db, officer):
    login(client, officer)
    response = post(client, "/manage/matters/new", _new_matter_data(officer))
    assert response.status_code == 302
    matter = db.session.scalar(
        sa.select(DecisionMatter).where(DecisionMatter.title == "社区卫生服务中心布局规划")
    )
    assert matter is not None
    assert (matter.year, matter.department_id, matter.hearing) == (
        2026,
        officer.department_id,
        True,
    )
    assert matter.planned.code == "2026-09"
    assert urlsplit(response.location).path == f"/matters/{matter.id}"
    assert not matter.is_published


@pytest.mark.parametrize(
    ("overrides", "field_id"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"department_id": None}, "department_id"),
        ({"department_id": "abc"}, "department_id"),
        ({"planned_time": ""}, "planned_time"),
        ({"planned_time": "2027-03"}, "planned_time"),  # outside the catalogue year
        ({"planned_time": "2025年第四季度"}, "planned_time"),
        ({"planned_time": "next spring"}, "planned_time"),
        ({"title": "长" * 201}, "title"),
    ],
    ids=[
        "no-title",
        "blank-title",
        "no-department",
        "bad-department",
        "no-time",
        "next-year",
        "last-year",
        "not-a-time",
        "long-title",
    ],
)
def test_new_matter_form_errors(client, db, officer, overrides, field_id):
    login(client, officer)
    before = count(db, DecisionMatter)
    data = {k: v for k, v in _new_matter_data(officer, **overrides).items() if v is not None}
    response = post(client, "/manage/matters/new", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, field_id), html
    assert 'class="error-summary"' in html
    assert count(db, DecisionMatter) == before


def test_planned_time_outside_the_year_names_the_year(client, officer):
    login(client, officer)
    english(client)
    response = post(
        client, "/manage/matters/new", _new_matter_data(officer, planned_time="2027-Q1")
    )
    assert field_error(response.get_data(as_text=True), "planned_time") == (
        "The planned decision time must fall within the catalogue year 2026."
    )


def test_officer_cannot_create_a_matter_for_another_department(
    client, db, officer, create_department
):
    other = create_department()
    db.session.commit()
    login(client, officer)
    response = post(
        client, "/manage/matters/new", _new_matter_data(officer, department_id=other.id)
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "department_id")
    assert count(db, DecisionMatter) == 0


def test_addition_to_a_published_catalogue_needs_a_reason(client, db, world):
    login(client, world.users["own_officer"])
    data = {**_edit_data(world), "title": "新增事项", "reason": ""}
    response = post(client, "/manage/matters/new?year=2026", data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "reason")
    assert (
        db.session.scalar(sa.select(DecisionMatter).where(DecisionMatter.title == "新增事项"))
        is None
    )

    response = post(
        client, "/manage/matters/new?year=2026", {**data, "reason": "区政府常务会议决定增补。"}
    )
    assert response.status_code == 302
    added = db.session.scalar(sa.select(DecisionMatter).where(DecisionMatter.title == "新增事项"))
    assert [a.kind for a in added.adjustments] == ["addition"]


@pytest.mark.parametrize("year", ["1999", "2101", "abc"])
def test_new_matter_for_an_implausible_year(client, officer, year):
    login(client, officer)
    response = client.get(f"/manage/matters/new?year={year}")
    assert response.status_code in (200, 404)  # "abc" falls back to this year
    assert response.status_code == (200 if year == "abc" else 404)


def test_post_without_csrf_token_is_a_400_page(client, db, officer):
    login(client, officer)
    response = client.post("/manage/matters/new", data=_new_matter_data(officer))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<p class="error-code">400</p>' in html
    assert count(db, DecisionMatter) == 0


def test_post_with_a_forged_csrf_token_is_a_400_page(client, db, officer):
    login(client, officer)
    response = client.post(
        "/manage/matters/new", data={**_new_matter_data(officer), "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert count(db, DecisionMatter) == 0


def test_ten_megabyte_urlencoded_form_is_413(client, db, officer):
    login(client, officer)
    response = post(
        client, "/manage/matters/new", _new_matter_data(officer, title="x" * 10_000_000)
    )
    assert response.status_code == 413
    assert count(db, DecisionMatter) == 0


def test_ten_megabyte_multipart_form_is_413(client, db, officer):
    login(client, officer)
    fields = {**_new_matter_data(officer, title="x" * 10_000_000), "csrf_token": csrf_token(client)}
    # Encoded up front: the test client would spool a large multipart body to a temporary
    # file it never closes (a ResourceWarning, an error under filterwarnings=error).
    boundary, body = encode_multipart(MultiDict({k: str(v) for k, v in fields.items()}))
    response = client.post(
        "/manage/matters/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert '<p class="error-code">413</p>' in response.get_data(as_text=True)
    assert count(db, DecisionMatter) == 0


def test_body_over_the_request_limit_is_413(client, db, officer):
    login(client, officer)
    body = b"title=" + b"x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/manage/matters/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert count(db, DecisionMatter) == 0


def test_invalid_utf8_in_a_form_body_is_not_a_server_error(client, db, officer):
    login(client, officer)
    csrf = csrf_token(client)
    encoded = f"title=%FF%FE&department_id={officer.department_id}&planned_time=2026-%C3&csrf_token={csrf}"
    response = client.post(
        "/manage/matters/new",
        data=encoded.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 422  # the time is not a time; nothing crashes

    raw = f"title=\xff\xfe&department_id={officer.department_id}&csrf_token={csrf}".encode(
        "latin-1"
    )
    response = client.post(
        "/manage/matters/new", data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400  # unreadable body: no CSRF token can be found in it
    assert count(db, DecisionMatter) == 0


def test_publishing_a_year_through_the_dashboard(client, db, world):
    login(client, world.users["admin"])
    response = post(client, "/manage/years/2027/publish", {}, follow_redirects=True)
    assert response.status_code == 200
    assert reload(db, CatalogueYear, 2027).is_published
    assert client.get("/catalogue/2027").status_code == 200
    anonymous = client.application.test_client()
    assert anonymous.get(f"/matters/{world.draft.id}").status_code == 200


def test_publishing_an_unknown_year_is_404(client, world):
    login(client, world.users["admin"])
    assert post(client, "/manage/years/2031/publish", {}).status_code == 404


def test_decided_date_in_a_status_change(client, db, world):
    """Status moves through the progress form; deciding needs a date and a document."""
    login(client, world.users["own_officer"])
    url = f"/manage/matters/{world.matter.id}/progress"
    assert post(client, url, {"status-status": "deliberating"}).status_code == 302
    response = post(
        client,
        url,
        {
            "status-status": "decided",
            "status-decision_date": "2026-03-01",
            "status-decision_document_url": "",
        },
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "status-decision_document_url")
    deciding = {
        "status-status": "decided",
        "status-decision_date": "2026-03-01",
        "status-decision_document_url": "https://www.donghu.gov.cn/doc/1",
    }
    # Without its interpretation the decision is refused, and what was typed is kept.
    response = post(client, url, {**deciding, "status-interpretation_forms": "video"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "status-interpretation_title")
    assert field_error(html, "status-interpretation_body")
    assert "https://www.donghu.gov.cn/doc/1" in html
    assert reload(db, DecisionMatter, world.matter.id).status == "deliberating"
    typed = {
        **deciding,
        "status-interpretation_title": "停车设施改造办法解读",
        "status-interpretation_body": "一、为什么改造。二、怎么改造。三、居民怎样参与。",
        "status-interpretation_forms": ["text", "video"],
    }
    response = post(client, url, typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "status-interpretation_link")
    assert "停车设施改造办法解读" in html and "三、居民怎样参与。" in html
    response = post(client, url, {**typed, "status-interpretation_link": "https://v.example/1"})
    assert response.status_code == 302
    matter = reload(db, DecisionMatter, world.matter.id)
    assert (matter.status, matter.decision_date) == ("decided", date(2026, 3, 1))
    page = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "停车设施改造办法解读" in page


def test_the_edit_form_shows_the_planned_time_in_words_that_it_reads_back(client, db, world):
    login(client, world.users["own_officer"])
    html = client.get(f"/manage/matters/{world.matter.id}/edit").get_data(as_text=True)
    field = html[html.index('name="planned_time"') - 200 : html.index('name="planned_time"') + 200]
    value = re.search(r'value="([^"]*)"', field).group(1)
    assert "年" in value and "-" not in value  # 2026年第三季度 or 2026年7月, not 2026-Q3
    planned = rules.parse_planned_time(value, world.matter.year)
    assert (planned.precision, planned.index) == (
        world.matter.planned_precision,
        world.matter.planned_index,
    )


# --- postponing into next year's catalogue -----------------------------------------------


def test_a_postponed_matter_is_shown_in_both_years_and_stays_public(app, client, db, world):
    login(client, world.users["own_officer"])
    english(client)
    reason = "上位政策尚未出台，决策时间顺延至下一年度。"
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/postpone",
        {"planned_time": "2027年第二季度", "reason": reason},
    )
    assert response.status_code == 302
    moved = reload(db, DecisionMatter, world.matter.id)
    assert (moved.year, moved.code, moved.planned.code) == (2027, "2027-02", "2027-Q2")
    client = new_client(app)
    english(client)
    # The 2026 catalogue still accounts for it, with the reason and its new number.
    year_2026 = client.get("/catalogue/2026").get_data(as_text=True)
    section = year_2026[year_2026.index('id="postponed-h"') :]
    assert TITLE in section and reason in section and "2026-01 → 2027-02" in section
    # 2027 is still a draft catalogue, yet the moved matter's page is public and says why.
    assert client.get("/catalogue/2027").status_code == 404
    response = client.get(f"/matters/{moved.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Postponed to the next year's catalogue" in page and reason in page
    assert 'href="/catalogue/2026"' in page


def test_a_postponement_without_a_reason_is_refused_and_keeps_the_input(client, db, world):
    login(client, world.users["own_officer"])
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/postpone",
        {"planned_time": "2027-03", "reason": ""},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "reason")
    assert 'value="2027-03"' in html
    assert reload(db, DecisionMatter, world.matter.id).year == 2026


@pytest.mark.parametrize("actor", ["other_officer", "representative"])
def test_only_the_department_or_the_office_postpones(client, db, world, actor):
    login(client, world.users[actor])
    response = post(
        client,
        f"/manage/matters/{world.matter.id}/postpone",
        {"planned_time": "2027-03", "reason": "顺延。"},
    )
    assert response.status_code == 403
    assert reload(db, DecisionMatter, world.matter.id).year == 2026


def test_a_matter_is_postponed_through_the_api(client, db, world):
    api_token = services_token(db, world.users["own_officer"])
    response = client.post(
        f"/api/v1/decisions/{world.matter.id}/postponement",
        json={"planned_time": "2027-Q1", "reason": "顺延至下一年度。"},
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["year"] == 2027
    assert body["adjustments"][-1]["kind"] == "postponement"
    refused = client.post(
        f"/api/v1/decisions/{world.matter.id}/postponement",
        json={"planned_time": "2029-Q1", "reason": "再次顺延。"},
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "planned_time"


def services_token(db, user) -> str:
    from consult.accounts import services as accounts

    _, raw = accounts.issue_token(user, "tests", actor=user)
    db.session.commit()
    return raw
