"""/api/v1 consultations, comments and receipts: the envelope and error shapes of DESIGN.md,
the comment window by the server's clock, receipts, and who may use the staff endpoints."""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.consultations import services
from consult.consultations.models import Consultation
from consult.consultations.models import WindowChange
from consult.core import ids
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import ROLES
from tests.helpers import SECOND
from tests.helpers import STAFF_OF_DEPARTMENT
from tests.helpers import THIRTY_DAYS
from tests.helpers import api_call
from tests.helpers import comment_data
from tests.helpers import count
from tests.helpers import csrf_token
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import submit

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

RECEIPT = re.compile(rf"^ZX-2026-[{ids.ALPHABET}]{{4}}-[{ids.ALPHABET}]{{4}}$")
PRIVATE_KEYS = {"contact", "submitter_ip", "ip", "email", "user_id", "author_name"}


def comment_json(**overrides) -> dict:
    return comment_data(**{"contact": "13912345678", **overrides})


def assert_error(response, status: int, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "field", "message"}
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


@pytest.fixture
def running(world, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    return consultation


def post_comment(client, consultation_id, **overrides):
    return client.post(
        f"/api/v1/consultations/{consultation_id}/comments", json=comment_json(**overrides)
    )


# --- public reads ------------------------------------------------------------------------


def test_the_list_has_the_paginated_envelope(world, running, client, db):
    make_consultation(world.matter, NOW + DAY, title="即将开始的征求")
    db.session.commit()
    body = client.get("/api/v1/consultations").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20)
    paged = client.get("/api/v1/consultations?per_page=1&page=2").get_json()
    assert (len(paged["items"]), paged["total"], paged["page"], paged["per_page"]) == (1, 2, 2, 1)


@pytest.mark.parametrize(
    ("status", "titles"),
    [("open", ["正在征求"]), ("scheduled", ["即将开始"]), ("closed", []), (None, None)],
)
def test_the_list_filters_by_status(world, client, db, status, titles):
    make_consultation(world.matter, NOW, title="正在征求")
    make_consultation(world.matter, NOW + DAY, title="即将开始")
    db.session.commit()
    url = "/api/v1/consultations" + (f"?status={status}" if status else "")
    items = client.get(url).get_json()["items"]
    if titles is None:
        assert sorted(i["title"] for i in items) == ["即将开始", "正在征求"]
    else:
        assert [i["title"] for i in items] == titles
        assert all(i["status"] == status for i in items)


def test_a_consultation_is_closed_from_its_closing_time(running, client, clock):
    clock.set(running.closes_at)
    record = client.get(f"/api/v1/consultations/{running.id}").get_json()
    assert record["status"] == "closed"
    assert record["time_left"] == {"days": 0, "hours": 0}


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=finished", "status"), ("page=0", "page"), ("per_page=1000", "per_page")],
)
def test_bad_list_parameters_are_a_400(world, client, query, field):
    assert_error(client.get(f"/api/v1/consultations?{query}"), 400, field=field)


def test_a_consultation_record_carries_times_with_offsets_and_clauses(running, client):
    record = client.get(f"/api/v1/consultations/{running.id}").get_json()
    assert record["status"] == "open"
    assert datetime.fromisoformat(record["opens_at"]) == NOW
    assert datetime.fromisoformat(record["opens_at"]).utcoffset() is not None
    assert [c["anchor"] for c in record["clauses"]] == [f"clause-{n}" for n in range(1, 5)]
    assert record["comment_count"] == 0
    assert record["decision_id"] == running.matter_id


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/consultations/987654",
        "/api/v1/consultations/987654/comments",
        "/api/v1/receipts/ZX-2026-2222-3333",
        "/api/v1/receipts/not-a-receipt",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_things_are_a_404_with_the_error_envelope(world, client, url):
    assert_error(client.get(url), 404, code="not_found")


def test_the_comment_list_has_the_envelope_and_only_published_comments(running, client, db):
    shown = submit(running, contact="13912345678", ip="203.0.113.77", clause=2)
    hidden = submit(running, body="一条将被屏蔽的广告内容，请勿公开。")
    comment_services.hide_comment(hidden, "spam", actor=SYSTEM)
    anonymous = submit(running, body="不愿署名的居民提出的意见。", show_name=False)
    db.session.commit()
    body = client.get(f"/api/v1/consultations/{running.id}/comments").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 2
    by_receipt = {i["receipt"]: i for i in body["items"]}
    assert set(by_receipt) == {shown.receipt, anonymous.receipt}
    assert by_receipt[shown.receipt]["author"] == "张三"
    assert by_receipt[shown.receipt]["clause"] == 2
    assert by_receipt[anonymous.receipt]["author"] is None
    assert not PRIVATE_KEYS & set(keys(body))
    raw = client.get(f"/api/v1/consultations/{running.id}/comments").get_data(as_text=True)
    assert "13912345678" not in raw and "203.0.113.77" not in raw


# --- submitting a comment ----------------------------------------------------------------


def test_a_comment_is_answered_201_with_receipt_and_time(running, client, db):
    response = post_comment(client, running.id, clause=3)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"receipt", "submitted_at"}
    assert RECEIPT.match(body["receipt"])
    assert datetime.fromisoformat(body["submitted_at"]) == NOW
    comment = db.session.scalar(sa.select(Comment))
    assert comment.receipt == body["receipt"]
    assert comment.clause.number == 3
    assert comment.contact == "13912345678"
    assert comment.submitter_ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("at", "status", "code"),
    [
        (lambda c: c.opens_at - SECOND, 422, "not_open"),
        (lambda c: c.opens_at, 201, None),
        (lambda c: c.closes_at - SECOND, 201, None),
        (lambda c: c.closes_at, 422, "closed"),
        (lambda c: c.closes_at + 10 * DAY, 422, "closed"),
    ],
)
def test_comments_are_accepted_only_while_open(world, client, clock, db, at, status, code):
    consultation = make_consultation(world.matter, NOW + DAY)
    db.session.commit()
    clock.set(at(consultation))
    response = post_comment(client, consultation.id)
    if status == 201:
        assert response.status_code == 201
    else:
        assert_error(response, 422, code=code)
        assert count(db, Comment) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": "意" * 9}, "body"),
        ({"body": "意" * 5001}, "body"),
        ({"body": None}, "body"),
        ({"body": 12345}, "body"),
        ({"author_name": "名" * 10_000}, "author_name"),
        ({"author_name": ""}, "author_name"),
        ({"consent": False}, "consent"),
        ({"consent": "true"}, "consent"),
        ({"show_name": "yes"}, "show_name"),
        ({"contact": "微信"}, "contact"),
        ({"clause": 42}, "clause"),
    ],
)
def test_an_invalid_comment_is_a_422_on_its_field(running, client, db, change, field):
    assert_error(post_comment(client, running.id, **change), 422, field=field)
    assert count(db, Comment) == 0


def test_a_comment_without_consent_is_refused(running, client, db):
    data = comment_json()
    del data["consent"]
    response = client.post(f"/api/v1/consultations/{running.id}/comments", json=data)
    assert_error(response, 422, field="consent")


@pytest.mark.parametrize("length", [10, 5000])
def test_bodies_at_the_limits_are_accepted(running, client, length):
    assert post_comment(client, running.id, body="意" * length).status_code == 201


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "body=hello", "content_type": "application/x-www-form-urlencoded"},
        {"data": "{not json", "content_type": "application/json"},
        {"json": ["a", "list"]},
        {"data": b"\xff\xfe\xfd", "content_type": "application/json"},
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(running, client, kwargs):
    response = client.post(f"/api/v1/consultations/{running.id}/comments", **kwargs)
    assert_error(response, 400)


def test_a_comment_on_an_unknown_consultation_is_a_404(world, client):
    assert_error(post_comment(client, 987654), 404)


def test_the_api_comment_limit_answers_429_with_the_error_envelope(running, client, db):
    for i in range(5):
        assert (
            post_comment(client, running.id, body=f"第{i}条意见：请保留绿化。").status_code == 201
        )
    assert_error(post_comment(client, running.id), 429, code="too_many_requests")
    assert count(db, Comment) == 5


def test_with_premoderation_the_receipt_says_received(app, running, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENTS_PREMODERATED", True)
    receipt = post_comment(client, running.id).get_json()["receipt"]
    assert client.get(f"/api/v1/receipts/{receipt}").get_json()["status"] == "received"
    assert client.get(f"/api/v1/consultations/{running.id}/comments").get_json()["total"] == 0


# --- receipts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [lambda r: r, str.lower, lambda r: r.replace("-", ""), lambda r: r.replace("-", "%20")],
)
def test_a_receipt_is_found_however_it_is_typed(running, client, db, typed):
    comment = submit(running, clause=1)
    db.session.commit()
    record = client.get(f"/api/v1/receipts/{typed(comment.receipt)}").get_json()
    assert record["receipt"] == comment.receipt
    assert record["status"] == "published"
    assert record["hidden_reason"] is None
    assert record["clause"] == 1
    assert record["consultation_id"] == running.id
    assert not PRIVATE_KEYS & set(keys(record))


# --- staff: creating a consultation -------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.isoformat()


def new_consultation_json(opens_at, closes_at, **overrides) -> dict:
    return {
        "title": "关于停车设施改造办法的公开征求意见",
        "draft": "第一条 适用范围。\n第二条 职责分工。",
        "contact": "区住建局法规科 0791-86000000",
        "opens_at": iso(opens_at),
        "closes_at": iso(closes_at),
        **overrides,
    }


def create(client, world, token_role="own_officer", **json):
    return api_call(
        client,
        "POST",
        f"/api/v1/decisions/{world.matter.id}/consultations",
        world.tokens[token_role],
        json=json,
    )


@pytest.mark.parametrize(("length", "status"), [(THIRTY_DAYS - SECOND, 422), (THIRTY_DAYS, 201)])
def test_the_api_refuses_a_window_one_second_short_of_thirty_days(
    world, client, db, length, status
):
    opens_at = NOW + HOUR
    response = create(client, world, **new_consultation_json(opens_at, opens_at + length))
    if status == 201:
        assert response.status_code == 201
        record = response.get_json()
        assert record["status"] == "scheduled"
        assert datetime.fromisoformat(record["closes_at"]) == opens_at + THIRTY_DAYS
        assert [c["heading"] for c in record["clauses"]] == ["第一条", "第二条"]
    else:
        assert_error(response, 422, field="closes_at", code="rule_violation")
        assert count(db, Consultation) == 0


def test_the_api_accepts_times_in_beijing_offsets(world, client):
    response = create(
        client,
        world,
        **new_consultation_json(NOW, NOW + THIRTY_DAYS)
        | {"opens_at": "2026-03-02T10:00:00+08:00", "closes_at": "2026-04-01T10:00:00+08:00"},
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "open"


@pytest.mark.parametrize(("days", "status"), [(30, 422), (45, 201)])
def test_a_45_day_deployment_refuses_30_days_through_the_api(
    app, world, client, monkeypatch, days, status
):
    monkeypatch.setitem(app.config, "MIN_COMMENT_WINDOW_DAYS", 45)
    response = create(client, world, **new_consultation_json(NOW, NOW + timedelta(days=days)))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"opens_at": iso(NOW - DAY)}, "opens_at"),
        ({"closes_at": iso(NOW - DAY)}, "closes_at"),
        ({"opens_at": "2026-03-02T10:00:00"}, "opens_at"),  # no offset
        ({"opens_at": "next monday"}, "opens_at"),
        ({"closes_at": None}, "closes_at"),
        ({"title": ""}, "title"),
        ({"draft": "第一条 甲。\n第三条 丙。"}, "draft"),
    ],
)
def test_invalid_consultations_are_a_422_on_their_field(world, client, db, change, field):
    data = new_consultation_json(NOW + HOUR, NOW + 40 * DAY) | change
    assert_error(create(client, world, **data), 422, field=field)
    assert count(db, Consultation) == 0


def test_creating_on_an_unknown_matter_is_a_404(world, client):
    response = api_call(
        client,
        "POST",
        "/api/v1/decisions/987654/consultations",
        world.tokens["admin"],
        json=new_consultation_json(NOW, NOW + THIRTY_DAYS),
    )
    assert_error(response, 404)


# --- staff: moving the closing time --------------------------------------------------------


def patch(client, world, consultation, token_role="own_officer", **json):
    return api_call(
        client,
        "PATCH",
        f"/api/v1/consultations/{consultation.id}",
        world.tokens[token_role],
        json=json,
    )


def test_extending_through_the_api_is_logged_and_public(world, running, client, clock, db):
    clock.set(NOW + 5 * DAY)
    new = running.closes_at + 10 * DAY
    response = patch(client, world, running, closes_at=iso(new), reason="应居民要求延长。")
    assert response.status_code == 200
    record = response.get_json()
    assert datetime.fromisoformat(record["closes_at"]) == new
    (change,) = record["window_changes"]
    assert change["reason"] == "应居民要求延长。"
    assert datetime.fromisoformat(change["changed_at"]) == NOW + 5 * DAY
    assert count(db, WindowChange) == 1
    public = client.get(f"/api/v1/consultations/{running.id}").get_json()
    assert public["window_changes"] == record["window_changes"]


@pytest.mark.parametrize(
    ("new_closing", "field"),
    [
        (NOW + THIRTY_DAYS - SECOND, "closes_at"),
        (NOW + DAY, "closes_at"),
        (None, "closes_at"),
    ],
)
def test_shortening_below_the_minimum_through_the_api_is_refused(
    world, running, client, db, new_closing, field
):
    closes_at = iso(new_closing) if new_closing else None
    response = patch(client, world, running, closes_at=closes_at, reason="缩短。")
    assert_error(response, 422, field=field)
    assert count(db, WindowChange) == 0


def test_a_change_without_a_reason_is_refused_by_the_api(world, running, client):
    response = patch(client, world, running, closes_at=iso(running.closes_at + DAY))
    assert_error(response, 422, field="reason")


# --- staff: offline comments and moderation ------------------------------------------------


def offline(client, world, consultation, token_role="own_officer", **overrides):
    data = {
        "source": "hotline",
        "received_at": iso(NOW),
        "author_name": "来电市民",
        "contact": "13700002222",
        "body": "来电建议：施工期间保留临时停车位。",
        **overrides,
    }
    return api_call(
        client,
        "POST",
        f"/api/v1/consultations/{consultation.id}/offline-comments",
        world.tokens[token_role],
        json=data,
    )


@pytest.mark.parametrize(
    "source", ["symposium", "hearing", "field_visit", "hotline", "letter", "mailbox", "meeting"]
)
def test_each_offline_source_gets_a_receipt_through_the_api(
    world, running, client, clock, db, source
):
    clock.set(NOW + DAY)
    extra = {}
    if source in ("symposium", "hearing", "field_visit"):
        activity = services.record_activity(
            running,
            {"kind": source, "held_on": NOW.date(), "place": "街道会议室", "participants": 9},
            actor=SYSTEM,
        )
        db.session.commit()
        extra["activity_id"] = activity.id
    response = offline(client, world, running, source=source, **extra)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"receipt", "submitted_at"}
    assert RECEIPT.match(body["receipt"])
    comment = db.session.scalar(sa.select(Comment))
    assert comment.source == source


@pytest.mark.parametrize("received_at", [NOW - SECOND, NOW + THIRTY_DAYS, NOW + THIRTY_DAYS + DAY])
def test_an_offline_comment_received_outside_the_window_is_refused(
    world, running, client, clock, db, received_at
):
    clock.set(NOW + 40 * DAY)
    response = offline(client, world, running, received_at=iso(received_at))
    assert_error(response, 422, field="received_at")


def test_an_offline_comment_from_another_consultations_activity_is_refused(
    world, running, client, clock, db
):
    other = make_consultation(world.other_matter, NOW)
    activity = services.record_activity(
        other,
        {"kind": "symposium", "held_on": NOW.date(), "place": "教育局", "participants": 3},
        actor=SYSTEM,
    )
    db.session.commit()
    clock.set(NOW + DAY)
    response = offline(client, world, running, source="symposium", activity_id=activity.id)
    assert_error(response, 422, field="activity_id")


@pytest.mark.parametrize("reason", ["abusive", "personal_data", "spam", "off_topic"])
def test_hiding_through_the_api_answers_with_the_receipt_record(world, running, client, db, reason):
    comment = submit(running)
    db.session.commit()
    response = api_call(
        client,
        "POST",
        f"/api/v1/comments/{comment.id}/hide",
        world.tokens["admin"],
        json={"reason": reason, "note": "请勿公开他人信息"},
    )
    assert response.status_code == 200
    record = response.get_json()
    assert (record["status"], record["hidden_reason"]) == ("hidden", reason)
    assert client.get(f"/api/v1/consultations/{running.id}/comments").get_json()["items"] == []
    public = client.get(f"/api/v1/receipts/{comment.receipt}").get_json()
    assert (public["status"], public["hidden_reason"]) == ("hidden", reason)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.HIDDEN


@pytest.mark.parametrize("reason", ["", "boring", None])
def test_hiding_with_an_unknown_reason_is_a_422(world, running, client, db, reason):
    comment = submit(running)
    db.session.commit()
    response = api_call(
        client,
        "POST",
        f"/api/v1/comments/{comment.id}/hide",
        world.tokens["admin"],
        json={"reason": reason},
    )
    assert_error(response, 422, field="reason")


def test_hiding_an_unknown_comment_is_a_404(world, client):
    response = api_call(
        client,
        "POST",
        "/api/v1/comments/987654/hide",
        world.tokens["admin"],
        json={"reason": "spam"},
    )
    assert_error(response, 404)


# --- who may use the staff endpoints ------------------------------------------------------


class Scene:
    def __init__(self, world, db):
        self.consultation = make_consultation(world.matter, NOW)
        self.comment = submit(self.consultation)
        db.session.commit()


STAFF_ENDPOINTS = {
    "create consultation": (
        "POST",
        lambda s, w: f"/api/v1/decisions/{w.matter.id}/consultations",
        lambda s: new_consultation_json(NOW + HOUR, NOW + 40 * DAY),
        201,
    ),
    "change closing": (
        "PATCH",
        lambda s, w: f"/api/v1/consultations/{s.consultation.id}",
        lambda s: {"closes_at": iso(NOW + 40 * DAY), "reason": "延长十天。"},
        200,
    ),
    "offline comment": (
        "POST",
        lambda s, w: f"/api/v1/consultations/{s.consultation.id}/offline-comments",
        lambda s: {
            "source": "letter",
            "received_at": iso(NOW),
            "author_name": "写信人",
            "body": "来信建议：改造前公示施工方案。",
        },
        201,
    ),
    "hide comment": (
        "POST",
        lambda s, w: f"/api/v1/comments/{s.comment.id}/hide",
        lambda s: {"reason": "off_topic"},
        200,
    ),
}


def _snapshot(db, scene) -> tuple:
    db.session.expire_all()
    return (
        count(db, Consultation),
        db.session.get(Consultation, scene.consultation.id).closes_at,
        count(db, Comment),
        db.session.get(Comment, scene.comment.id).status,
    )


@pytest.mark.parametrize("endpoint", list(STAFF_ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
def test_staff_endpoints_are_for_the_lead_department_and_the_government_office(
    world, client, db, role, endpoint
):
    scene = Scene(world, db)
    method, url, data, success = STAFF_ENDPOINTS[endpoint]
    before = _snapshot(db, scene)
    headers = {}
    token = world.tokens.get(role)
    if role in ("resident", "representative"):
        # No token can be issued to them: they use the browser session and its CSRF token.
        login(client, world.users[role])
        headers["X-CSRFToken"] = csrf_token(client)
    response = api_call(client, method, url(scene, world), token, json=data(scene), headers=headers)
    after = _snapshot(db, scene)
    if role == "anonymous":
        assert_error(response, 401, code="unauthorized")
    elif role in STAFF_OF_DEPARTMENT:
        assert response.status_code == success, response.get_data(as_text=True)
        assert after != before
    else:
        assert_error(response, 403, code="forbidden")
        assert after == before


@pytest.mark.parametrize("header", ["Bearer cst_not-a-real-token", "Bearer ", "Bearer nonsense"])
def test_an_unknown_token_is_a_401(world, running, client, header):
    response = client.patch(
        f"/api/v1/consultations/{running.id}",
        json={"closes_at": iso(NOW + 40 * DAY), "reason": "延长。"},
        headers={"Authorization": header},
    )
    assert_error(response, 401, code="unauthorized")


def test_a_staff_session_without_the_csrf_header_is_a_400(world, running, client):
    login(client, world.users["own_officer"])
    response = client.patch(
        f"/api/v1/consultations/{running.id}",
        json={"closes_at": iso(NOW + 40 * DAY), "reason": "延长。"},
    )
    assert_error(response, 400, code="csrf")


def test_a_staff_session_with_the_csrf_header_may_write(world, running, client, db):
    login(client, world.users["own_officer"])
    response = client.patch(
        f"/api/v1/consultations/{running.id}",
        json={"closes_at": iso(NOW + 40 * DAY), "reason": "延长。"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 200
    assert count(db, WindowChange) == 1


def test_staff_writes_need_a_json_object(world, running, client):
    response = api_call(
        client,
        "PATCH",
        f"/api/v1/consultations/{running.id}",
        world.tokens["own_officer"],
        data="closes_at=tomorrow",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 400, code="bad_request")


# --- input of the wrong type is refused, never a 500 ---------------------------------------


@pytest.mark.parametrize(
    "change", [{"author_name": 123}, {"body": 12345678901}, {"contact": 13912345678}]
)
def test_offline_comment_fields_of_the_wrong_type_are_a_422(world, running, client, clock, change):
    clock.set(NOW + DAY)
    response = offline(client, world, running, **change)
    assert_error(response, 422, field=next(iter(change)))


def test_an_activity_id_beyond_the_database_integer_is_a_422(world, running, client, clock):
    clock.set(NOW + DAY)
    response = offline(client, world, running, source="symposium", activity_id=99999999999999999999)
    assert_error(response, 422, field="activity_id")


@pytest.mark.parametrize("note", [5, ["x"], {"a": 1}])
def test_a_hide_note_that_is_not_text_is_a_422(world, running, client, db, note):
    comment = submit(running)
    db.session.commit()
    response = api_call(
        client,
        "POST",
        f"/api/v1/comments/{comment.id}/hide",
        world.tokens["admin"],
        json={"reason": "spam", "note": note},
    )
    assert_error(response, 422, field="note")
