"""Pages of the representative pool: the public roster (no contacts), applying, and the
government office's screens (pool, adding, status, conflicts, applications, figures)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.extensions import db as _db
from consult.representatives import services as pool
from consult.representatives.models import ConflictOfInterest
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication
from tests.helpers import NOW
from tests.helpers import TERM
from tests.helpers import body
from tests.helpers import csrf_token
from tests.helpers import links
from tests.helpers import login
from tests.helpers import path_of

PHONE = "13955501234"
EMAIL = "roster.private.4321@example.test"


def add(name: str, category: str, **extra) -> Representative:
    return pool.add_representative(
        {"name": name, "category": category, "phone": PHONE, "email": EMAIL, **TERM, **extra},
        actor=SYSTEM,
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
    pool.set_status(reps["suspended"], "suspended", "本人申请暂停。", actor=SYSTEM)
    db.session.commit()
    return reps


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


OPEN = {
    "name": "黄丽萍",
    "email": "huang.private.5566@example.com",
    "phone": PHONE,
    "category": "new_social_strata",
    "affiliation": "某律师事务所律师",
    "interests": "物业纠纷、老旧小区改造",
    "statement": "希望列席相关会议，从法律角度提出意见。",
}


def apply_openly(client, **changes):
    csrf = csrf_token(client, "/representatives/apply")
    return client.post("/representatives/apply", data={"csrf_token": csrf, **OPEN, **changes})


def test_anyone_applies_without_an_account_and_gets_a_receipt(client, people, outbox):
    page = client.get("/representatives/apply")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    response = apply_openly(client)
    assert response.status_code == 303
    received = client.get(response.headers["Location"]).get_data(as_text=True)
    (application,) = _db.session.scalars(sa.select(RepresentativeApplication))
    assert application.user_id is None and application.name == "黄丽萍"
    assert application.email == OPEN["email"] and application.status == "pending"
    assert application.receipt in received and application.receipt.startswith("SQ-2026-")
    # The receipt by mail, to the address given (and nowhere else).
    (mail,) = outbox.take()
    assert str(mail["To"]) == OPEN["email"] and application.receipt in body(mail)
    # Shown once: the receipt page does not keep it for whoever opens it next.
    assert client.get("/representatives/apply/received").status_code == 302
    # Private: the address and the telephone never reach a public page.
    for url in ("/representatives", "/api/v1/representatives"):
        text = client.get(url).get_data(as_text=True)
        assert OPEN["email"] not in text and "黄丽萍" not in text


def test_a_refused_open_application_keeps_what_was_typed(client, people, outbox):
    response = apply_openly(client, email="not-an-address", statement="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "黄丽萍" in page and "某律师事务所律师" in page and PHONE in page
    assert _db.session.scalar(sa.select(sa.func.count(RepresentativeApplication.id))) == 0
    assert outbox.take() == []


def test_a_bot_filling_the_hidden_field_is_answered_alike_and_nothing_kept(client, people, outbox):
    response = apply_openly(client, website="http://spam.example")
    assert response.status_code == 303
    assert _db.session.scalar(sa.select(sa.func.count(RepresentativeApplication.id))) == 0
    assert outbox.take() == []


def test_the_same_answer_whether_or_not_the_address_has_an_account(
    client, people, outbox, create_user
):
    create_user("resident", email="taken.8899@example.com")
    _db.session.commit()
    answers = []
    for email in ("taken.8899@example.com", "free.7711@example.com"):
        response = apply_openly(client, email=email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, re.sub(r"SQ-\d{4}-\w{4}-\w{4}", "SQ", page)))
    assert answers[0] == answers[1]


def test_open_applications_are_limited_per_address(client, people, outbox):
    statuses = [apply_openly(client, email=f"a{n}@example.com").status_code for n in range(5)]
    assert 429 in statuses


def test_approving_an_open_application_opens_an_account_set_by_mail(
    app, client, people, outbox, create_user
):
    """The whole journey: apply without an account, the office approves, the mail's link sets
    the password, the new representative logs in and finds her invitations page."""
    admin = create_user("admin")
    _db.session.commit()
    apply_openly(client)
    outbox.take()
    (application,) = _db.session.scalars(sa.select(RepresentativeApplication))
    office = app.test_client()
    login(office, admin)
    page = office.get("/admin/representatives/applications").get_data(as_text=True)
    assert "黄丽萍" in page and OPEN["email"] in page and "无账号" in page
    csrf = csrf_token(office, "/admin/representatives/applications")
    prefix = f"a{application.id}"
    response = office.post(
        f"/admin/representatives/applications/{application.id}",
        data={
            f"{prefix}-csrf_token": csrf,
            f"{prefix}-decision": "approve",
            f"{prefix}-term_start": "2026-03-02",
            f"{prefix}-term_end": "2028-12-31",
        },
    )
    assert response.status_code == 303
    _db.session.expire_all()
    user = _db.session.scalar(sa.select(User).where(User.email == OPEN["email"]))
    assert user is not None and user.role == Role.REPRESENTATIVE and user.last_login_at is None
    rep = _db.session.scalar(sa.select(Representative).where(Representative.user_id == user.id))
    assert rep.name == "黄丽萍" and rep.phone == PHONE and rep.email == OPEN["email"]
    (mail,) = outbox.take()
    assert str(mail["To"]) == OPEN["email"] and application.receipt in body(mail)
    link = next(path_of(u) for u in links(mail) if "/password/reset/" in u)
    form = client.get(link)
    assert form.status_code == 200
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token(client, link),
            "password": "new-password-2026",
            "confirm": "new-password-2026",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    login(client, user, "new-password-2026")
    mine = client.get("/my/invitations").get_data(as_text=True)
    assert "我的出席记录" in mine
    # The link worked once.
    assert client.get(link).status_code == 400


def test_rejecting_an_open_application_mails_the_reason(app, client, people, outbox, create_user):
    admin = create_user("admin")
    _db.session.commit()
    apply_openly(client)
    outbox.take()
    (application,) = _db.session.scalars(sa.select(RepresentativeApplication))
    login(client, admin)
    csrf = csrf_token(client, "/admin/representatives/applications")
    prefix = f"a{application.id}"
    client.post(
        f"/admin/representatives/applications/{application.id}",
        data={
            f"{prefix}-csrf_token": csrf,
            f"{prefix}-decision": "reject",
            f"{prefix}-reason": "暂不符合“新的社会阶层人士”类别的条件。",
        },
    )
    (mail,) = outbox.take()
    assert "暂不符合" in body(mail) and "/password/reset/" not in body(mail)
    assert _db.session.scalar(sa.select(User).where(User.email == OPEN["email"])) is None


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
    pool.decide_application(application, False, {"reason": "职称条件不符。"}, actor=SYSTEM)
    _db.session.commit()
    login(client, resident)
    page = client.get("/representatives/apply").get_data(as_text=True)
    assert "职称条件不符。" in page and 'name="statement"' in page  # may apply again
