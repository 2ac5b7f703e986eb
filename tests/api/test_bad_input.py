"""What a client can send that used to break things: each reproduction of the issue "no 500
from any input", on whichever database the suite runs (SQLite, PostgreSQL). Every answer is a
4xx in the error envelope, nothing is half-stored, and the public pages keep working whatever
a staff client sends."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.meetings.models import Meeting
from tests.helpers import csrf_token

PUBLIC_PAGES = (
    "/",
    "/consultations",
    "/meetings",
    "/feeds/consultations.atom",
    "/feeds/meetings.atom",
    "/catalogue",
)


@pytest.fixture
def staff(district, db):
    _token, secret = accounts.issue_token(district.officer, "test", actor=district.officer)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def refused(response, status: int = 422, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    error = response.get_json()["error"]
    assert set(error) == {"code", "field", "message"} and error["message"]
    if field is not None:
        assert error["field"] == field
    return error


def public_pages_work(client, *extra: str) -> None:
    for url in (*PUBLIC_PAGES, *extra):
        assert client.get(url, follow_redirects=True).status_code == 200, url


# --- times past what a datetime can show ------------------------------------------------------


@pytest.mark.parametrize(
    "closes_at",
    ["9999-12-31T23:00:00+00:00", "9999-12-31T23:59:59-12:00", "2101-01-01T08:00:00+08:00"],
)
def test_a_closing_time_past_2100_is_refused_and_public_pages_keep_working(
    district, staff, client, db, closes_at
):
    b = district.consultations["b"]
    before = b.closes_at
    response = client.patch(
        f"/api/v1/consultations/{b.id}", json={"closes_at": closes_at, "reason": "x"}, headers=staff
    )
    error = refused(response, 422, "closes_at")
    assert "2100" in error["message"]
    db.session.expire_all()
    assert db.session.get(Consultation, b.id).closes_at == before
    public_pages_work(client, f"/consultations/{b.id}", f"/matters/{b.matter_id}")


def test_a_meeting_in_9999_is_refused(district, staff, client, db):
    count = db.session.scalar(sa.select(sa.func.count(Meeting.id)))
    meeting = {
        "kind": "symposium",
        "title": "座谈会",
        "place": "区政府",
        "starts_at": "9999-12-31T23:00:00+00:00",
        "ends_at": "9999-12-31T23:30:00+00:00",
        "registration_deadline": "9999-12-30T00:00:00+00:00",
        "department_id": district.dept.id,
    }
    refused(client.post("/api/v1/meetings", json=meeting, headers=staff), 422, "starts_at")
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == count
    public_pages_work(client)


# --- wrong JSON types -------------------------------------------------------------------------

DECISION = {"year": 2026, "title": "测试事项", "planned_time": "2026-11", "department_id": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": [None, None]}, "title"),
        ({"procedures": 5}, "procedures"),
        ({"department_id": 1e300}, "department_id"),
        ({"year": "2026"}, "year"),
        ({"hearing": "yes"}, "hearing"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_a_decision_with_wrong_types_is_refused_on_the_field(district, staff, client, body, field):
    refused(client.post("/api/v1/decisions", json={**DECISION, **body}, headers=staff), 422, field)


@pytest.mark.parametrize("raw", ['{"year": Infinity}', '{"year": NaN}', "[" * 1000 + "]" * 1000])
def test_json_that_is_not_an_object_of_numbers_is_a_bad_request(district, staff, client, raw):
    response = client.post(
        "/api/v1/decisions",
        data=raw,
        headers={**staff, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    refused(response, response.status_code)


@pytest.mark.parametrize(
    "body", [{"summary": ["x"]}, {"reason": 5, "title": "新标题"}, {"status": ["decided"]}]
)
def test_a_decision_patch_with_wrong_types_is_refused(district, staff, client, body):
    matter = district.matters["parking"]
    refused(client.patch(f"/api/v1/decisions/{matter.id}", json=body, headers=staff), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"disposition": ["adopted"]},
        {"disposition": "not_adopted", "reason": True},
        {"disposition": "adopted", "duplicate_of": {"id": 1}},
    ],
)
def test_a_disposition_with_wrong_types_is_refused(district, staff, client, body):
    comment = district.comments["b1"]
    url = f"/api/v1/comments/{comment.id}/disposition"
    refused(client.post(url, json=body, headers=staff), 422)


@pytest.mark.parametrize("clause", [float("inf"), "3", True, 2**40])
def test_a_comment_with_a_wrong_clause_is_refused(district, client, clause):
    b = district.consultations["b"]
    body = {"author_name": "张三", "body": "建议增加学区调整的过渡期安排。", "consent": True}
    response = client.post(
        f"/api/v1/consultations/{b.id}/comments",
        data=json.dumps({**body, "clause": clause}),
        content_type="application/json",
    )
    assert response.status_code in (400, 422)


# --- text no database stores ------------------------------------------------------------------

SURROGATE = '"\\ud800"'


def _raw(template: dict, field: str, escaped: str) -> str:
    """JSON with `field` set to a literal escape sequence (json.dumps cannot write a lone
    surrogate; a client can)."""
    marker = "__VALUE__"
    return json.dumps({**template, field: marker}).replace(f'"{marker}"', escaped)


def _stored_texts(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Comment.id)))


@pytest.mark.parametrize("escaped", [SURROGATE, '"a\\u0000b"', '"\\u0007"'])
@pytest.mark.parametrize("field", ["body", "author_name", "contact"])
def test_a_comment_with_unstorable_text_is_refused_and_nothing_stored(
    district, client, db, escaped, field
):
    b = district.consultations["b"]
    before = _stored_texts(db)
    template = {
        "author_name": "张三",
        "body": "建议增加学区调整的过渡期安排。",
        "contact": "13912345678",
        "consent": True,
    }
    response = client.post(
        f"/api/v1/consultations/{b.id}/comments",
        data=_raw(template, field, escaped.replace('"\\u0007"', '"x\\u0007yz"')),
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert _stored_texts(db) == before


@pytest.mark.parametrize("escaped", [SURROGATE, '"a\\u0000b"'])
@pytest.mark.parametrize(
    ("url", "template", "field"),
    [
        (
            "offline",
            {"source": "hotline", "author_name": "李四", "body": "来电反映学区划分问题。"},
            "body",
        ),
        (
            "offline",
            {"source": "hotline", "author_name": "李四", "body": "来电反映学区划分问题。"},
            "contact",
        ),
        ("hide", {"reason": "spam"}, "note"),
        ("disposition", {"disposition": "not_adopted"}, "reason"),
        ("decisions", DECISION, "title"),
        ("draw", {"quotas": {"npc_deputy": 1}}, "seed"),
    ],
)
def test_staff_texts_that_cannot_be_stored_are_refused(
    district, staff, client, escaped, url, template, field
):
    comment = district.comments["b1"]
    paths = {
        "offline": f"/api/v1/consultations/{district.consultations['b'].id}/offline-comments",
        "hide": f"/api/v1/comments/{comment.id}/hide",
        "disposition": f"/api/v1/comments/{comment.id}/disposition",
        "decisions": "/api/v1/decisions",
        "draw": f"/api/v1/meetings/{district.meetings['m2'].id}/draw",
    }
    response = client.post(
        paths[url],
        data=_raw(template, field, escaped),
        headers=staff,
        content_type="application/json",
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    refused(response, response.status_code)


@pytest.mark.parametrize("text", ["理由\x00", "\ud800", ["x"], 5])
def test_services_refuse_unstorable_or_wrong_text_whoever_calls_them(district, db, text):
    from consult.comments import services as comments
    from consult.core.errors import RuleViolation

    comment = district.comments["b1"]
    with pytest.raises(RuleViolation) as refusal:
        comments.hide_comment(comment, "spam", text, actor=SYSTEM)
    assert refusal.value.field == "note"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/decisions?q=%00",
        "/catalogue/2026?q=a%00b",
        "/catalogue?q=%00",
        "/api/v1/representatives?category=%00",
        "/consultations?status=open%00",
    ],
)
def test_a_nul_in_an_address_is_a_clear_refusal(district, client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        refused(response, 400)


def test_control_characters_in_a_search_are_refused_by_the_api_and_dropped_on_the_page(
    district, client
):
    refused(client.get("/api/v1/decisions?q=a%07b"), 400, "q")
    assert client.get("/catalogue/2026?q=a%07b", follow_redirects=True).status_code == 200


def test_a_search_longer_than_stated_is_refused_not_cut(client, district):
    refused(client.get("/api/v1/decisions?q=" + "停" * 101), 400, "q")
    assert client.get("/api/v1/decisions?q=" + "停" * 100).status_code == 200


def test_an_empty_enum_parameter_is_refused(client, district):
    refused(client.get("/api/v1/consultations?status="), 400, "status")


def test_a_nul_in_the_login_email_is_a_form_error(client, district):
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data={"email": "a\x00b@example.com", "password": "x" * 12})
    assert response.status_code in (200, 400, 422)


# --- methods and ids --------------------------------------------------------------------------


def test_a_method_not_allowed_says_which_are(client, district):
    response = client.put(f"/api/v1/consultations/{district.consultations['b'].id}")
    assert response.status_code == 405
    assert {"GET", "PATCH"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    refused(response, 405)


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_id_past_the_database_integer_is_not_found(client, staff, method):
    response = client.open("/api/v1/consultations/2147483648", method=method, headers=staff)
    refused(response, 404)


# --- one comment limit ------------------------------------------------------------------------


def test_the_form_and_the_api_share_one_comment_limit(district, client, app, monkeypatch):
    from consult.extensions import limiter

    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "COMMENT_RATE_LIMIT", "3 per minute")
    limiter.reset()
    b = district.consultations["b"]
    body = {"author_name": "张三", "body": "建议增加学区调整的过渡期安排。", "consent": True}
    statuses = [
        client.post(f"/api/v1/consultations/{b.id}/comments", json=body).status_code
        for _ in range(2)
    ]
    form = client.post(
        f"/consultations/{b.id}/comments",
        data={
            "author_name": "张三",
            "body": "建议学区调整前公布各校学位预测。",
            "consent": "y",
            "csrf_token": csrf_token(client),
        },
    ).status_code
    after = client.post(f"/api/v1/consultations/{b.id}/comments", json=body).status_code
    limiter.reset()
    assert statuses == [201, 201]
    assert form == 303  # the third, through the web form
    assert after == 429


# --- the document states the rules -----------------------------------------------------------


def test_the_document_states_every_limit_the_rules_enforce(client):
    from consult.catalogue import rules as catalogue_rules
    from consult.comments import rules as comment_rules
    from consult.consultations import rules as consultation_rules
    from consult.core import paging
    from consult.core import values

    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    body = schemas["CommentInput"]["properties"]["body"]
    assert (body["minLength"], body["maxLength"]) == (
        comment_rules.BODY_MIN,
        comment_rules.BODY_MAX,
    )
    assert (
        schemas["CommentInput"]["properties"]["author_name"]["maxLength"] == comment_rules.NAME_MAX
    )
    assert "author_name" in schemas["CommentInput"]["required"]
    assert schemas["ConsultationInput"]["properties"]["title"]["maxLength"] == (
        consultation_rules.MAX_TITLE
    )
    closes = schemas["ConsultationInput"]["properties"]["closes_at"]
    assert f"{consultation_rules.MIN_COMMENT_WINDOW.days} days" in closes["description"]
    assert closes["formatMinimum"] == values.TIME_MIN.isoformat()
    assert closes["formatMaximum"] == values.TIME_MAX.isoformat()
    year = schemas["DecisionInput"]["properties"]["year"]
    assert (year["minimum"], year["maximum"]) == (
        catalogue_rules.YEAR_MIN,
        catalogue_rules.YEAR_MAX,
    )
    params = {p["name"]: p for p in doc["paths"]["/decisions"]["get"]["parameters"]}
    assert params["q"]["schema"]["maxLength"] == catalogue_rules.MAX_QUERY
    assert (
        "every catalogue year" in params["q"]["description"]
        and "停車" in params["q"]["description"]
    )
    assert "every published year" in params["year"]["description"]
    assert params["per_page"]["schema"]["maximum"] == paging.PER_PAGE_MAX
    assert params["page"]["schema"]["minimum"] == 1
    ids = {
        p["name"]: p for p in doc["paths"]["/consultations/{consultation_id}"]["get"]["parameters"]
    }
    assert ids["consultation_id"]["schema"]["maximum"] == values.INT_MAX


def test_answering_an_invitation_is_documented_for_any_signed_in_account(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    respond = doc["paths"]["/invitations/{invitation_id}/response"]["post"]
    assert respond["security"] == [{"bearerAuth": []}]
    assert "(staff)" not in respond["summary"]
    create = doc["paths"]["/meetings"]["post"]
    assert create["summary"].endswith("(staff)")


# --- production and login ---------------------------------------------------------------------


def test_production_refuses_per_process_rate_limits(monkeypatch):
    from consult import create_app

    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PUBLIC_URL", "https://consult.donghu.example")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("CONSULT_SINGLE_PROCESS", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production", RATELIMIT_STORAGE_URI="memory://")
    monkeypatch.setenv("CONSULT_SINGLE_PROCESS", "1")
    create_app("production", RATELIMIT_STORAGE_URI="memory://", SINGLE_PROCESS=True)


def test_an_unknown_address_costs_a_real_password_check(app, db, monkeypatch):
    """The time of a login must not tell whether the address has an account: an unknown one
    checks a password against a hash of the same cost as real accounts' (production's: the
    tests' cheap hasher is switched off here)."""
    from argon2 import extract_parameters

    from consult.accounts import services
    from consult.core.errors import RuleViolation

    monkeypatch.setitem(app.config, "PASSWORD_HASH_FAST", False)
    checked = []
    real = services._verify
    monkeypatch.setattr(services, "_verify", lambda h, p: checked.append(h) or real(h, p))
    with pytest.raises(RuleViolation):
        services.authenticate("nobody@example.test", "some-password-1")
    assert len(checked) == 1
    assert extract_parameters(checked[0]) == extract_parameters(services._HASHER.hash("x"))
    with pytest.raises(RuleViolation):
        services.authenticate(["not", "text"], None)


def test_refusals_are_translated_chinese_by_default_english_on_request(client, district):
    url = f"/api/v1/consultations/{district.consultations['b'].id}/comments"
    body = {"author_name": "张三", "body": "太短", "consent": True}
    chinese = refused(client.post(url, json=body), 422, "body")["message"]
    english = refused(client.post(url, json=body, headers={"Accept-Language": "en"}), 422, "body")
    assert "10" in chinese and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert english["message"] == "Write at least 10 characters."
