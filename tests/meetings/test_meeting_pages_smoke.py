"""Smoke tests for the representative and meeting pages: each renders for the right roles,
the main forms go through, private contacts stay off public pages, and the calendars parse."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from icalendar import Calendar

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.meetings import services as meetings
from consult.meetings.models import InvitationStatus
from consult.representatives import services as pool
from tests.helpers import DAY
from tests.helpers import NOW
from tests.helpers import csrf_token
from tests.helpers import login

PHONE = "13912345678"


class World:
    pass


@pytest.fixture
def world(db, frozen, create_user, create_department, create_matter, monkeypatch, tmp_path, app):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    frozen(NOW)
    w = World()
    w.outbox = tmp_path / "outbox"
    w.department = create_department()
    w.admin = create_user("admin")
    w.officer = create_user("officer", department=w.department)
    w.other_officer = create_user("officer")
    w.resident = create_user("resident")
    w.rep_user = create_user("representative")
    w.matter = create_matter(department=w.department, published=True)
    term = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}
    w.me = pool.add_representative(
        {
            "name": "周文静",
            "category": "npc_deputy",
            "user_id": w.rep_user.id,
            "phone": PHONE,
            "email": "zhou@example.test",
            **term,
        },
        actor=SYSTEM,
    )
    w.reps = [
        pool.add_representative(
            {
                "name": f"专家{n}",
                "category": "expert",
                "affiliation": "东湖大学",
                "phone": PHONE,
                "email": f"expert{n}@example.test",
                **term,
            },
            actor=SYSTEM,
        )
        for n in range(1, 5)
    ]
    w.meeting = meetings.create_meeting(
        {
            "kind": "standing",
            "title": "区政府第1次常务会议",
            "place": "区政府三楼会议室",
            "starts_at": NOW + 14 * DAY,
            "ends_at": NOW + 14 * DAY + timedelta(hours=3),
            "registration_deadline": NOW + 10 * DAY,
            "seats": 5,
            "department_id": w.department.id,
            "agenda": [{"title": "", "matter_id": w.matter.id}],
        },
        actor=SYSTEM,
    )
    meetings.invite(w.meeting, [w.me.id], actor=SYSTEM)
    w.draw = meetings.run_draw(
        w.meeting, {"seed": "smoke-seed", "quotas": {"expert": 2}}, actor=SYSTEM
    )
    db.session.commit()
    return w


# --- public ------------------------------------------------------------------------------


def test_public_pages_render_without_private_contacts(client, world):
    for url in (
        "/representatives",
        "/representatives?category=expert",
        "/meetings",
        f"/meetings/{world.meeting.id}",
        "/api/v1/representatives",
        "/api/v1/meetings",
        f"/api/v1/meetings/{world.meeting.id}",
        f"/matters/{world.matter.id}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert PHONE not in body and "@example.test" not in body, url
    page = client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "smoke-seed" in page and "周文静" in page and "专家1" in page
    assert client.get("/representatives").get_data(as_text=True).count("东湖大学") == 4


def test_published_draw_reruns_from_the_page(client, world):
    api = client.get(f"/api/v1/meetings/{world.meeting.id}").get_json()
    (draw,) = api["draws"]
    assert draw["excluded"] == [{"id": world.me.id, "reason": "already_invited"}]
    from consult.meetings.rules import ranking

    expected = ranking(draw["seed"], "expert", draw["pool"]["expert"])[:2]
    assert draw["result"] == {"expert": expected}


@pytest.mark.parametrize(
    ("url", "name"),
    [("/calendar/meetings.ics", "区政府第1次常务会议"), ("/calendar/consultations.ics", None)],
)
def test_calendars_parse(client, world, url, name):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.data)
    events = list(cal.walk("VEVENT"))
    if name:
        (event,) = events
        assert str(event["SUMMARY"]) == name
        assert event.decoded("DTSTART") == world.meeting.starts_at
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert event["UID"] and event["DTSTAMP"] and event["DTEND"]
    assert b"\r\n" in response.data and all(
        len(line) <= 75 for line in response.data.split(b"\r\n")
    )


# --- the representative ------------------------------------------------------------------


def test_representative_accepts_and_sees_a_qr_code(client, world, db):
    login(client, world.rep_user)
    page = client.get("/my/invitations")
    assert page.status_code == 200
    (invitation,) = [i for i in world.meeting.invitations if i.representative_id == world.me.id]
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        f"/my/invitations/{invitation.id}/response",
        data={f"i{invitation.id}-csrf_token": csrf, f"i{invitation.id}-answer": "accept"},
    )
    assert response.status_code == 303
    db.session.expire_all()  # the request used its own session
    html = client.get("/my/invitations").get_data(as_text=True)
    assert invitation.checkin_code and invitation.checkin_code in html
    assert 'src="data:image/svg+xml' in html


def test_decline_of_a_drawn_seat_invites_and_mails_a_substitute(client, world, db):
    drawn = next(i for i in world.meeting.invitations if i.draw_id == world.draw.id)
    user = accounts.create_user(
        {
            "email": "drawn@example.test",
            "display_name": "专家",
            "password": "correct-horse-battery",
            "role": "representative",
        },
        actor=SYSTEM,
    )
    drawn.representative.user_id = user.id
    db.session.commit()
    login(client, user)
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        f"/my/invitations/{drawn.id}/response",
        data={
            f"i{drawn.id}-csrf_token": csrf,
            f"i{drawn.id}-answer": "decline",
            f"i{drawn.id}-reason": "出差",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert drawn.status == InvitationStatus.DECLINED
    substitute = next(i for i in world.meeting.invitations if i.replaces_id == drawn.id)
    mails = [p.read_bytes() for p in world.outbox.glob("*.eml")]
    assert any(substitute.representative.email.encode() in m for m in mails)


def test_pages_of_a_representative_and_a_resident(client, world):
    login(client, world.resident)
    assert client.get("/my/invitations").status_code == 200
    assert client.get("/representatives/apply").status_code == 200
    csrf = csrf_token(client, "/representatives/apply")
    response = client.post(
        "/representatives/apply",
        data={"csrf_token": csrf, "category": "expert", "statement": "", "phone": PHONE},
    )
    assert response.status_code == 422  # the statement is required; what was typed stays
    assert PHONE in response.get_data(as_text=True)
    response = client.post(
        "/representatives/apply",
        data={"csrf_token": csrf, "category": "expert", "statement": "我想参与社区治理。"},
    )
    assert response.status_code == 303
    assert client.get(f"/meetings/{world.meeting.id}/check-in").status_code == 200
    assert client.get(f"/meetings/{world.meeting.id}/venue").status_code == 301  # old links


# --- staff -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("officer", 200),
        ("other_officer", 403),
        ("resident", 403),
        ("anonymous", 302),
    ],
)
def test_manage_pages_by_role(client, world, who, status):
    if who != "anonymous":
        login(client, getattr(world, who))
    m = world.meeting.id
    for url in ("/manage/meetings", f"/manage/meetings/{m}", f"/manage/meetings/{m}/check-in"):
        expected = 200 if url == "/manage/meetings" and who == "other_officer" else status
        assert client.get(url).status_code == expected, url
    assert client.get("/manage/meetings/new").status_code == (
        200 if who in ("admin", "officer", "other_officer") else status
    )


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("officer", 403), ("anonymous", 302)])
def test_admin_representative_pages_by_role(client, world, who, status):
    if who != "anonymous":
        login(client, getattr(world, who))
    for url in (
        "/admin/representatives",
        "/admin/representatives/new",
        f"/admin/representatives/{world.me.id}",
        "/admin/representatives/applications",
        "/admin/representatives/figures",
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 200 and url == "/admin/representatives":
            assert PHONE in response.get_data(as_text=True)  # staff only


def test_check_in_at_the_door(client, world, frozen):
    (invitation,) = [i for i in world.meeting.invitations if i.representative_id == world.me.id]
    meetings.respond(invitation, True, actor=SYSTEM)
    from consult.extensions import db

    db.session.commit()
    frozen(world.meeting.starts_at - timedelta(minutes=30))
    login(client, world.officer)
    url = f"/manage/meetings/{world.meeting.id}/check-in"
    page = client.get(f"{url}?code={invitation.checkin_code.lower()}").get_data(as_text=True)
    assert f'value="{invitation.checkin_code}"' in page and "autofocus" in page
    csrf = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": csrf, "code": invitation.checkin_code})
    assert response.status_code == 303
    assert "周文静" in client.get(response.headers["Location"]).get_data(as_text=True)
    again = client.post(url, data={"csrf_token": csrf, "code": invitation.checkin_code})
    assert again.status_code == 422 and "checkin-result fail" in again.get_data(as_text=True)
    unknown = client.post(url, data={"csrf_token": csrf, "code": "ZZZZ9999"})
    assert unknown.status_code == 422


def test_staff_schedule_a_meeting_and_draw(client, world):
    login(client, world.officer)
    csrf = csrf_token(client, "/manage/meetings/new")
    response = client.post(
        "/manage/meetings/new",
        data={
            "csrf_token": csrf,
            "kind": "symposium",
            "title": "座谈会",
            "starts_at": "2026-04-01T09:00",
            "ends_at": "2026-04-01T11:00",
            "registration_deadline": "2026-03-25T17:00",
            "place": "区政府",
            "seats": "3",
            "department_id": str(world.department.id),
            "agenda_1-title": "议题一",
            "agenda_1-matter_id": str(world.matter.id),
        },
    )
    assert response.status_code == 303
    manage_url = response.headers["Location"]
    assert client.get(manage_url).status_code == 200
    response = client.post(
        manage_url + "/draw",
        data={"draw-csrf_token": csrf, "draw-seed": "", "draw-quota_expert": "9"},
    )
    assert response.status_code == 422  # only four experts in the pool
    assert 'value="9"' in response.get_data(as_text=True)
    response = client.post(
        manage_url + "/draw",
        data={"draw-csrf_token": csrf, "draw-seed": "s", "draw-quota_expert": "2"},
    )
    assert response.status_code == 303
    assert len(list(world.outbox.glob("*.eml"))) >= 2


# --- API ---------------------------------------------------------------------------------


def test_representative_answers_by_api_token(client, world):
    _row, secret = accounts.issue_token(world.rep_user, "phone", actor=SYSTEM)
    (invitation,) = [i for i in world.meeting.invitations if i.representative_id == world.me.id]
    from consult.extensions import db

    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    bad = client.post(
        f"/api/v1/invitations/{invitation.id}/response", json={"accept": "yes"}, headers=headers
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "accept"
    ok = client.post(
        f"/api/v1/invitations/{invitation.id}/response", json={"accept": True}, headers=headers
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "accepted"
    other = next(i for i in world.meeting.invitations if i.id != invitation.id)
    assert (
        client.post(
            f"/api/v1/invitations/{other.id}/response", json={"accept": True}, headers=headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/invitations/{invitation.id}/response", json={"accept": True}
        ).status_code
        == 401
    )


def test_remark_and_outcome_after_the_meeting(client, world, frozen, db):
    (invitation,) = [i for i in world.meeting.invitations if i.representative_id == world.me.id]
    meetings.respond(invitation, True, actor=SYSTEM)
    db.session.commit()
    frozen(world.meeting.ends_at + DAY)
    login(client, world.officer)
    url = f"/manage/meetings/{world.meeting.id}"
    page = client.get(url).get_data(as_text=True)
    item = world.meeting.agenda[0]
    assert f'name="outcome-decision_{item.id}"' in page and 'name="remark-text"' in page
    csrf = csrf_token(client, url)
    response = client.post(
        url + "/remarks",
        data={
            "remark-csrf_token": csrf,
            "remark-representative_id": str(world.me.id),
            "remark-agenda_item_id": str(item.id),
            "remark-text": "建议分期实施改造。",
        },
    )
    assert response.status_code == 303
    summary = {"outcome-csrf_token": csrf, "outcome-summary": "会议审议通过。"}
    response = client.post(url + "/outcome", data=summary)
    assert response.status_code == 422
    assert f'id="outcome-decision_{item.id}-error"' in response.get_data(as_text=True)
    response = client.post(
        url + "/outcome",
        data={
            **summary,
            f"outcome-decision_{item.id}": "原则通过。",
            f"outcome-interpretation_{item.id}": "分三年实施。",
        },
    )
    assert response.status_code == 303
    public = client.get(f"/meetings/{world.meeting.id}").get_data(as_text=True)
    assert "原则通过。" in public and "分三年实施。" in public and "建议分期实施改造。" in public
    timeline = client.get(f"/matters/{world.matter.id}").get_data(as_text=True)
    assert f'href="/meetings/{world.meeting.id}"' in timeline


def test_staff_api_schedules_draws_and_checks_in(client, world, db):
    _row, secret = accounts.issue_token(world.officer, "script", actor=SYSTEM)
    _row, rep_secret = accounts.issue_token(world.rep_user, "phone", actor=SYSTEM)
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {
        "kind": "hearing",
        "title": "听证会",
        "place": "区政府",
        "starts_at": "2026-04-01T09:00:00+08:00",
        "ends_at": "2026-04-01T11:00:00+08:00",
        "registration_deadline": "2026-03-20T17:00:00+08:00",
        "seats": 3,
        "department_id": world.department.id,
        "agenda": [{"title": "议题", "decision_id": world.matter.id}],
    }
    assert client.post("/api/v1/meetings", data="x", headers=headers).status_code == 400
    wrong = client.post(
        "/api/v1/meetings", json={**body, "starts_at": "2026-04-01 09:00"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "starts_at"
    assert (
        client.post(
            "/api/v1/meetings", json=body, headers={"Authorization": f"Bearer {rep_secret}"}
        ).status_code
        == 403
    )
    huge = {**body, "agenda": [{"decision_id": 10**12}], "department_id": world.department.id}
    response = client.post("/api/v1/meetings", json=huge, headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "agenda"
    response = client.post(
        "/api/v1/meetings", json={**body, "department_id": 10**12}, headers=headers
    )
    assert response.status_code == 422
    created = client.post("/api/v1/meetings", json=body, headers=headers)
    assert created.status_code == 201
    meeting_id = created.get_json()["id"]
    assert created.get_json()["agenda"][0]["decision_id"] == world.matter.id
    drawn = client.post(
        f"/api/v1/meetings/{meeting_id}/draw",
        json={"seed": "api", "quotas": {"expert": 2}},
        headers=headers,
    )
    assert drawn.status_code == 201 and len(drawn.get_json()["result"]["expert"]) == 2
    too_many = client.post(
        f"/api/v1/meetings/{meeting_id}/draw", json={"quotas": {"npc_deputy": 5}}, headers=headers
    )
    assert too_many.status_code == 422 and too_many.get_json()["error"]["field"] == "seats"
    early = client.post(
        f"/api/v1/meetings/{meeting_id}/check-in", json={"code": "ZZZZ9999"}, headers=headers
    )
    assert early.status_code == 422 and early.get_json()["error"]["field"] == "code"
    listed = client.get("/api/v1/meetings?when=upcoming").get_json()
    assert listed["total"] == 2 and {"items", "page", "per_page"} <= set(listed)
    assert client.get("/api/v1/meetings?when=soon").status_code == 400
    assert client.get("/api/v1/representatives?category=pirates").status_code == 400
