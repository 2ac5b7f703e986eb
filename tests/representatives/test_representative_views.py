"""Pages of the representative pool: the public roster (no contacts), applying, and the
government office's screens (pool, adding, status, conflicts, applications, figures)."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from consult.accounts.models import Role, User
from consult.extensions import db as _db
from consult.representatives import services as pool
from consult.representatives.models import (
    ConflictOfInterest,
    Representative,
    RepresentativeApplication,
)
from tests.conftest import Auth, csrf_token
from tests.meetings.meeting_support import NOW, TERM

PHONE = "13955501234"
EMAIL = "roster.private.4321@example.test"


def add(name: str, category: str, **extra) -> Representative:
    return pool.add_representative(
        {"name": name, "category": category, "phone": PHONE, "email": EMAIL, **TERM, **extra},
        actor=None,
    )


@pytest.fixture
def people(db, frozen):
    frozen(NOW)
    reps = {
        "serving": add("周文静", "npc_deputy", affiliation="区人大代表（八一桥街道选区）"),
        "expert": add("程立新", "expert", affiliation="江西财经大学公共管理学院副教授"),
        "suspended": add("廖俊", "new_social_strata"),
        "ended": add("谢明", "media", term_end=date(2026, 2, 28)),
        "future": add("新代表", "other", term_start=date(2026, 6, 1), term_end=date(2028, 5, 31)),
    }
    pool.set_status(reps["suspended"], "suspended", "本人申请暂停。", actor=None)
    db.session.commit()
    return reps


def login(client, user):
    assert Auth(client).login(user).status_code == 302


# --- public --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/representatives", "/api/v1/representatives"])
def test_the_roster_lists_who_serves_today_without_contacts(client, people, url):
    response = client.get(url)
    assert response.status_code == 200
    body = (
        json.dumps(response.get_json(), ensure_ascii=False)
        if response.is_json
        else response.get_data(as_text=True)
    )
    assert "周文静" in body and "程立新" in body and "江西财经大学公共管理学院副教授" in body
    for absent in ("廖俊", "谢明", "新代表", PHONE, EMAIL, "example.test"):
        assert absent not in body, absent


def test_the_roster_filters_by_category(client, people):
    page = client.get("/representatives?category=expert").get_data(as_text=True)
    assert "程立新" in page and "周文静" not in page
    everyone = client.get("/representatives?category=pirates").get_data(as_text=True)
    assert "程立新" in everyone and "周文静" in everyone


def test_the_api_roster_has_only_public_fields(client, people):
    data = client.get("/api/v1/representatives?category=npc_deputy").get_json()
    assert data["total"] == 1 and data["page"] == 1
    (item,) = data["items"]
    assert set(item) == {
        "id",
        "name",
        "category",
        "affiliation",
        "interests",
        "term_start",
        "term_end",
        "status",
        "attendance",
    }
    assert item["attendance"] == {"invited": 0, "accepted": 0, "attended": 0, "rate": None}


# --- applying ------------------------------------------------------------------------------


def test_a_resident_applies_once(client, people, create_user):
    resident = create_user("resident", display_name="张伟")
    _db.session.commit()
    login(client, resident)
    csrf = csrf_token(client, "/representatives/apply")
    data = {
        "csrf_token": csrf,
        "category": "other",
        "affiliation": "小区业委会委员",
        "interests": "停车、物业服务",
        "statement": "希望列席相关会议。",
        "phone": PHONE,
    }
    response = client.post("/representatives/apply", data=data)
    assert response.status_code == 303
    page = client.get("/representatives/apply").get_data(as_text=True)
    assert "小区业委会委员" in page and 'name="statement"' not in page  # being considered
    again = client.post("/representatives/apply", data=data)
    assert again.status_code == 422
    applications = list(_db.session.scalars(sa.select(RepresentativeApplication)))
    assert len(applications) == 1 and applications[0].user_id == resident.id


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_staff_cannot_apply(client, people, create_user, role):
    user = create_user(role)
    _db.session.commit()
    login(client, user)
    csrf = csrf_token(client, "/account")
    response = client.post(
        "/representatives/apply",
        data={"csrf_token": csrf, "category": "other", "statement": "想参加。"},
    )
    assert response.status_code == 403
    assert _db.session.scalar(sa.select(sa.func.count(RepresentativeApplication.id))) == 0


def test_applying_needs_an_account(client, people):
    response = client.get("/representatives/apply")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the government office -----------------------------------------------------------------

ADMIN_URLS = [
    "/admin/representatives",
    "/admin/representatives?status=suspended",
    "/admin/representatives/new",
    "/admin/representatives/applications",
    "/admin/representatives/figures",
]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("officer", 403),
        ("resident", 403),
        ("representative", 403),
        ("anonymous", 302),
    ],
)
def test_the_pool_screens_are_the_government_offices(client, people, create_user, role, status):
    if role != "anonymous":
        login(client, create_user(role))
    for url in [*ADMIN_URLS, f"/admin/representatives/{people['serving'].id}"]:
        assert client.get(url).status_code == status, url
    if role == "admin":
        page = client.get("/admin/representatives").get_data(as_text=True)
        assert PHONE in page  # the government office sees contacts
    if role not in ("admin", "anonymous"):
        csrf = csrf_token(client, "/account")
        response = client.post(
            f"/admin/representatives/{people['serving'].id}/status",
            data={"csrf_token": csrf, "status-status": "ended", "status-reason": "x"},
        )
        assert response.status_code == 403
        _db.session.expire_all()
        assert _db.session.get(Representative, people["serving"].id).status == "active"


@pytest.fixture
def admin(client, create_user, people):
    user = create_user("admin")
    _db.session.commit()
    login(client, user)
    return user


def test_adding_a_representative_with_an_account(client, admin, create_user):
    resident = create_user("resident", email="future.rep@example.test")
    _db.session.commit()
    url = "/admin/representatives/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "name": "黄振宇",
        "category": "cppcc_member",
        "affiliation": "区政协委员（民建）",
        "interests": "财政预算、营商环境",
        "term_start": "2026-03-01",
        "term_end": "2028-12-31",
        "phone": PHONE,
        "email": EMAIL,
        "account_email": "nobody@example.test",
    }
    unknown = client.post(url, data=data)
    assert unknown.status_code == 422 and 'id="account_email-error"' in unknown.get_data(
        as_text=True
    )
    response = client.post(url, data={**data, "account_email": "FUTURE.rep@example.test"})
    assert response.status_code == 303
    rep = _db.session.scalar(sa.select(Representative).where(Representative.name == "黄振宇"))
    assert rep.user_id == resident.id and rep.interests == ["财政预算", "营商环境"]
    _db.session.expire_all()
    assert _db.session.get(User, resident.id).role == Role.REPRESENTATIVE
    bad_term = client.post(
        url, data={**data, "name": "另一人", "account_email": "", "term_end": "2026-01-01"}
    )
    assert bad_term.status_code == 422


def test_a_status_change_needs_a_reason(client, admin, people):
    rep = people["serving"]
    url = f"/admin/representatives/{rep.id}"
    csrf = csrf_token(client, url)
    empty = client.post(
        url + "/status",
        data={"status-csrf_token": csrf, "status-status": "suspended", "status-reason": ""},
    )
    assert empty.status_code == 422
    ok = client.post(
        url + "/status",
        data={"status-csrf_token": csrf, "status-status": "suspended", "status-reason": "暂停。"},
    )
    assert ok.status_code == 303
    _db.session.expire_all()
    assert _db.session.get(Representative, rep.id).status == "suspended"


def test_recording_a_conflict_of_interest(client, admin, people, create_matter):
    matter = create_matter(published=True)
    _db.session.commit()
    rep = people["expert"]
    url = f"/admin/representatives/{rep.id}"
    csrf = csrf_token(client, url)
    data = {"conflict-csrf_token": csrf, "conflict-note": "任职单位参与投标。"}
    none = client.post(url + "/conflicts", data={**data, "conflict-matter_id": "0"})
    assert none.status_code == 422
    ok = client.post(url + "/conflicts", data={**data, "conflict-matter_id": str(matter.id)})
    assert ok.status_code == 303
    twice = client.post(url + "/conflicts", data={**data, "conflict-matter_id": str(matter.id)})
    assert twice.status_code == 422
    assert _db.session.scalar(sa.select(sa.func.count(ConflictOfInterest.id))) == 1


def test_deciding_applications(client, admin, create_user):
    applicants = [create_user("resident", display_name=f"申请人{n}") for n in (1, 2)]
    applications = [
        pool.apply(user, {"category": "other", "statement": "希望参加。", "phone": PHONE})
        for user in applicants
    ]
    _db.session.commit()
    url = "/admin/representatives/applications"
    page = client.get(url).get_data(as_text=True)
    assert "申请人1" in page and "申请人2" in page
    csrf = csrf_token(client, url)
    first, second = applications
    p1, p2 = f"a{first.id}", f"a{second.id}"
    no_reason = client.post(
        f"{url}/{first.id}",
        data={f"{p1}-csrf_token": csrf, f"{p1}-decision": "reject", f"{p1}-reason": ""},
    )
    assert no_reason.status_code == 422
    rejected = client.post(
        f"{url}/{first.id}",
        data={f"{p1}-csrf_token": csrf, f"{p1}-decision": "reject", f"{p1}-reason": "材料不全。"},
    )
    assert rejected.status_code == 303
    approved = client.post(
        f"{url}/{second.id}",
        data={
            f"{p2}-csrf_token": csrf,
            f"{p2}-decision": "approve",
            f"{p2}-term_start": "2026-03-02",
            f"{p2}-term_end": "2027-12-31",
        },
    )
    assert approved.status_code == 303
    _db.session.expire_all()
    first, second = (_db.session.get(RepresentativeApplication, a.id) for a in applications)
    assert first.status == "rejected" and first.decision_reason == "材料不全。"
    assert second.status == "approved" and second.representative_id is not None
    assert _db.session.get(User, applicants[1].id).role == Role.REPRESENTATIVE
    assert _db.session.get(User, applicants[0].id).role == Role.RESIDENT
    # Deciding again only says it has been decided.
    again = client.post(
        f"{url}/{first.id}",
        data={f"{p1}-csrf_token": csrf, f"{p1}-decision": "approve"},
    )
    assert again.status_code == 303
    assert _db.session.get(RepresentativeApplication, first.id).status == "rejected"


def test_the_rejected_applicant_sees_the_reason(client, people, create_user):
    resident = create_user("resident")
    application = pool.apply(resident, {"category": "expert", "statement": "想参加。"})
    pool.decide_application(application, False, {"reason": "职称条件不符。"}, actor=None)
    _db.session.commit()
    login(client, resident)
    page = client.get("/representatives/apply").get_data(as_text=True)
    assert "职称条件不符。" in page and 'name="statement"' in page  # may apply again
