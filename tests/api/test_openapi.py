"""/api/v1/openapi.json: a valid OpenAPI 3.1 document that describes every /api/v1 route,
carries the shared enum values and no private field, and that the real responses of every
endpoint match: each call below is validated against the schema the document gives for its
operation and status code (closed objects, so a leaked field fails)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator
from jsonschema import FormatChecker
from openapi_spec_validator import validate as validate_spec
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT202012

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.core import schemas as core_schemas
from tests.helpers import DAY
from tests.helpers import EMAIL
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import PHONE
from tests.helpers import assert_no_private

BASE = "urn:consult:openapi"
DESIGN_ENUMS = {
    "decision status": ["planned", "consulting", "deliberating", "decided", "withdrawn"],
    "consultation status": ["scheduled", "open", "closed", "feedback_published"],
    "comment source": [
        "online",
        "symposium",
        "hearing",
        "field_visit",
        "hotline",
        "letter",
        "mailbox",
        "meeting",
    ],
    "disposition": ["adopted", "partly_adopted", "not_adopted", "not_applicable"],
    "representative category": [
        "npc_deputy",
        "cppcc_member",
        "expert",
        "entrepreneur",
        "media",
        "new_social_strata",
        "supervisor",
        "other",
    ],
}
PRIVATE = {"contact", "email", "phone", "submitter_ip", "ip", "password", "decline_reason"}


@pytest.fixture
def doc(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def _pointer(*parts: str) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


# --- the document ------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(doc):
    validate_spec(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def test_document_describes_exactly_the_routes_that_exist(app, doc):
    documented = {
        (path, method)
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert _routes(app) == documented
    for path, item in doc["paths"].items():
        for method, op in item.items():
            endpoint = app.view_functions.get(f"api.{op['operationId']}")
            assert endpoint is not None, f"{method} {path}: operationId is not the endpoint"
            names = set(re.findall(r"{(\w+)}", path))
            assert {p["name"] for p in op.get("parameters", []) if p["in"] == "path"} == names
            assert "default" not in op["responses"]
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


def _enums(doc: dict) -> list[list]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node:
                found.append([v for v in node["enum"] if v is not None])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return found


def _enum(prop: dict) -> list:
    """The values of an enum property; a nullable one is anyOf [the enum, null]."""
    if "anyOf" in prop:
        (inner,) = [p for p in prop["anyOf"] if p != {"type": "null"}]
        return [*inner["enum"], None]
    return prop["enum"]


def test_document_uses_the_design_enums(doc):
    enums = _enums(doc)
    for name, values in DESIGN_ENUMS.items():
        assert values in enums, name
    schemas = doc["components"]["schemas"]
    assert _enum(schemas["Decision"]["properties"]["status"]) == DESIGN_ENUMS["decision status"]
    assert (
        _enum(schemas["Consultation"]["properties"]["status"])
        == DESIGN_ENUMS["consultation status"]
    )
    assert _enum(schemas["Comment"]["properties"]["source"]) == DESIGN_ENUMS["comment source"]
    assert _enum(schemas["Receipt"]["properties"]["disposition"]) == [
        *DESIGN_ENUMS["disposition"],
        None,
    ]
    assert (
        _enum(schemas["Representative"]["properties"]["category"])
        == DESIGN_ENUMS["representative category"]
    )


def _response_schemas(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                for content in response.get("content", {}).values():
                    yield f"{method} {path} {status}", content["schema"]


def test_response_schemas_are_closed_and_carry_no_private_field(doc):
    seen: set[int] = set()

    def walk(schema: Any, where: str, name: str | None = None):
        if isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = _resolve(doc, schema)
        if not isinstance(schema, dict) or id(schema) in seen:
            return
        seen.add(id(schema))
        if schema.get("type") == "object" and "properties" in schema:
            assert schema.get("additionalProperties") is False, where
            for prop in schema["properties"]:
                # The one "contact" in a public answer is the department's own published
                # line for questions about a draft, not a resident's (rule 6 is about those).
                if prop == "contact" and name == "Consultation":
                    continue
                assert prop not in PRIVATE, f"{where}: {prop}"
        elif schema.get("type") == "object":
            forbidden = schema.get("propertyNames", {}).get("not", {}).get("enum", [])
            assert {"contact", "email", "phone", "submitter_ip"} <= set(forbidden), where
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key], where, name)
        for value in schema.get("properties", {}).values():
            walk(value, where, name)
        for value in schema.get("anyOf", []):
            walk(value, where, name)

    for where, schema in _response_schemas(doc):
        if schema.get("type") == "object" and "properties" not in schema and "$ref" not in schema:
            continue  # the document itself
        walk(schema, where)


def test_comment_input_documents_the_private_contact_as_write_only(doc):
    contact = doc["components"]["schemas"]["CommentInput"]["properties"]["contact"]
    assert contact["writeOnly"] is True and "Never published" in contact["description"]


# --- the real answers --------------------------------------------------------------------


class Checker:
    """Calls the API and validates each answer against the document."""

    def __init__(self, app, client, doc, district):
        self.app, self.client, self.doc, self.district = app, client, doc, district
        self.registry = Registry().with_resource(
            BASE, Resource(contents=doc, specification=DRAFT202012)
        )
        self.checked: set[tuple[str, str, str]] = set()
        self.operations = {
            op["operationId"]: (path, method)
            for path, item in doc["paths"].items()
            for method, op in item.items()
        }

    def validator(self, path: str, method: str, status: int, mime: str) -> Draft202012Validator:
        pointer = _pointer("paths", path, method, "responses", str(status), "content", mime)
        return Draft202012Validator(
            {"$ref": f"{BASE}#{pointer}/schema"},
            registry=self.registry,
            format_checker=FormatChecker(),
        )

    def call(self, method: str, url: str, status: int, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(url, method=method, headers=headers, **kwargs)
        response.get_data()  # read it all, then close send_file's open file
        response.close()
        assert response.status_code == status, (url, response.get_data(as_text=True)[:800])
        adapter = self.app.url_map.bind("localhost")
        endpoint, _ = adapter.match(url.split("?")[0], method=method)
        path, op_method = self.operations[endpoint.removeprefix("api.")]
        assert op_method == method.lower()
        responses = self.doc["paths"][path][op_method]["responses"]
        assert str(status) in responses, f"{method} {url}: {status} is not documented"
        (mime,) = responses[str(status)]["content"]
        assert response.mimetype == mime
        if mime == "application/json":
            body = response.get_json()
            errors = list(self.validator(path, op_method, status, mime).iter_errors(body))
            assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors])
            if status < 300 and endpoint != "api.respond":
                assert_no_private(response.get_data(as_text=True), self.district, url)
        self.checked.add((path, op_method, str(status)))
        return response.get_json() if mime == "application/json" else response


@pytest.fixture
def checker(app, client, doc, district):
    return Checker(app, client, doc, district)


def test_every_endpoint_answers_as_documented(
    app, checker, district, frozen, monkeypatch, create_user
):
    d, c, m = district, district.consultations, district.meetings
    admin = accounts.issue_token(d.admin, "openapi", actor=SYSTEM)[1]
    officer = accounts.issue_token(d.officer, "openapi", actor=SYSTEM)[1]
    sun = accounts.issue_token(d.rep_users["sun"], "openapi", actor=SYSTEM)[1]
    zhou = accounts.issue_token(d.rep_users["zhou"], "openapi", actor=SYSTEM)[1]
    # 李秀英 (invited to m3, accepted) checks in on site herself: she gets an account.
    li_user = create_user("representative")
    d.invitations["li"].representative.user_id = li_user.id
    li = accounts.issue_token(li_user, "openapi", actor=SYSTEM)[1]
    from consult.extensions import db

    db.session.commit()
    call = checker.call

    # The document itself.
    call("GET", "/api/v1/openapi.json", 200)

    # Decisions.
    page = call("GET", "/api/v1/decisions", 200)
    assert page["total"] == 4
    call("GET", "/api/v1/decisions?status=consulting&hearing=false&year=2026&q=停车", 200)
    call("GET", "/api/v1/decisions?status=bogus", 400)
    call("GET", "/api/v1/decisions?per_page=0", 400)
    detail = call("GET", f"/api/v1/decisions/{d.matters['parking'].id}", 200)
    assert detail["timeline"]
    call("GET", "/api/v1/decisions/999999", 404)
    new = {
        "year": 2026,
        "title": "城市更新片区规划",
        "summary": "年中增补事项。",
        "department_id": d.dept.id,
        "planned_time": "2026-Q4",
        "hearing": True,
        "procedures": {"public_participation": True, "legality_review": True},
        "reason": "年中增补",
    }
    call("POST", "/api/v1/decisions", 401, json=new)
    call("POST", "/api/v1/decisions", 403, token=zhou, json=new)
    call("POST", "/api/v1/decisions", 400, token=admin, data="not json")
    call("POST", "/api/v1/decisions", 422, token=admin, json={**new, "title": ""})
    matter = call("POST", "/api/v1/decisions", 201, token=admin, json=new)
    call(
        "PATCH",
        f"/api/v1/decisions/{matter['id']}",
        200,
        token=officer,
        json={"summary": "年中增补事项，涉及三个街道。", "reason": "明确范围"},
    )
    call(
        "PATCH", f"/api/v1/decisions/{matter['id']}", 422, token=officer, json={"status": "decided"}
    )
    later = call("POST", "/api/v1/decisions", 201, token=admin, json={**new, "title": "延后事项"})
    postponement = {"planned_time": "2027-Q1", "reason": "顺延至下一年度"}
    url = f"/api/v1/decisions/{later['id']}/postponement"
    call("POST", url, 422, token=officer, json={**postponement, "planned_time": "2026-Q4"})
    assert call("POST", url, 200, token=officer, json=postponement)["year"] == 2027

    # Consultations.
    call("GET", "/api/v1/consultations", 200)
    for status in ("scheduled", "open", "closed", "feedback_published"):
        listed = call("GET", f"/api/v1/consultations?status={status}", 200)
        assert listed["total"] == 1, status
    call("GET", "/api/v1/consultations?status=ended", 400)
    for consultation in c.values():
        call("GET", f"/api/v1/consultations/{consultation.id}", 200)
    call("GET", "/api/v1/consultations/999999", 404)
    opening = {
        "title": "关于城市更新片区规划的公开征求意见",
        "draft": "第一条 为推进城市更新，制定本规划。\n第二条 本规划自发布之日起施行。",
        "explanation": "起草说明。",
        "contact": "区住建局规划科 0791-86000001",
        "opens_at": (NOW + DAY).isoformat(),
        "closes_at": (NOW + 31 * DAY).isoformat(),
    }
    call(
        "POST", f"/api/v1/decisions/{matter['id']}/consultations", 201, token=officer, json=opening
    )
    call(
        "POST",
        f"/api/v1/decisions/{matter['id']}/consultations",
        422,
        token=officer,
        json={**opening, "closes_at": (NOW + 2 * DAY).isoformat()},
    )
    call(
        "PATCH",
        f"/api/v1/consultations/{c['b'].id}",
        200,
        token=officer,
        json={"closes_at": (c["b"].closes_at + 5 * DAY).isoformat(), "reason": "应群众要求延长"},
    )

    # Comments, receipts, moderation.
    comments = call("GET", f"/api/v1/consultations/{c['a'].id}/comments", 200)
    assert comments["total"] == 3  # the hidden one is not listed
    call("GET", f"/api/v1/consultations/{c['b'].id}/comments?page=2&per_page=1", 200)
    call("GET", "/api/v1/consultations/999999/comments", 404)
    comment = {
        "author_name": "刘一",
        "show_name": False,
        "contact": PHONE,
        "body": "建议公布学区划分的具体依据和测算数据。",
        "clause": 1,
        "consent": True,
    }
    call("POST", f"/api/v1/consultations/{c['a'].id}/comments", 422, json=comment)  # closed
    call(
        "POST",
        f"/api/v1/consultations/{c['b'].id}/comments",
        422,
        json={**comment, "consent": "yes"},
    )
    receipt = call("POST", f"/api/v1/consultations/{c['b'].id}/comments", 201, json=comment)
    call("GET", f"/api/v1/receipts/{receipt['receipt']}", 200)
    call("GET", f"/api/v1/receipts/{receipt['receipt'].lower()}", 200)
    call("GET", f"/api/v1/receipts/{d.comments['a3'].receipt}", 200)  # hidden: the reason
    answered = call("GET", f"/api/v1/receipts/{d.comments['a4'].receipt}", 200)
    assert answered["disposition"] == "not_adopted"
    unpublished = call("GET", f"/api/v1/receipts/{d.comments['d1'].receipt}", 200)
    assert unpublished["disposition"] is None
    call("GET", "/api/v1/receipts/ZX-0000-NOPE-NOPE", 404)
    offline = {
        "source": "letter",
        "received_at": (NOW - HOUR).isoformat(),
        "author_name": "写信人",
        "show_name": True,
        "contact": EMAIL,
        "body": "来信建议：学区调整应设置过渡期。",
    }
    call(
        "POST",
        f"/api/v1/consultations/{c['b'].id}/offline-comments",
        201,
        token=officer,
        json=offline,
    )
    call(
        "POST",
        f"/api/v1/consultations/{c['b'].id}/offline-comments",
        422,
        token=officer,
        json={**offline, "source": "online"},
    )
    call(
        "POST",
        f"/api/v1/comments/{d.comments['b1'].id}/hide",
        200,
        token=officer,
        json={"reason": "spam", "note": "广告"},
    )
    call("POST", f"/api/v1/comments/{d.comments['b1'].id}/hide", 401, json={"reason": "spam"})
    call("POST", "/api/v1/comments/999999/hide", 404, token=officer, json={"reason": "spam"})

    # Feedback: answer D's comment, publish, the report (rendered inline in tests).
    d1 = d.comments["d1"].id
    call(
        "POST",
        f"/api/v1/comments/{d1}/disposition",
        422,
        token=officer,
        json={"disposition": "not_adopted", "reason": ""},
    )
    call(
        "POST",
        f"/api/v1/comments/{d1}/disposition",
        200,
        token=officer,
        json={"disposition": "adopted", "reason": ""},
    )
    answers = f"/api/v1/consultations/{c['d'].id}/dispositions"
    answer = {"disposition": "adopted", "reason": ""}
    call("POST", answers, 422, token=officer, json={"selection": {"source": "letter"}, **answer})
    assert call(
        "POST", answers, 200, token=officer, json={"selection": {"comment_ids": [d1]}, **answer}
    ) == {"updated": 1}
    assignments = f"/api/v1/consultations/{c['d'].id}/assignments"
    assign = {"selection": {"comment_ids": [d1]}, "officer_id": d.officer.id}
    call("POST", assignments, 403, token=officer, json=assign)
    assert call("POST", assignments, 200, token=admin, json=assign) == {"updated": 1}
    call("POST", assignments, 422, token=admin, json={**assign, "officer_id": d.admin.id})
    call("GET", f"/api/v1/consultations/{c['d'].id}/report.pdf", 404)
    call(
        "POST",
        f"/api/v1/consultations/{c['d'].id}/feedback",
        422,
        token=officer,
        json={"summary": ""},
    )
    report = call(
        "POST",
        f"/api/v1/consultations/{c['d'].id}/feedback",
        201,
        token=officer,
        json={"summary": "采纳意见，延长周末开放时间。"},
    )
    assert report["status"] == "ready", report
    reports = call("GET", f"/api/v1/consultations/{c['d'].id}/reports", 200)
    assert reports["items"][0]["sha256"] == report["sha256"]
    pdf = call("GET", f"/api/v1/consultations/{c['d'].id}/report.pdf", 200)
    assert pdf.data.startswith(b"%PDF")
    call("GET", f"/api/v1/consultations/{c['a'].id}/reports", 200)
    call("GET", "/api/v1/consultations/999999/reports", 404)
    now_public = call("GET", f"/api/v1/receipts/{d.comments['d1'].receipt}", 200)
    assert now_public["disposition"] == "adopted"

    # Meetings, draws, check-in, answers to invitations.
    call("GET", "/api/v1/meetings", 200)
    call("GET", "/api/v1/meetings?when=upcoming", 200)
    call("GET", "/api/v1/meetings?when=past&per_page=1", 200)
    call("GET", "/api/v1/meetings?when=soon", 400)
    for meeting in m.values():
        call("GET", f"/api/v1/meetings/{meeting.id}", 200)
    call("GET", "/api/v1/meetings/999999", 404)
    meeting = {
        "kind": "symposium",
        "title": "城市更新片区规划座谈会",
        "place": "区政府二楼会议室",
        "starts_at": (NOW + 20 * DAY).isoformat(),
        "ends_at": (NOW + 20 * DAY + 2 * HOUR).isoformat(),
        "registration_deadline": (NOW + 15 * DAY).isoformat(),
        "seats": 3,
        "department_id": d.dept.id,
        "agenda": [{"title": "规划方案", "decision_id": matter["id"]}],
    }
    call("POST", "/api/v1/meetings", 201, token=officer, json=meeting)
    call("POST", "/api/v1/meetings", 422, token=officer, json={**meeting, "kind": "party"})
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    drawn = call(
        "POST",
        f"/api/v1/meetings/{m['m2'].id}/draw",
        201,
        token=officer,
        json={"seed": "openapi-test", "quotas": {"expert": 1}},
    )
    assert {"id": d.reps["sun"].id, "reason": "already_invited"} in drawn["excluded"]
    call(
        "POST",
        f"/api/v1/meetings/{m['m2'].id}/draw",
        422,
        token=officer,
        json={"seed": 5, "quotas": {}},
    )
    code = d.invitations["li"].checkin_code
    checked = call(
        "POST", f"/api/v1/meetings/{m['m3'].id}/check-in", 200, token=officer, json={"code": code}
    )
    assert checked["representative"] == "李秀英"
    call("POST", f"/api/v1/meetings/{m['m3'].id}/check-in", 422, token=officer, json={"code": code})
    from consult.core.time import now_utc
    from consult.meetings import rules as meeting_rules

    shown = meeting_rules.venue_code(m["m3"].venue_secret, now_utc())
    venue = f"/api/v1/meetings/{m['m3'].id}/venue-check-in"
    call("POST", venue, 422, token=zhou, json={"code": shown})  # not invited
    call("POST", venue, 422, token=li, json={"code": ""})
    # Checked in at the door already: the first check-in is the answer.
    on_site = call("POST", venue, 200, token=li, json={"code": shown})
    assert (
        on_site["representative"] == "李秀英"
        and on_site["checked_in_at"] == checked["checked_in_at"]
    )
    call("POST", "/api/v1/meetings/999999/venue-check-in", 404, token=li, json={"code": shown})
    call("POST", venue, 401, json={"code": shown})
    invitation = d.invitations["sun"].id
    call(
        "POST", f"/api/v1/invitations/{invitation}/response", 403, token=zhou, json={"accept": True}
    )
    call(
        "POST", f"/api/v1/invitations/{invitation}/response", 422, token=sun, json={"accept": "yes"}
    )
    answer = call(
        "POST", f"/api/v1/invitations/{invitation}/response", 200, token=sun, json={"accept": True}
    )
    assert answer["status"] == "accepted" and answer["checkin_code"]
    call("POST", "/api/v1/invitations/999999/response", 404, token=sun, json={"accept": True})

    # The representative pool.
    roster = call("GET", "/api/v1/representatives", 200)
    assert roster["total"] == 5
    call("GET", "/api/v1/representatives?category=expert&per_page=2", 200)
    call("GET", "/api/v1/representatives?category=nobody", 400)

    # After the decision: its interpretation, questions and their answers.
    from consult.catalogue import services as catalogue
    from consult.core.time import local_date_of
    from consult.interpretation import services as interpretation
    from tests.helpers import INTERPRETATION

    waste = d.matters["waste"]
    catalogue.change_status(waste, "deliberating", actor=SYSTEM)
    interpretation.name_specialist(
        d.dept, {"user_id": d.officer.id, "remit": "垃圾分类"}, actor=SYSTEM
    )
    db.session.commit()
    deciding = {
        "status": "decided",
        "decision_date": local_date_of(now_utc()).isoformat(),
        "decision_document_url": "https://www.donghu.gov.cn/xxgk/waste.html",
    }
    call("PATCH", f"/api/v1/decisions/{waste.id}", 422, token=officer, json=deciding)
    decided = call(
        "PATCH",
        f"/api/v1/decisions/{waste.id}",
        200,
        token=officer,
        json={**deciding, "interpretation": INTERPRETATION},
    )
    assert decided["interpretations"][0]["kind"] == "initial"
    follow = {**INTERPRETATION, "title": "垃圾分类实施一个月答疑", "forms": ["illustrated"]}
    call("POST", f"/api/v1/decisions/{waste.id}/interpretations", 401, json=follow)
    call("POST", f"/api/v1/decisions/{waste.id}/interpretations", 422, token=officer, json=follow)
    follow["link"] = "https://www.donghu.gov.cn/tj/waste.png"
    call("POST", f"/api/v1/decisions/{waste.id}/interpretations", 201, token=officer, json=follow)
    asked = {
        "author_name": "社区居民",
        "show_name": False,
        "contact": "13800000000",
        "body": "厨余垃圾的投放时间是怎么规定的？",
        "consent": True,
    }
    url = f"/api/v1/decisions/{waste.id}/questions"
    call("POST", url, 422, json={**asked, "body": "太短"})
    planned = catalogue.create_matter(
        {
            "year": 2026,
            "title": "农贸市场升级改造",
            "department_id": d.dept.id,
            "planned_time": "2026-Q4",
            "hearing": False,
            "reason": "年中增补",
        },
        actor=SYSTEM,
    )
    db.session.commit()
    call("POST", f"/api/v1/decisions/{planned.id}/questions", 422, json=asked)
    taken = call("POST", url, 201, json=asked)
    receipt = call("GET", f"/api/v1/questions/{taken['receipt']}", 200)
    assert receipt["state"] == "waiting" and "contact" not in receipt
    call("GET", "/api/v1/questions/WD-2026-AAAA-AAAA", 404)
    listed = call("GET", f"{url}?per_page=5", 200)
    assert listed["total"] == 1
    answer = {"answer": "每天早晚两个时段定时投放，具体以小区公示为准。"}
    answer_url = f"/api/v1/questions/{receipt['id']}/answer"
    call("POST", answer_url, 401, json=answer)
    call("POST", answer_url, 403, token=admin, json=answer)
    call("POST", answer_url, 422, token=officer, json={"answer": "好"})
    answered = call("POST", answer_url, 200, token=officer, json=answer)
    assert answered["state"] == "answered"
    call("POST", "/api/v1/questions/999999/answer", 404, token=officer, json=answer)
    second = call("POST", url, 201, json={**asked, "body": "能否在小区增设可回收物兑换点？"})
    second_id = call("GET", f"/api/v1/questions/{second['receipt']}", 200)["id"]
    hidden = call(
        "POST", f"/api/v1/questions/{second_id}/hide", 200, token=officer, json={"reason": "spam"}
    )
    assert hidden["state"] == "hidden" and hidden["body"] is None

    # The rate limit answers in the error envelope too.
    monkeypatch.setitem(app.config, "COMMENT_RATE_LIMIT", "1 per minute")
    from consult.extensions import limiter

    limiter.reset()
    comment2 = {**comment, "body": "建议公布学区划分的测算数据和依据。"}
    call("POST", f"/api/v1/consultations/{c['b'].id}/comments", 201, json=comment2)
    comment3 = {**comment, "body": "建议为多孩家庭提供就近入学便利。"}
    call("POST", f"/api/v1/consultations/{c['b'].id}/comments", 429, json=comment3)

    # Every operation was exercised with a success answer.
    succeeded = {(p, mth) for p, mth, s in checker.checked if s.startswith("2")}
    documented = {(p, mth) for p, mth in checker.operations.values()}
    assert documented == succeeded, documented - succeeded


def test_a_leaked_field_fails_validation(checker, district):
    comment = checker.call(
        "GET", f"/api/v1/consultations/{district.consultations['a'].id}/comments", 200
    )
    record = comment["items"][0]
    validator = checker.validator(
        "/consultations/{consultation_id}/comments", "get", 200, "application/json"
    )
    validator.validate(comment)
    leaked = {**comment, "items": [{**record, "contact": PHONE}]}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(leaked)
    roster = checker.call("GET", "/api/v1/representatives", 200)
    validator = checker.validator("/representatives", "get", 200, "application/json")
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**roster, "items": [{**roster["items"][0], "phone": "13800001111"}]})
    meeting = checker.call("GET", f"/api/v1/meetings/{district.meetings['m1'].id}", 200)
    validator = checker.validator("/meetings/{meeting_id}", "get", 200, "application/json")
    draw_free = {
        **meeting,
        "draws": [
            {
                "seed": "s",
                "quotas": {"email": 1},
                "pool": {},
                "excluded": [],
                "result": {},
                "drawn_at": "2026-03-02T02:00:00+00:00",
            }
        ],
    }
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(draw_free)


def test_the_document_answers_304_when_unchanged(client):
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_openapi_module_private_names_cover_rule_6():
    assert {"contact", "email", "phone", "submitter_ip"} <= set(core_schemas.PRIVATE_NAMES)


def test_an_operation_without_a_docstring_is_refused_where_it_is_declared():
    from consult.api.spec import operation

    def undocumented():
        pass

    with pytest.raises(RuntimeError, match="undocumented has no docstring"):
        operation("comments", {200: dict})(undocumented)
