"""Meeting pages by role: a representative sees and answers only their own invitations, an
officer manages only their department's meetings, the government office manages all,
residents and anonymous visitors reach no staff page; public pages never carry a
representative's contact details or check-in code."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from consult.extensions import db as _db
from consult.meetings import services as meetings
from consult.meetings.models import Draw, Invitation, Remark
from tests.conftest import Auth, csrf_token
from tests.meetings.meeting_support import DAY, HOUR, NOW, district

# Distinctive private values, so their absence from a page means something.
PHONE = "13971234567"
OTHER_PHONE = "13976543210"
EMAIL = "zhou.private.7788@example.test"
OTHER_EMAIL = "li.private.9911@example.test"


def new_meeting(department, title: str, *, starts_in=14 * DAY, matter=None, seats=6):
    start = NOW + starts_in
    return meetings.create_meeting(
        {
            "kind": "symposium",
            "title": title,
            "place": "区政府三楼会议室",
            "starts_at": start,
            "ends_at": start + 2 * HOUR,
            "registration_deadline": start - 3 * DAY,
            "seats": seats,
            "department_id": department.id if department else None,
            "agenda": [{"title": "议题", "matter_id": matter.id if matter else None}],
        },
        actor=None,
    )


@pytest.fixture
def w(db, frozen, create_user, create_department, create_matter):
    frozen(NOW)
    x = district(
        create_user,
        create_department,
        create_matter,
        phones=(PHONE, OTHER_PHONE),
        emails=(EMAIL, OTHER_EMAIL),
        experts=3,
    )
    x.meeting = new_meeting(x.department, "住建局座谈会", matter=x.matter)
    x.foreign = new_meeting(x.elsewhere, "另一部门座谈会")
    meetings.invite(x.meeting, [x.me.id, x.other.id], actor=None)
    x.mine = next(i for i in x.meeting.invitations if i.representative_id == x.me.id)
    x.theirs = next(i for i in x.meeting.invitations if i.representative_id == x.other.id)
    db.session.commit()
    return x


def login(client, user):
    response = Auth(client).login(user)
    assert response.status_code == 302


def as_role(client, w, who: str):
    if who != "anonymous":
        login(client, getattr(w, who))


# --- the representative's own invitations --------------------------------------------------


def test_my_invitations_lists_only_mine(client, w):
    meetings.respond(w.mine, True, actor=None)
    meetings.respond(w.theirs, True, actor=None)
    _db.session.commit()
    login(client, w.me_user)
    page = client.get("/my/invitations").get_data(as_text=True)
    assert f'id="invitation-{w.mine.id}"' in page
    assert f'id="invitation-{w.theirs.id}"' not in page
    assert w.mine.checkin_code in page and w.theirs.checkin_code not in page
    assert 'src="data:image/svg+xml' in page


@pytest.mark.parametrize("who", ["me_user", "resident", "admin", "officer"])
def test_nobody_answers_someone_elses_invitation(client, w, who):
    login(client, getattr(w, who))
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        f"/my/invitations/{w.theirs.id}/response",
        data={f"i{w.theirs.id}-csrf_token": csrf, f"i{w.theirs.id}-answer": "accept"},
    )
    assert response.status_code in (403, 404)
    _db.session.expire_all()
    assert _db.session.get(Invitation, w.theirs.id).status == "pending"


def test_an_unknown_invitation_is_404(client, w):
    login(client, w.me_user)
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        "/my/invitations/999999/response",
        data={"i999999-csrf_token": csrf, "i999999-answer": "accept"},
    )
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(client, w):
    response = client.get("/my/invitations")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_resident_without_a_seat_sees_how_to_apply(client, w):
    login(client, w.resident)
    page = client.get("/my/invitations")
    assert page.status_code == 200
    assert "/representatives/apply" in page.get_data(as_text=True)


def test_declining_by_the_page_and_accepting_after_the_deadline(app, client, w, frozen):
    login(client, w.me_user)
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        f"/my/invitations/{w.mine.id}/response",
        data={
            f"i{w.mine.id}-csrf_token": csrf,
            f"i{w.mine.id}-answer": "decline",
            f"i{w.mine.id}-reason": "当天出差",
        },
    )
    assert response.status_code == 303
    _db.session.expire_all()
    mine = _db.session.get(Invitation, w.mine.id)
    assert mine.status == "declined" and mine.decline_reason == "当天出差"

    frozen(w.meeting.registration_deadline + HOUR)
    theirs = w.theirs.id
    client = app.test_client()  # the other representative, in a browser of her own
    login(client, w.other_user)
    csrf = csrf_token(client, "/my/invitations")
    late = client.post(
        f"/my/invitations/{theirs}/response",
        data={f"i{theirs}-csrf_token": csrf, f"i{theirs}-answer": "accept"},
    )
    assert late.status_code == 422
    _db.session.expire_all()
    assert _db.session.get(Invitation, theirs).status == "pending"


def test_an_answer_other_than_the_two_buttons_is_a_bad_request(client, w):
    login(client, w.me_user)
    csrf = csrf_token(client, "/my/invitations")
    response = client.post(
        f"/my/invitations/{w.mine.id}/response",
        data={f"i{w.mine.id}-csrf_token": csrf, f"i{w.mine.id}-answer": "maybe"},
    )
    assert response.status_code == 400


# --- the venue -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [
        ("me_user", "mine", 303),
        ("me_user", "theirs", 422),  # someone else's code
        ("resident", "mine", 422),
    ],
)
def test_checking_in_at_the_venue_with_ones_own_code(client, w, frozen, who, whose, status):
    for invitation in (w.mine, w.theirs):
        meetings.respond(invitation, True, actor=None)
    _db.session.commit()
    code = getattr(w, whose).checkin_code
    frozen(w.meeting.starts_at - HOUR)
    login(client, getattr(w, who))
    url = f"/meetings/{w.meeting.id}/venue"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "code": code})
    assert response.status_code == status
    _db.session.expire_all()
    arrived = _db.session.get(Invitation, getattr(w, whose).id).checked_in_at
    assert (arrived is not None) == (status == 303)
    if status == 303:
        assert "✓" in client.get(url).get_data(as_text=True)


def test_the_venue_refuses_outside_the_window(client, w):
    meetings.respond(w.mine, True, actor=None)
    _db.session.commit()
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/venue"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "code": w.mine.checkin_code}
    )
    assert response.status_code == 422
    _db.session.expire_all()
    assert _db.session.get(Invitation, w.mine.id).checked_in_at is None


# --- organisers ----------------------------------------------------------------------------

ROLES = ["admin", "officer", "other_officer", "resident", "me_user", "anonymous"]
MANAGES = {"admin", "officer"}


def expected(who: str, ok: int) -> int:
    if who == "anonymous":
        return 302
    return ok if who in MANAGES else 403


@pytest.mark.parametrize("who", ROLES)
def test_the_meeting_screens_by_role(client, w, who):
    as_role(client, w, who)
    m = w.meeting.id
    for url in (f"/manage/meetings/{m}", f"/manage/meetings/{m}/check-in"):
        assert client.get(url).status_code == expected(who, 200), url
    # The other department's meeting: its own officer and the government office.
    foreign = client.get(f"/manage/meetings/{w.foreign.id}").status_code
    assert foreign == (200 if who in ("admin", "other_officer") else expected(who, 403))
    index = client.get("/manage/meetings")
    staff = who in ("admin", "officer", "other_officer")
    assert index.status_code == (200 if staff else expected(who, 403))
    if staff:
        text = index.get_data(as_text=True)
        assert ("住建局座谈会" in text) == (who in ("admin", "officer"))
        assert ("另一部门座谈会" in text) == (who in ("admin", "other_officer"))


def csrf_for(client, who: str) -> str:
    return csrf_token(client, "/login" if who == "anonymous" else "/account")


@pytest.mark.parametrize("who", ROLES)
def test_drawing_by_role(client, w, who):
    as_role(client, w, who)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/draw",
        data={"csrf_token": csrf_for(client, who), "draw-seed": "s", "draw-quota_expert": "2"},
    )
    assert response.status_code == expected(who, 303)
    drawn = _db.session.scalar(sa.select(sa.func.count()).select_from(Draw))
    assert drawn == (1 if who in MANAGES else 0)


@pytest.mark.parametrize("who", ROLES)
def test_inviting_by_role(client, w, who):
    as_role(client, w, who)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/invitations",
        data={
            "csrf_token": csrf_for(client, who),
            "invite-representative_ids": str(w.experts[0].id),
        },
    )
    assert response.status_code == expected(who, 303)
    invited = _db.session.scalar(
        sa.select(sa.func.count()).where(Invitation.representative_id == w.experts[0].id)
    )
    assert invited == (1 if who in MANAGES else 0)


@pytest.mark.parametrize("who", ROLES)
def test_checking_in_at_the_door_by_role(client, w, frozen, who):
    meetings.respond(w.mine, True, actor=None)
    _db.session.commit()
    frozen(w.meeting.starts_at)
    as_role(client, w, who)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/check-in",
        data={"csrf_token": csrf_for(client, who), "code": w.mine.checkin_code},
    )
    assert response.status_code == expected(who, 303)
    _db.session.expire_all()
    arrived = _db.session.get(Invitation, w.mine.id).checked_in_at
    assert (arrived is not None) == (who in MANAGES)


@pytest.mark.parametrize("who", ["other_officer", "resident", "me_user"])
def test_attendance_remarks_and_outcome_are_the_organisers(client, w, frozen, who):
    meetings.respond(w.mine, True, actor=None)
    _db.session.commit()
    frozen(w.meeting.ends_at + HOUR)
    login(client, getattr(w, who))
    csrf = csrf_for(client, who)
    base = f"/manage/meetings/{w.meeting.id}"
    item = w.meeting.agenda[0].id
    for url, data in (
        (base + "/attendance", {}),
        (base + "/remarks", {"remark-representative_id": str(w.me.id), "remark-text": "建议。"}),
        (base + "/outcome", {"outcome-summary": "通过。", f"outcome-decision_{item}": "通过。"}),
    ):
        assert client.post(url, data={"csrf_token": csrf, **data}).status_code == 403, url
    _db.session.expire_all()
    meeting = w.meeting
    _db.session.refresh(meeting)
    assert meeting.attendance_closed_at is None and meeting.outcome_published_at is None
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Remark)) == 0


@pytest.mark.parametrize("who", ["resident", "me_user", "anonymous"])
def test_scheduling_is_for_staff(client, w, who):
    as_role(client, w, who)
    assert client.get("/manage/meetings/new").status_code == expected(who, 200)


def test_the_government_office_runs_another_departments_meeting(client, w, frozen):
    meetings.invite(w.foreign, [w.experts[0].id], actor=None)
    invitation = w.foreign.invitations[0]
    meetings.respond(invitation, True, actor=None)
    _db.session.commit()
    frozen(w.foreign.starts_at)
    login(client, w.admin)
    url = f"/manage/meetings/{w.foreign.id}/check-in"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "code": invitation.checkin_code}
    )
    assert response.status_code == 303
    frozen(w.foreign.ends_at + HOUR)
    manage = f"/manage/meetings/{w.foreign.id}"
    csrf = csrf_token(client, manage)
    item = w.foreign.agenda[0].id
    response = client.post(
        manage + "/outcome",
        data={
            "outcome-csrf_token": csrf,
            "outcome-summary": "座谈会听取了意见。",
            f"outcome-decision_{item}": "意见交承办部门研究。",
            f"outcome-interpretation_{item}": "政策解读正文。",
        },
    )
    assert response.status_code == 303
    public = client.get(f"/meetings/{w.foreign.id}").get_data(as_text=True)
    assert "意见交承办部门研究。" in public and "政策解读正文。" in public
    assert "专家1" in public  # attended


# --- no private data on public pages -------------------------------------------------------


def test_public_pages_never_show_contacts_or_codes(app, w, frozen):
    meetings.respond(w.mine, True, actor=None)
    meetings.run_draw(w.meeting, {"seed": "公开", "quotas": {"expert": 2}}, actor=None)
    _db.session.commit()
    code = w.mine.checkin_code
    frozen(w.meeting.starts_at)
    meetings.check_in(w.meeting, code, actor=None)
    frozen(w.meeting.ends_at + HOUR)
    meetings.add_remark(
        w.meeting,
        {"representative_id": w.me.id, "agenda_item_id": w.meeting.agenda[0].id, "text": "建议。"},
        actor=None,
    )
    meetings.publish_outcome(
        w.meeting,
        {"summary": "通过。", "items": {w.meeting.agenda[0].id: {"decision": "通过。"}}},
        actor=None,
    )
    _db.session.commit()
    urls = [
        "/meetings",
        f"/meetings/{w.meeting.id}",
        "/representatives",
        "/representatives?category=expert",
        f"/matters/{w.matter.id}",
        "/calendar/meetings.ics",
        "/api/v1/meetings",
        f"/api/v1/meetings/{w.meeting.id}",
        "/api/v1/representatives",
        "/api/v1/representatives?category=npc_deputy",
    ]
    for visitor in ("anonymous", "resident", "other_user"):
        client = app.test_client()  # a browser of its own
        if visitor != "anonymous":
            login(client, getattr(w, visitor))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            for secret in (PHONE, OTHER_PHONE, EMAIL, OTHER_EMAIL, code, "example.test"):
                assert secret not in body, (visitor, url, secret)
    page = client.get(f"/meetings/{w.meeting.id}").get_data(as_text=True)
    assert "周文静" in page and "公开" in page and "建议。" in page


def test_invitation_mails_link_to_the_public_url_not_the_requests_host(
    client, w, app, tmp_path, monkeypatch
):
    from email import policy
    from email.parser import BytesParser

    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example")
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path))
    # The whole visit names a forged host (its session cookie belongs to that host).
    client.environ_base["HTTP_HOST"] = "evil.example"
    login(client, w.officer)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/invitations",
        data={
            "csrf_token": csrf_for(client, "officer"),
            "invite-representative_ids": str(w.experts[0].id),
        },
    )
    assert response.status_code == 303
    (path,) = tmp_path.glob("*.eml")
    mail = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "evil" not in text
    urls = re.findall(r"https?://\S+", text)
    assert len(urls) == 2 and all(u.startswith("https://consult.donghu.example/") for u in urls)
    assert f"https://consult.donghu.example/meetings/{w.meeting.id}" in text
