"""/api/v1/decisions: the public catalogue, and staff writes with bearer tokens."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from types import SimpleNamespace

import pytest

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.catalogue.models import DecisionMatter
from tests.helpers import INTERPRETATION

URL = "/api/v1/decisions"
NOW = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
PRIVATE_KEYS = {"email", "password", "password_hash", "token", "token_hash", "contact", "ip"}


@pytest.fixture(autouse=True)
def _clock(frozen):
    frozen(NOW)


class Api:
    """Send requests as the outside world does: after a commit, checking every answer."""

    def __init__(self, client, db):
        self.client, self.db = client, db

    def __call__(self, method: str, url: str, token: str | None = None, **kwargs):
        # Whatever the test set up is committed before the request arrives, as in real life
        # (the outer test transaction is still rolled back afterwards).
        self.db.session.commit()
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        # The request ran in a session of its own: see what it wrote, not the test's copies.
        self.db.session.expire_all()
        assert_nothing_private(response)
        return response

    def get(self, url, **kwargs):
        return self("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self("PATCH", url, **kwargs)


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def assert_nothing_private(response):
    body = response.get_data(as_text=True)
    assert "@example.test" not in body
    assert "$argon2" not in body
    assert "cst_" not in body
    if response.is_json:
        assert not PRIVATE_KEYS & set(_keys(response.get_json()))


@pytest.fixture
def api(client, db):
    return Api(client, db)


def _build_world(db, create_department, create_user, create_matter, frozen):
    """A published 2026 catalogue of three matters, a 2027 draft, and staff with tokens."""
    housing = create_department(name="东湖区住房和城乡建设局", short_name="住建局")
    transport = create_department(name="东湖区交通运输局", short_name="交通局")
    frozen(datetime(2026, 3, 1, tzinfo=UTC))
    parking = create_matter(housing, title="老旧小区停车设施改造", hearing=True)
    bus = create_matter(
        transport, title="公交线网优化调整", summary="优化线路与站点。", planned_time="2026-07"
    )
    waste = create_matter(
        housing,
        title="生活垃圾分类实施方案",
        summary="推进分类收运。",
        planned_time="2026年第四季度",
    )
    frozen(datetime(2026, 3, 16, tzinfo=UTC))
    catalogue.publish_catalogue(parking.catalogue, actor=SYSTEM)
    frozen(NOW)
    catalogue.change_status(bus, "consulting", actor=SYSTEM)
    draft = create_matter(housing, year=2027, title="2027年停车收费标准调整")
    admin = create_user("admin")
    housing_officer = create_user("officer", department=housing)
    transport_officer = create_user("officer", department=transport)
    tokens = {
        user_name: accounts.issue_token(user, "test", actor=user)[1]
        for user_name, user in (
            ("admin", admin),
            ("housing", housing_officer),
            ("transport", transport_officer),
        )
    }
    return SimpleNamespace(
        housing=housing,
        transport=transport,
        parking=parking,
        bus=bus,
        waste=waste,
        draft=draft,
        admin=admin,
        housing_officer=housing_officer,
        transport_officer=transport_officer,
        tokens=tokens,
    )


@pytest.fixture
def world(prepared):
    """Built once per worker (`_build_world`, in a prepared database)."""
    return prepared(_build_world)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def assert_error(response, status: int, field: str | None, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "field", "message"}
    assert error["field"] == field
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


# --- listing -----------------------------------------------------------------------------


def test_list_answers_with_the_paging_envelope(api, world):
    response = api.get(URL)
    body = response.get_json()
    assert response.status_code == 200
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    assert [item["code"] for item in body["items"]] == ["2026-01", "2026-02", "2026-03"]


def test_list_items_carry_the_public_record(api, world):
    item = api.get(URL).get_json()["items"][0]
    assert item["id"] == world.parking.id
    assert item["title"] == "老旧小区停车设施改造"
    assert item["lead_department"] == {
        "id": world.housing.id,
        "name": "东湖区住房和城乡建设局",
        "short_name": "住建局",
    }
    assert (item["planned_time"], item["planned_precision"]) == ("2026-Q3", "quarter")
    assert (item["status"], item["hearing"], item["completion"]) == ("planned", True, "in_progress")
    assert item["updated_at"].endswith("+00:00")
    assert {p["kind"] for p in item["procedures"] if p["required"]} == {
        "public_participation",
        "legality_review",
    }


def test_unpublished_years_are_not_listed(api, world):
    assert "2027年停车收费标准调整" not in titles(api.get(URL))
    assert titles(api.get(URL, query_string={"year": 2027})) == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"year": 2026}, ["老旧小区停车设施改造", "公交线网优化调整", "生活垃圾分类实施方案"]),
        ({"year": 2025}, []),
        ({"status": "consulting"}, ["公交线网优化调整"]),
        ({"status": "planned"}, ["老旧小区停车设施改造", "生活垃圾分类实施方案"]),
        ({"hearing": "true"}, ["老旧小区停车设施改造"]),
        ({"hearing": "0"}, ["公交线网优化调整", "生活垃圾分类实施方案"]),
        ({"q": "停车"}, ["老旧小区停车设施改造"]),
        ({"q": "  垃圾 方案 "}, ["生活垃圾分类实施方案"]),
        ({"q": "%"}, []),
        ({"q": "停车", "status": "consulting"}, []),
    ],
)
def test_list_filters(api, world, query, expected):
    assert titles(api.get(URL, query_string=query)) == expected


@pytest.fixture
def two_years(world, create_matter, frozen):
    """A published 2025 catalogue with a parking matter and a Latin-named one."""
    frozen(datetime(2025, 2, 1, tzinfo=UTC))
    fees = create_matter(
        world.transport,
        year=2025,
        title="城区公共停车场收费标准调整",
        summary="对公共停车场和道路临时泊位实行差别化收费。",
    )
    create_matter(world.transport, year=2025, title="智慧交通平台V2升级", summary="升级平台。")
    catalogue.publish_catalogue(fees.catalogue, actor=SYSTEM)
    frozen(NOW)
    return world


@pytest.mark.parametrize("q", ["停車位", "停车位", "停車"])
def test_a_search_finds_the_parking_matters_of_every_year(api, two_years, q):
    assert sorted(titles(api.get(URL, query_string={"q": q}))) == [
        "城区公共停车场收费标准调整",
        "老旧小区停车设施改造",
    ]
    assert titles(api.get(URL, query_string={"q": q, "year": 2026})) == ["老旧小区停车设施改造"]


@pytest.mark.parametrize("q", ["v2", "V2", "平台 v2"])
def test_a_latin_word_is_found_whatever_its_case(api, two_years, q):
    assert titles(api.get(URL, query_string={"q": q})) == ["智慧交通平台V2升级"]


@pytest.mark.parametrize("q", ["？！", "%_", "——", "…"])
def test_a_search_of_punctuation_only_finds_nothing(api, two_years, q):
    response = api.get(URL, query_string={"q": q})
    assert titles(response) == []
    assert response.get_json()["total"] == 0


def test_list_filters_by_department(api, world):
    response = api.get(URL, query_string={"department": world.transport.id})
    assert titles(response) == ["公交线网优化调整"]
    assert response.get_json()["total"] == 1


@pytest.mark.parametrize(
    "page, per_page, expected",
    [
        (1, 2, ["2026-01", "2026-02"]),
        (2, 2, ["2026-03"]),
        (3, 2, []),
        (1, 100, ["2026-01", "2026-02", "2026-03"]),
    ],
)
def test_list_pages(api, world, page, per_page, expected):
    body = api.get(URL, query_string={"page": page, "per_page": per_page}).get_json()
    assert [item["code"] for item in body["items"]] == expected
    assert (body["total"], body["page"], body["per_page"]) == (3, page, per_page)


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "bogus"}, "status"),
        ({"status": "PLANNED"}, "status"),
        ({"hearing": "maybe"}, "hearing"),
        ({"year": "twenty"}, "year"),
        ({"year": "2026.5"}, "year"),
        ({"department": "交通局"}, "department"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
    ],
)
def test_bad_filter_values_are_refused_naming_the_field(api, world, query, field):
    assert_error(api.get(URL, query_string=query), 400, field, "bad_request")


def test_a_non_numeric_per_page_is_reported_on_per_page(api, world):
    assert_error(api.get(URL, query_string={"per_page": "many"}), 400, "per_page")


# --- detail ------------------------------------------------------------------------------


def test_detail_shows_a_published_matter_with_its_history(api, world):
    response = api.get(f"{URL}/{world.bus.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["status"], body["code"]) == (
        "公交线网优化调整",
        "consulting",
        "2026-02",
    )
    assert body["adjustments"] == []
    assert [e["action"] for e in body["timeline"]] == ["listed", "status_changed"]
    assert body["timeline"][-1]["at"] == "2026-05-06T02:00:00+00:00"


def test_detail_of_an_unknown_matter_is_404(api, world):
    assert_error(api.get(f"{URL}/999999"), 404, None, "not_found")


def test_detail_of_an_unpublished_matter_is_404_for_the_public(api, world):
    assert_error(api.get(f"{URL}/{world.draft.id}"), 404, None, "not_found")


def test_detail_of_an_unpublished_matter_is_shown_to_staff(api, world):
    response = api.get(f"{URL}/{world.draft.id}", token=world.tokens["housing"])
    assert response.status_code == 200
    assert response.get_json()["title"] == "2027年停车收费标准调整"


# --- creating ----------------------------------------------------------------------------


def new_matter(department, **overrides):
    return {
        "year": 2027,
        "title": "背街小巷环境整治",
        "summary": "整治背街小巷环境。",
        "department_id": department.id,
        "planned_time": "2027-Q2",
        "hearing": False,
        "procedures": ["public_participation", "legality_review"],
        **overrides,
    }


def test_creating_needs_a_token(api, world):
    assert_error(api.post(URL, json=new_matter(world.housing)), 401, None, "unauthorized")
    assert not _titled("背街小巷环境整治")


@pytest.mark.parametrize("token", ["cst_not-a-real-token", "nonsense", ""])
def test_creating_with_an_unknown_token_is_401(api, world, token):
    assert_error(api.post(URL, json=new_matter(world.housing), token=token), 401, None)


def test_a_revoked_token_is_401(api, world, db):
    token, secret = accounts.issue_token(world.housing_officer, "old", actor=world.housing_officer)
    accounts.revoke_token(token, actor=world.housing_officer)
    assert_error(api.post(URL, json=new_matter(world.housing), token=secret), 401, None)


def test_a_token_of_someone_no_longer_staff_is_403(api, world):
    accounts.update_user(world.housing_officer, {"role": "resident"}, actor=world.admin)
    response = api.post(URL, json=new_matter(world.housing), token=world.tokens["housing"])
    assert_error(response, 403, None, "forbidden")
    assert not _titled("背街小巷环境整治")


def test_an_officer_creates_a_matter_for_their_department(api, world):
    response = api.post(URL, json=new_matter(world.housing), token=world.tokens["housing"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["code"], body["title"], body["status"]) == (
        "2027-02",
        "背街小巷环境整治",
        "planned",
    )
    assert body["lead_department"]["id"] == world.housing.id
    matter = _titled("背街小巷环境整治")
    assert matter is not None and matter.id == body["id"]


def test_lead_department_id_is_accepted_as_an_alias(api, world):
    data = new_matter(world.housing)
    data["lead_department_id"] = data.pop("department_id")
    response = api.post(URL, json=data, token=world.tokens["admin"])
    assert response.status_code == 201
    assert response.get_json()["lead_department"]["id"] == world.housing.id


def test_an_officer_cannot_create_for_another_department(api, world):
    response = api.post(URL, json=new_matter(world.transport), token=world.tokens["housing"])
    assert_error(response, 403, None, "forbidden")
    assert not _titled("背街小巷环境整治")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"planned_time": "明年春天"}, "planned_time"),
        ({"planned_time": "2028-01"}, "planned_time"),
        ({"title": ""}, "title"),
        ({"hearing": "no"}, "hearing"),
        ({"year": "soon"}, "year"),
        ({"procedures": ["coin_toss"]}, "procedures"),
    ],
)
def test_rule_violations_on_create_are_422_with_the_field(api, world, overrides, field):
    response = api.post(
        URL, json=new_matter(world.housing, **overrides), token=world.tokens["admin"]
    )
    assert_error(response, 422, field, "rule_violation")
    assert not _titled("背街小巷环境整治")


def test_adding_to_a_published_catalogue_needs_a_reason(api, world):
    data = new_matter(world.housing, year=2026, planned_time="2026-12")
    assert_error(api.post(URL, json=data, token=world.tokens["housing"]), 422, "reason")
    data["reason"] = "区政府常务会议决定增补"
    response = api.post(URL, json=data, token=world.tokens["housing"])
    assert response.status_code == 201
    (adjustment,) = response.get_json()["adjustments"]
    assert (adjustment["kind"], adjustment["reason"]) == ("addition", "区政府常务会议决定增补")


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null"])
def test_a_body_that_is_not_a_json_object_is_400(api, world, body):
    response = api.post(
        URL, data=body, content_type="application/json", token=world.tokens["admin"]
    )
    assert_error(response, 400, None, "bad_request")


# --- changing ----------------------------------------------------------------------------


def test_changing_needs_a_token(api, world):
    response = api.patch(f"{URL}/{world.parking.id}", json={"hearing": False, "reason": "x"})
    assert_error(response, 401, None)
    assert _reloaded(world.parking).hearing is True


def test_an_officer_cannot_change_another_departments_matter(api, world):
    response = api.patch(
        f"{URL}/{world.parking.id}",
        json={"title": "改名", "reason": "我想改"},
        token=world.tokens["transport"],
    )
    assert_error(response, 403, None, "forbidden")
    assert _reloaded(world.parking).title == "老旧小区停车设施改造"


def test_changing_an_unknown_matter_is_404(api, world):
    response = api.patch(f"{URL}/999999", json={"title": "x"}, token=world.tokens["admin"])
    assert_error(response, 404, None)


def test_changing_a_published_matter_without_reason_is_422_on_reason(api, world):
    response = api.patch(
        f"{URL}/{world.parking.id}", json={"title": "换标题"}, token=world.tokens["housing"]
    )
    assert_error(response, 422, "reason", "rule_violation")
    matter = _reloaded(world.parking)
    assert matter.title == "老旧小区停车设施改造"
    assert matter.adjustments == []


def test_a_change_with_reason_shows_as_an_adjustment_in_the_detail(api, world):
    response = api.patch(
        f"{URL}/{world.parking.id}",
        json={"planned_time": "2026-Q4", "hearing": False, "reason": "需补充调研"},
        token=world.tokens["housing"],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["planned_time"] == "2026-Q4"

    detail = api.get(f"{URL}/{world.parking.id}").get_json()
    (adjustment,) = detail["adjustments"]
    assert adjustment["kind"] == "change"
    assert adjustment["reason"] == "需补充调研"
    assert adjustment["made_at"] == "2026-05-06T02:00:00+00:00"
    assert adjustment["actor"] == world.housing_officer.signature  # 姓名（部门）
    assert sorted(adjustment["changes"], key=lambda c: c["field"]) == [
        {"field": "hearing", "old": True, "new": False},
        {"field": "planned_time", "old": "2026-Q3", "new": "2026-Q4"},
    ]
    adjusted = [e for e in detail["timeline"] if e["action"] == "adjusted"]
    assert len(adjusted) == 1
    assert adjusted[0]["details"]["reason"] == "需补充调研"
    assert "adjustment_id" not in adjusted[0]["details"]


def test_the_status_moves_forward_through_the_api(api, world):
    response = api.patch(
        f"{URL}/{world.bus.id}", json={"status": "deliberating"}, token=world.tokens["transport"]
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "deliberating"
    response = api.patch(
        f"{URL}/{world.bus.id}", json={"status": "planned"}, token=world.tokens["transport"]
    )
    assert_error(response, 422, "status")
    assert _reloaded(world.bus).status == "deliberating"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": "decided"}, "decision_date"),
        ({"status": "decided", "decision_date": "1 May"}, "decision_date"),
        ({"status": "decided", "decision_date": "2026-05-01"}, "decision_document_url"),
        (
            {
                "status": "decided",
                "decision_date": "2026-05-01",
                "decision_document_url": "https://www.donghu.gov.cn/xxgk/2026/12.html",
            },
            "interpretation",
        ),
        (
            {
                "status": "decided",
                "decision_date": "2026-05-01",
                "decision_document_url": "https://www.donghu.gov.cn/xxgk/2026/12.html",
                "interpretation": {**INTERPRETATION, "body": " "},
            },
            "interpretation.body",
        ),
        ({"status": "consulting", "title": "顺便改名"}, "status"),
    ],
)
def test_status_changes_that_break_a_rule_are_422(api, world, body, field):
    catalogue.change_status(world.bus, "deliberating", actor=SYSTEM)
    response = api.patch(f"{URL}/{world.bus.id}", json=body, token=world.tokens["admin"])
    assert_error(response, 422, field, "rule_violation")
    assert _reloaded(world.bus).status == "deliberating"


def test_a_decision_is_recorded_through_the_api(api, world):
    catalogue.change_status(world.bus, "deliberating", actor=SYSTEM)
    response = api.patch(
        f"{URL}/{world.bus.id}",
        json={
            "status": "decided",
            "decision_date": "2026-05-01",
            "decision_document_url": "https://www.donghu.gov.cn/xxgk/2026/12.html",
            "interpretation": {
                **INTERPRETATION,
                "forms": ["video"],
                "link": "https://www.donghu.gov.cn/sp/12.html",
            },
        },
        token=world.tokens["transport"],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["decision_date"]) == ("decided", "2026-05-01")
    (interpretation,) = body["interpretations"]
    assert (interpretation["kind"], interpretation["forms"]) == ("initial", ["text", "video"])
    assert "interpretation_published" in [e["action"] for e in body["timeline"]]
    assert body["completion"] == "decided_on_time"


def test_only_the_government_office_withdraws_through_the_api(api, world):
    body = {"status": "withdrawn", "reason": "上级政策调整"}
    response = api.patch(f"{URL}/{world.waste.id}", json=body, token=world.tokens["housing"])
    assert_error(response, 403, None)
    response = api.patch(f"{URL}/{world.waste.id}", json=body, token=world.tokens["admin"])
    assert response.status_code == 200
    detail = response.get_json()
    assert (detail["status"], detail["withdrawal_reason"]) == ("withdrawn", "上级政策调整")
    assert detail["completion"] == "withdrawn"
    assert [a["kind"] for a in detail["adjustments"]] == ["withdrawal"]


def test_a_browser_session_must_present_the_csrf_token(api, world, auth):
    response = auth.login(world.housing_officer)
    assert response.status_code == 302
    response = api.post(URL, json=new_matter(world.housing))
    assert_error(response, 400, None, "csrf")
    assert not _titled("背街小巷环境整治")


# --- helpers -----------------------------------------------------------------------------


def _titled(title: str) -> DecisionMatter | None:
    from consult.extensions import db

    return db.session.scalar(db.select(DecisionMatter).where(DecisionMatter.title == title))


def _reloaded(matter: DecisionMatter) -> DecisionMatter:
    from consult.extensions import db

    db.session.expire_all()
    return db.session.get(DecisionMatter, matter.id)
