"""Meeting pages by role: a representative sees and answers only their own invitations, an
officer manages only their department's meetings, the government office manages all,
residents and anonymous visitors reach no staff page; public pages never carry a
representative's contact details or check-in code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.extensions import db as _db
from consult.meetings import rules
from consult.meetings import services as meetings
from consult.meetings.models import Draw
from consult.meetings.models import Invitation
from consult.meetings.models import Remark
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import PASSWORD
from tests.helpers import csrf_token
from tests.helpers import login
from tests.helpers import meeting_data
from tests.helpers import meeting_district

# Distinctive private values, so their absence from a page means something.
PHONE = "13971234567"
OTHER_PHONE = "13976543210"
EMAIL = "zhou.private.7788@example.test"
OTHER_EMAIL = "li.private.9911@example.test"


def new_meeting(department, title: str, *, starts_in=14 * DAY, matter=None, seats=6):
    return meetings.create_meeting(
        meeting_data(
            department.id if department else None,
            title=title,
            starts_in=starts_in,
            seats=seats,
            agenda=[{"title": "议题", "matter_id": matter.id if matter else None}],
            place="区政府三楼会议室",
        ),
        actor=SYSTEM,
    )


def _build_w(db, frozen, create_user, create_department, create_matter):
    frozen(NOW)
    x = meeting_district(
        create_user,
        create_department,
        create_matter,
        phones=(PHONE, OTHER_PHONE),
        emails=(EMAIL, OTHER_EMAIL),
        experts=3,
    )
    x.meeting = new_meeting(x.department, "住建局座谈会", matter=x.matter)
    x.foreign = new_meeting(x.elsewhere, "另一部门座谈会")
    meetings.invite(x.meeting, [x.me.id, x.other.id], actor=SYSTEM)
    x.mine = next(i for i in x.meeting.invitations if i.representative_id == x.me.id)
    x.theirs = next(i for i in x.meeting.invitations if i.representative_id == x.other.id)
    db.session.commit()
    return x


@pytest.fixture
def w(prepared):
    """Built once per worker (`_build_w`, in a prepared database)."""
    return prepared(_build_w)


def as_role(client, w, who: str):
    if who != "anonymous":
        login(client, getattr(w, who))


# --- the representative's own invitations --------------------------------------------------


def test_my_invitations_lists_only_mine(client, w):
    meetings.respond(w.mine, True, actor=SYSTEM)
    meetings.respond(w.theirs, True, actor=SYSTEM)
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


# --- checking in on site ---------------------------------------------------------------------


@pytest.fixture
def on_site(w, frozen):
    """Both representatives accepted; an hour before the start: check-in is open."""
    for invitation in (w.mine, w.theirs):
        meetings.respond(invitation, True, actor=SYSTEM)
    _db.session.commit()
    now = w.meeting.starts_at - HOUR
    frozen(now)
    return now


def screen_code(w, at) -> str:
    return rules.venue_code(w.meeting.venue_secret, at)


def arrived(invitation) -> bool:
    _db.session.expire_all()
    return _db.session.get(Invitation, invitation.id).checked_in_at is not None


def test_a_signed_in_representative_scans_the_screen_and_taps_once(client, w, on_site):
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/check-in"
    scanned = client.get(f"{url}?code={screen_code(w, on_site)}")
    # The code leaves the address bar at once; the page asks for one tap.
    assert scanned.status_code == 303 and scanned.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "确认签到" in page and screen_code(w, on_site) not in page
    assert not arrived(w.mine)
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303 and arrived(w.mine)
    done = client.get(url).get_data(as_text=True)
    assert "✓" in done and "您已于09:00签到" in done  # 10:00 start, Beijing time
    # Scanning again (or tapping again) changes nothing and says the same.
    client.get(f"{url}?code={screen_code(w, on_site)}")
    again = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert again.status_code == 303 and "您已于09:00签到" in client.get(url).get_data(as_text=True)


def test_without_a_login_the_scan_leads_through_the_login_and_back(client, w, on_site, frozen):
    url = f"/meetings/{w.meeting.id}/check-in"
    scanned = client.get(f"{url}?code={screen_code(w, on_site)}")
    assert scanned.status_code == 303
    login_url = scanned.headers["Location"]
    assert login_url.startswith("/login?next=") and "code" not in login_url
    # Logging in takes a few minutes: the screen has moved on, the scan still counts.
    frozen(on_site + 4 * rules.VENUE_CODE_STEP * timedelta(seconds=1))
    token = csrf_token(client, login_url)
    response = client.post(
        login_url, data={"email": w.me_user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == url
    assert "确认签到" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 303
    assert arrived(w.mine)


def test_a_scan_too_old_to_prove_presence_is_refused(client, w, on_site, frozen):
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/check-in"
    client.get(f"{url}?code={screen_code(w, on_site)}")
    frozen(on_site + rules.SCAN_VALID_FOR + timedelta(minutes=1))
    page = client.get(url).get_data(as_text=True)
    assert "您扫描的签到码已过期" in page and "确认签到" not in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422 and not arrived(w.mine)


@pytest.mark.parametrize(("typed", "ok"), [("right", True), ("spaced", True), ("wrong", False)])
def test_typing_the_six_digits_from_the_screen(client, w, on_site, typed, ok):
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/check-in"
    page = client.get(url).get_data(as_text=True)
    assert 'inputmode="numeric"' in page and "确认签到" not in page
    code = screen_code(w, on_site)
    value = {
        "right": code,
        "spaced": f" {code[:3]} {code[3:]} ",
        "wrong": str((int(code) + 1) % 10**6).zfill(6),
    }[typed]
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "code": value})
    assert response.status_code == (303 if ok else 422)
    assert arrived(w.mine) is ok
    if not ok:
        text = response.get_data(as_text=True)
        assert text.count("签到码已过期或不正确") == 1 and value in text  # what was typed stays


@pytest.mark.parametrize("who", ["resident", "other_officer"])
def test_someone_not_invited_is_told_so_and_cannot_check_in(client, w, on_site, who):
    login(client, getattr(w, who))
    url = f"/meetings/{w.meeting.id}/check-in"
    client.get(f"{url}?code={screen_code(w, on_site)}")
    page = client.get(url)
    assert page.status_code == 200 and "您未受邀参加本次会议" in page.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422
    assert (
        _db.session.scalar(sa.select(sa.func.count()).where(Invitation.checked_in_at.is_not(None)))
        == 0
    )


def test_too_early_says_when_check_in_opens_once(client, w, frozen):
    meetings.respond(w.mine, True, actor=SYSTEM)
    _db.session.commit()
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/check-in"
    page = client.get(url).get_data(as_text=True)
    opens = "签到将于"
    assert page.count(opens) == 1 and "08:00" in page and "确认签到" not in page
    # Even after a scan and a tap: one message, not two.
    code = screen_code(w, NOW)
    client.get(f"{url}?code={code}")
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count(opens) == 1
    assert not arrived(w.mine)


def test_after_the_meeting_check_in_has_closed(client, w, on_site, frozen):
    login(client, w.me_user)
    frozen(w.meeting.ends_at)
    url = f"/meetings/{w.meeting.id}/check-in"
    page = client.get(url).get_data(as_text=True)
    assert page.count("签到已结束") == 1


def test_scanning_ones_own_pass_explains_instead_of_refusing(client, w, on_site):
    """The QR code on the pass opens a page for everyone: the door's check-in for the staff,
    an explanation for the representative herself (it was a bare 403)."""
    login(client, w.me_user)
    response = client.get(f"/meetings/{w.meeting.id}/pass?code={w.mine.checkin_code}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/meetings/{w.meeting.id}/check-in"
    landed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "这是您本人的签到凭证" in landed and not arrived(w.mine)
    theirs = client.get(f"/meetings/{w.meeting.id}/pass?code={w.theirs.checkin_code}")
    assert theirs.status_code == 303
    assert "该凭证属于他人" in client.get(theirs.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_staff_scanning_a_pass_land_on_the_door_with_the_code(client, w, on_site, who):
    login(client, getattr(w, who))
    response = client.get(f"/meetings/{w.meeting.id}/pass?code={w.mine.checkin_code.lower()}")
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"/manage/meetings/{w.meeting.id}/check-in?code={w.mine.checkin_code}"
    )


@pytest.mark.parametrize(
    "who", ["admin", "officer", "other_officer", "resident", "me_user", "anonymous"]
)
def test_the_venue_screen_is_for_the_organisers(client, w, on_site, who):
    as_role(client, w, who)
    response = client.get(f"/manage/meetings/{w.meeting.id}/venue-screen")
    manages = who in ("admin", "officer")
    assert response.status_code == (302 if who == "anonymous" else 200 if manages else 403)
    if manages:
        page = response.get_data(as_text=True)
        code = screen_code(w, on_site)
        assert f"{code[:3]} {code[3:]}" in page and 'src="data:image/svg+xml' in page
        # It reloads when the code changes (at most one step from now).
        refresh = int(page.split('data-reload-after="')[1].split('"')[0])
        assert 1 <= refresh <= rules.VENUE_CODE_STEP + 1


def test_the_venue_screen_shows_who_has_arrived(client, w, on_site):
    meetings.check_in_on_site(w.meeting, screen_code(w, on_site), actor=w.me_user)
    _db.session.commit()
    login(client, w.officer)
    page = client.get(f"/manage/meetings/{w.meeting.id}/venue-screen").get_data(as_text=True)
    assert "周文静" in page and "✓ 09:00" in page


def test_check_in_attempts_are_limited_per_account(client, w, on_site):
    login(client, w.me_user)
    url = f"/meetings/{w.meeting.id}/check-in"
    token = csrf_token(client, url)
    statuses = [
        client.post(url, data={"csrf_token": token, "code": f"{n:06d}"}).status_code
        for n in range(12)
    ]
    assert statuses.count(429) >= 1 and not arrived(w.mine)


# --- the representative's attendance record ---------------------------------------------------


def test_my_attendance_record_counts_and_pages(client, w, frozen, create_matter):
    """Twelve past meetings: declined, missed, attended; the latest first, ten a page."""
    meeting_ids = []
    for n in range(12):
        m = new_meeting(w.department, f"历史会议{n:02d}", starts_in=(n + 4) * DAY)
        meetings.invite(m, [w.me.id], actor=SYSTEM)
        (invitation,) = m.invitations
        if n % 3 == 0:
            meetings.respond(invitation, False, "出差", actor=SYSTEM)
        else:
            meetings.respond(invitation, True, actor=SYSTEM)
        meeting_ids.append((m, invitation, n))
    _db.session.commit()
    for m, invitation, n in meeting_ids:
        if n % 3 == 1:
            frozen(m.starts_at)
            meetings.check_in(m, invitation.checkin_code, actor=SYSTEM)
    frozen(NOW + 17 * DAY)
    _db.session.commit()
    login(client, w.me_user)
    page = client.get("/my/invitations").get_data(as_text=True)
    section = page.split('id="attendance"')[1]
    counts = re.findall(r"<dd>(\d+)</dd>", section)
    # invited (12 past + the open invitation of the fixture), accepted, declined, attended, missed
    assert counts == ["13", "8", "4", "4", "4"]
    rows = re.findall(r'id="history-(\d+)"', section)
    # The fixture's own meeting (in two weeks, pending) has ended by now too.
    everything = [(m.starts_at, i.id) for m, i, _n in meeting_ids] + [
        (w.meeting.starts_at, w.mine.id)
    ]
    newest_first = [i for _at, i in sorted(everything, reverse=True)]
    assert [int(r) for r in rows] == newest_first[:10]
    assert len(newest_first) == 13
    second = client.get("/my/invitations?page=2").get_data(as_text=True)
    assert [int(r) for r in re.findall(r'id="history-(\d+)"', second)] == newest_first[10:]


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


@pytest.mark.parametrize("who", ROLES)
def test_drawing_by_role(client, w, who):
    as_role(client, w, who)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/draw",
        data={"csrf_token": csrf_token(client), "draw-seed": "s", "draw-quota_expert": "2"},
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
            "csrf_token": csrf_token(client),
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
    meetings.respond(w.mine, True, actor=SYSTEM)
    _db.session.commit()
    frozen(w.meeting.starts_at)
    as_role(client, w, who)
    response = client.post(
        f"/manage/meetings/{w.meeting.id}/check-in",
        data={"csrf_token": csrf_token(client), "code": w.mine.checkin_code},
    )
    assert response.status_code == expected(who, 303)
    _db.session.expire_all()
    arrived = _db.session.get(Invitation, w.mine.id).checked_in_at
    assert (arrived is not None) == (who in MANAGES)


@pytest.mark.parametrize("who", ["other_officer", "resident", "me_user"])
def test_attendance_remarks_and_outcome_are_the_organisers(client, w, frozen, who):
    meetings.respond(w.mine, True, actor=SYSTEM)
    _db.session.commit()
    frozen(w.meeting.ends_at + HOUR)
    login(client, getattr(w, who))
    csrf = csrf_token(client)
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
    meetings.invite(w.foreign, [w.experts[0].id], actor=SYSTEM)
    invitation = w.foreign.invitations[0]
    meetings.respond(invitation, True, actor=SYSTEM)
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
    meetings.respond(w.mine, True, actor=SYSTEM)
    meetings.run_draw(w.meeting, {"seed": "公开", "quotas": {"expert": 2}}, actor=SYSTEM)
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
        {"summary": "通过。", "items": {w.meeting.agenda[0].id: {"decision": "通过。"}}},
        actor=SYSTEM,
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
            private = (PHONE, OTHER_PHONE, EMAIL, OTHER_EMAIL, code, "example.test")
            for secret in (*private, w.meeting.venue_secret):
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
            "csrf_token": csrf_token(client),
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
