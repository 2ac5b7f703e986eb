"""/api/v1 meetings and representatives: the envelopes and error shapes of DESIGN.md, bearer
tokens for staff and for representatives, who may do what, and no private field anywhere."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.extensions import db as _db
from consult.meetings import rules
from consult.meetings import services as meetings
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import Meeting
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import csrf_token
from tests.helpers import login
from tests.helpers import meeting_data
from tests.helpers import meeting_district

SECOND = HOUR / 3600

PHONE = "13966667777"
EMAIL = "api.private.5566@example.test"


def assert_error(response, status: int, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "field", "message"}
    assert body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _build_w(db, frozen, create_user, create_department, create_matter):
    frozen(NOW)
    x = meeting_district(
        create_user,
        create_department,
        create_matter,
        phones=(PHONE, PHONE),
        emails=(EMAIL, EMAIL),
        experts=4,
    )
    x.meeting = meetings.create_meeting(
        meeting_data(
            x.department.id,
            kind="standing",
            title="区政府第5次常务会议",
            hours=3,
            seats=6,
            agenda=[{"title": "", "matter_id": x.matter.id}],
        ),
        actor=SYSTEM,
    )
    meetings.invite(x.meeting, [x.me.id, x.other.id], actor=SYSTEM)
    x.mine = next(i for i in x.meeting.invitations if i.representative_id == x.me.id)
    x.theirs = next(i for i in x.meeting.invitations if i.representative_id == x.other.id)
    x.tokens = {
        who: accounts.issue_token(getattr(x, who), "t", actor=SYSTEM)[1]
        for who in ("admin", "officer", "other_officer", "me_user", "other_user")
    }
    db.session.commit()
    return x


@pytest.fixture
def w(prepared):
    """Built once per worker (`_build_w`, in a prepared database)."""
    return prepared(_build_w)


def meeting_body(w, **overrides) -> dict:
    return {
        "kind": "hearing",
        "title": "听证会",
        "place": "区政府一楼",
        "starts_at": "2026-04-01T09:00:00+08:00",
        "ends_at": "2026-04-01T11:00:00+08:00",
        "registration_deadline": "2026-03-25T17:00:00+08:00",
        "seats": 3,
        "department_id": w.department.id,
        "agenda": [{"title": "议题", "decision_id": w.matter.id}],
        **overrides,
    }


# --- public reads --------------------------------------------------------------------------


def test_the_list_is_an_envelope_and_filters_by_time(client, w, frozen):
    data = client.get("/api/v1/meetings").get_json()
    assert set(data) == {"items", "total", "page", "per_page"}
    assert data["total"] == 1 and data["page"] == 1 and data["per_page"] == 20
    (item,) = data["items"]
    assert item["id"] == w.meeting.id and item["kind"] == "standing"
    assert item["starts_at"] == w.meeting.starts_at.isoformat()
    assert item["agenda"] == [
        {
            "position": 1,
            "title": w.matter.title,
            "decision_id": w.matter.id,
            "decision": None,
            "interpretation": None,
        }
    ]
    assert client.get("/api/v1/meetings?when=upcoming").get_json()["total"] == 1
    assert client.get("/api/v1/meetings?when=past").get_json()["total"] == 0
    frozen(w.meeting.ends_at)
    assert client.get("/api/v1/meetings?when=past").get_json()["total"] == 1
    page_two = client.get("/api/v1/meetings?page=2&per_page=1").get_json()
    assert page_two["items"] == [] and page_two["total"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("when=soon", "when"), ("page=0", "page"), ("per_page=101", "per_page"), ("page=x", "page")],
)
def test_bad_list_queries_are_400(client, w, query, field):
    assert_error(client.get(f"/api/v1/meetings?{query}"), 400, field=field)


def test_an_unknown_meeting_is_404(client, w):
    assert_error(client.get("/api/v1/meetings/999999"), 404, code="not_found")


def test_the_detail_publishes_the_draw_and_no_private_field(client, w, frozen):
    meetings.respond(w.mine, True, actor=SYSTEM)
    meetings.run_draw(w.meeting, {"seed": "公开种子", "quotas": {"expert": 2}}, actor=SYSTEM)
    _db.session.commit()
    code = w.mine.checkin_code
    frozen(w.meeting.starts_at)
    meetings.check_in(w.meeting, code, actor=SYSTEM)
    frozen(w.meeting.ends_at + HOUR)
    meetings.add_remark(
        w.meeting,
        {"representative_id": w.me.id, "agenda_item_id": w.meeting.agenda[0].id, "text": "建议。"},
        actor=SYSTEM,
    )
    meetings.publish_outcome(
        w.meeting,
        {
            "summary": "会议审议通过。",
            "items": {w.meeting.agenda[0].id: {"decision": "通过。", "interpretation": "解读。"}},
        },
        actor=SYSTEM,
    )
    _db.session.commit()
    data = client.get(f"/api/v1/meetings/{w.meeting.id}").get_json()
    (draw,) = data["draws"]
    assert rules.draw(draw["seed"], draw["quotas"], draw["pool"]) == draw["result"]
    assert data["outcome_summary"] == "会议审议通过。"
    assert data["agenda"][0]["decision"] == "通过。"
    assert data["agenda"][0]["interpretation"] == "解读。"
    assert data["remarks"] == [{"representative": "周文静", "agenda_position": 1, "text": "建议。"}]
    mine = next(i for i in data["invited"] if i["representative_id"] == w.me.id)
    assert mine == {
        "representative_id": w.me.id,
        "name": "周文静",
        "category": "npc_deputy",
        "source": "manual",
        "status": "accepted",
        "attendance": "attended",
    }
    for url in (f"/api/v1/meetings/{w.meeting.id}", "/api/v1/meetings", "/api/v1/representatives"):
        text = client.get(url).get_data(as_text=True)
        for secret in (PHONE, EMAIL, code, "checkin_code", "phone", "email", "user_id"):
            assert secret not in text, (url, secret)


def test_the_representatives_list(client, w):
    data = client.get("/api/v1/representatives?per_page=2").get_json()
    assert data["total"] == 6 and len(data["items"]) == 2 and data["per_page"] == 2
    experts = client.get("/api/v1/representatives?category=expert").get_json()
    assert experts["total"] == 4 and {i["category"] for i in experts["items"]} == {"expert"}
    assert_error(client.get("/api/v1/representatives?category=pirates"), 400, field="category")
    text = json.dumps(data, ensure_ascii=False)
    assert PHONE not in text and EMAIL not in text


# --- scheduling and the draw ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("bad", 401),
        ("me_user", 403),
        ("other_officer", 403),
        ("officer", 201),
        ("admin", 201),
    ],
)
def test_scheduling_by_token(client, w, who, status):
    headers = (
        {} if who is None else bearer("cst_not-a-real-token" if who == "bad" else w.tokens[who])
    )
    response = client.post("/api/v1/meetings", json=meeting_body(w), headers=headers)
    if status != 201:
        assert_error(response, status)
        assert _db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 1
        return
    assert response.status_code == 201
    data = response.get_json()
    assert data["title"] == "听证会" and data["draws"] == [] and data["invited"] == []
    assert data["agenda"][0]["decision_id"] == w.matter.id
    assert _db.session.get(Meeting, data["id"]).department_id == w.department.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"place": None}, "place"),
        ({"starts_at": "2026-04-01 09:00"}, "starts_at"),
        ({"starts_at": "2026-03-01T09:00:00+08:00"}, "starts_at"),  # in the past
        ({"registration_deadline": "2026-04-02T09:00:00+08:00"}, "registration_deadline"),
        ({"seats": -1}, "seats"),
        ({"seats": "3"}, "seats"),
        ({"agenda": "议题"}, "agenda"),
        ({"agenda": [{"decision_id": 999999}]}, "agenda"),
        ({"department_id": True}, "department_id"),
    ],
)
def test_scheduling_refuses_with_the_field(client, w, overrides, field):
    response = client.post(
        "/api/v1/meetings", json=meeting_body(w, **overrides), headers=bearer(w.tokens["admin"])
    )
    assert_error(response, 422, field=field)
    assert _db.session.scalar(sa.select(sa.func.count(Meeting.id))) == 1


def test_scheduling_needs_a_json_object(client, w):
    for data in ("x", "[]"):
        response = client.post(
            "/api/v1/meetings",
            data=data,
            headers={**bearer(w.tokens["admin"]), "Content-Type": "application/json"},
        )
        assert_error(response, 400, code="bad_request")


def test_a_revoked_token_is_refused(client, w):
    token, secret = accounts.issue_token(w.officer, "old", actor=SYSTEM)
    accounts.revoke_token(token, actor=w.officer)
    _db.session.commit()
    response = client.post("/api/v1/meetings", json=meeting_body(w), headers=bearer(secret))
    assert_error(response, 401, code="unauthorized")


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("me_user", 403), ("other_officer", 403), ("officer", 201), ("admin", 201)],
)
def test_drawing_by_token(client, w, who, status):
    headers = {} if who is None else bearer(w.tokens[who])
    response = client.post(
        f"/api/v1/meetings/{w.meeting.id}/draw",
        json={"seed": "api", "quotas": {"expert": 2}},
        headers=headers,
    )
    drawn = _db.session.scalar(sa.select(sa.func.count(Draw.id)))
    if status != 201:
        assert_error(response, status)
        assert drawn == 0
        return
    assert response.status_code == 201 and drawn == 1
    data = response.get_json()
    assert set(data) == {"id", "seed", "quotas", "pool", "excluded", "result", "drawn_at"}
    assert data["seed"] == "api" and data["quotas"] == {"expert": 2}
    assert data["result"] == rules.draw("api", {"expert": 2}, data["pool"])
    assert data["excluded"] == [
        {"id": w.me.id, "reason": "already_invited"},
        {"id": w.other.id, "reason": "already_invited"},
    ]
    assert data["pool"] == {"expert": [r.id for r in w.experts]}


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"quotas": {"media": 1}}, "quotas", 422),  # more than the pool has (none)
        ({"quotas": {"pirates": 1}}, "quotas", 422),
        ({"quotas": {}}, "quotas", 422),
        ({"quotas": {"expert": 4, "npc_deputy": 1}}, "seats", 422),  # 2 invited + 5 > 6
        ({"seed": 7, "quotas": {"expert": 1}}, "seed", 422),
        ({"seed": "x" * 101, "quotas": {"expert": 1}}, "seed", 422),
    ],
)
def test_a_refused_draw_answers_422_with_the_field(client, w, body, field, status):
    response = client.post(
        f"/api/v1/meetings/{w.meeting.id}/draw", json=body, headers=bearer(w.tokens["officer"])
    )
    assert_error(response, status, field=field)
    assert _db.session.scalar(sa.select(sa.func.count(Draw.id))) == 0


def test_drawing_for_an_unknown_meeting_is_404(client, w):
    response = client.post(
        "/api/v1/meetings/999999/draw",
        json={"quotas": {"expert": 1}},
        headers=bearer(w.tokens["admin"]),
    )
    assert_error(response, 404, code="not_found")


# --- a representative's reply --------------------------------------------------------------


def respond(client, invitation_id: int, body, headers):
    return client.post(f"/api/v1/invitations/{invitation_id}/response", json=body, headers=headers)


def test_a_representative_accepts_with_their_token_and_gets_the_code(client, w):
    response = respond(client, w.mine.id, {"accept": True}, bearer(w.tokens["me_user"]))
    assert response.status_code == 200
    data = response.get_json()
    _db.session.expire_all()
    invitation = _db.session.get(Invitation, w.mine.id)
    assert data == {
        "id": w.mine.id,
        "meeting_id": w.meeting.id,
        "status": "accepted",
        "responded_at": NOW.isoformat(),
        "checkin_code": invitation.checkin_code,
    }
    again = respond(client, w.mine.id, {"accept": True}, bearer(w.tokens["me_user"]))
    assert_error(again, 422)


def test_declining_by_the_api_has_no_code(client, w):
    response = respond(
        client, w.mine.id, {"accept": False, "reason": "出差"}, bearer(w.tokens["me_user"])
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "declined" and "checkin_code" not in response.get_json()
    _db.session.expire_all()
    assert _db.session.get(Invitation, w.mine.id).decline_reason == "出差"


@pytest.mark.parametrize(
    ("who", "invitation", "status"),
    [
        (None, "mine", 401),
        ("bad", "mine", 401),
        ("other_user", "mine", 403),
        ("officer", "mine", 403),
        ("admin", "mine", 403),
        ("me_user", "theirs", 403),
        ("me_user", "unknown", 404),
    ],
)
def test_nobody_answers_someone_elses_invitation(client, w, who, invitation, status):
    headers = {} if who is None else bearer("cst_bad" if who == "bad" else w.tokens[who])
    invitation_id = {"mine": w.mine.id, "theirs": w.theirs.id, "unknown": 999999}[invitation]
    assert_error(respond(client, invitation_id, {"accept": True}, headers), status)
    _db.session.expire_all()
    assert {i.status for i in _db.session.scalars(sa.select(Invitation))} == {"pending"}


@pytest.mark.parametrize(
    ("body", "field"),
    [({"accept": "yes"}, "accept"), ({}, "accept"), ({"accept": False, "reason": 5}, "reason")],
)
def test_a_malformed_reply_is_422(client, w, body, field):
    assert_error(respond(client, w.mine.id, body, bearer(w.tokens["me_user"])), 422, field=field)


def test_after_the_deadline_the_reply_is_refused(client, w, frozen):
    frozen(w.meeting.registration_deadline)
    response = respond(client, w.mine.id, {"accept": True}, bearer(w.tokens["me_user"]))
    assert_error(response, 422, code="deadline_passed")


def test_a_browser_session_needs_the_csrf_header(client, w):
    login(client, w.me_user)
    csrf = csrf_token(client, "/my/invitations")
    assert_error(respond(client, w.mine.id, {"accept": True}, {}), 400, code="csrf")
    response = respond(client, w.mine.id, {"accept": True}, {"X-CSRFToken": csrf})
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"


def test_a_resident_by_session_is_refused(client, w):
    login(client, w.resident)
    csrf = csrf_token(client, "/account")
    headers = {"X-CSRFToken": csrf}
    assert_error(respond(client, w.mine.id, {"accept": True}, headers), 403)
    assert_error(client.post("/api/v1/meetings", json=meeting_body(w), headers=headers), 403)


# --- check-in ------------------------------------------------------------------------------


def test_a_representative_checks_in_on_site_by_the_api(client, w, frozen):
    meetings.respond(w.mine, True, actor=SYSTEM)
    _db.session.commit()
    url = f"/api/v1/meetings/{w.meeting.id}/venue-check-in"
    me = bearer(w.tokens["me_user"])
    early = client.post(url, json={"code": "123456"}, headers=me)
    assert_error(early, 422, field="code", code="too_early")
    now = w.meeting.starts_at - HOUR
    frozen(now)
    shown = rules.venue_code(w.meeting.venue_secret, now)
    assert_error(client.post(url, json={"code": shown}), 401)
    # The other representative accepted nothing; the officer is not invited.
    assert_error(
        client.post(url, json={"code": shown}, headers=bearer(w.tokens["other_user"])),
        422,
        code="not_accepted",
    )
    assert_error(
        client.post(url, json={"code": shown}, headers=bearer(w.tokens["officer"])),
        422,
        code="not_invited",
    )
    stale = rules.venue_code(w.meeting.venue_secret, now - 2 * rules.VENUE_CODE_STEP * SECOND)
    if stale != shown:
        assert_error(client.post(url, json={"code": stale}, headers=me), 422, code="code_expired")
    assert_error(client.post(url, json={"code": 123456}, headers=me), 422, field="code")
    response = client.post(url, json={"code": shown}, headers=me)
    assert response.status_code == 200
    assert response.get_json() == {
        "invitation_id": w.mine.id,
        "representative": "周文静",
        "checked_in_at": now.isoformat(),
    }
    # Again: the first check-in is the answer.
    frozen(now + HOUR)
    again = client.post(url, json={"code": "000000"}, headers=me)
    assert again.status_code == 200 and again.get_json()["checked_in_at"] == now.isoformat()
    assert_error(
        client.post("/api/v1/meetings/999999/venue-check-in", json={"code": shown}, headers=me), 404
    )


def test_checking_in_by_the_api(client, w, frozen):
    meetings.respond(w.mine, True, actor=SYSTEM)
    _db.session.commit()
    code = w.mine.checkin_code
    url = f"/api/v1/meetings/{w.meeting.id}/check-in"
    early = client.post(url, json={"code": code}, headers=bearer(w.tokens["officer"]))
    assert_error(early, 422, field="code")
    frozen(w.meeting.starts_at - HOUR)
    for who, status in (("me_user", 403), ("other_officer", 403)):
        assert_error(client.post(url, json={"code": code}, headers=bearer(w.tokens[who])), status)
    assert_error(client.post(url, json={"code": code}), 401)
    assert_error(
        client.post(url, json={"code": 12345678}, headers=bearer(w.tokens["officer"])),
        422,
        field="code",
    )
    response = client.post(url, json={"code": code.lower()}, headers=bearer(w.tokens["officer"]))
    assert response.status_code == 200
    assert response.get_json() == {
        "invitation_id": w.mine.id,
        "representative": "周文静",
        "checked_in_at": (w.meeting.starts_at - HOUR).isoformat(),
    }
    twice = client.post(url, json={"code": code}, headers=bearer(w.tokens["admin"]))
    assert_error(twice, 422, field="code", code="already_checked_in")
    assert_error(
        client.post(
            "/api/v1/meetings/999999/check-in",
            json={"code": code},
            headers=bearer(w.tokens["admin"]),
        ),
        404,
    )
