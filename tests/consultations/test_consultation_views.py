"""Consultation pages in the browser: the public list and page, documents as downloads, and
the department's screens — the window at its boundaries through the form, moving the
closing time, deletion, and who may use which staff route."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.catalogue.models import MatterStatus
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.consultations import services
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationDocument
from consult.consultations.models import OfflineActivity
from consult.consultations.models import WindowChange
from consult.core import audit
from consult.core.storage import storage
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import MINUTE
from tests.helpers import NOW
from tests.helpers import PDF
from tests.helpers import ROLES
from tests.helpers import SECOND
from tests.helpers import STAFF_OF_DEPARTMENT
from tests.helpers import THIRTY_DAYS
from tests.helpers import count
from tests.helpers import docx_bytes
from tests.helpers import english
from tests.helpers import field_error
from tests.helpers import local_input
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import odt_bytes
from tests.helpers import post
from tests.helpers import submit

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

DRAFT_FORM = "为加强管理，制定本办法。\n第一条 适用范围。\n第二条 职责分工。\n第三条 居民参与。"


def new_form(opens_at, closes_at, **overrides) -> dict:
    return {
        "title": "关于停车设施改造办法的公开征求意见",
        "draft": DRAFT_FORM,
        "explanation": "起草说明。",
        "contact": "区住建局法规科 0791-86000000",
        "opens_at": local_input(opens_at),
        "closes_at": local_input(closes_at),
        **overrides,
    }


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def text(response) -> str:
    return response.get_data(as_text=True)


# --- the public list and page ------------------------------------------------------------


def test_the_list_shows_each_consultation_under_its_tab(world, client, db):
    open_now = make_consultation(world.matter, NOW, title="正在征求意见的草案")
    upcoming = make_consultation(world.matter, NOW + 2 * DAY, title="即将征求意见的草案")
    db.session.commit()
    pages = {
        tab: text(client.get(f"/consultations?status={tab}"))
        for tab in ("open", "scheduled", "closed")
    }
    assert open_now.title in pages["open"] and upcoming.title not in pages["open"]
    assert upcoming.title in pages["scheduled"] and open_now.title not in pages["scheduled"]
    assert open_now.title not in pages["closed"]
    assert open_now.title in text(client.get("/consultations"))  # "open" by default
    assert open_now.title in text(client.get("/consultations?status=nonsense"))


def test_a_consultation_moves_to_the_closed_tab_at_its_closing_time(world, client, clock, db):
    consultation = make_consultation(world.matter, NOW, title="到点截止的草案")
    db.session.commit()
    clock.set(consultation.closes_at - SECOND)
    assert consultation.title in text(client.get("/consultations?status=open"))
    clock.set(consultation.closes_at)
    assert consultation.title not in text(client.get("/consultations?status=open"))
    assert consultation.title in text(client.get("/consultations?status=closed"))


def test_the_page_shows_clauses_with_anchors_and_a_comment_link_for_each(world, client, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    page = text(client.get(f"/consultations/{consultation.id}"))
    for n in range(1, 5):
        assert f'id="clause-{n}"' in page
        assert f'href="#clause-{n}"' in page
        assert f"/consultations/{consultation.id}?clause={n}#comment-form" in page
    assert "第三条" in page
    assert "为加强老旧小区停车管理" in page  # the preamble


def test_following_a_clause_link_preselects_that_clause(world, client, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    page = text(client.get(f"/consultations/{consultation.id}?clause=3"))
    assert re.search(r'<option[^>]*selected[^>]*value="3"|<option[^>]*value="3"[^>]*selected', page)


def test_an_unknown_consultation_is_a_404_page(world, client):
    assert client.get("/consultations/999999").status_code == 404
    assert client.get("/consultations/99999999999999999999").status_code == 404


def test_the_page_of_a_scheduled_consultation_says_when_comments_open(world, client, db):
    consultation = make_consultation(world.matter, NOW + 2 * DAY)
    db.session.commit()
    english(client)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "Comments can be submitted from 2026-03-04 10:00" in page
    assert 'id="comment-form"' in page and "<textarea" not in page


def test_the_page_of_a_closed_consultation_has_no_comment_form(world, client, clock, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    clock.set(consultation.closes_at)
    english(client)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "This consultation closed at 2026-04-01 10:00" in page
    assert 'name="body"' not in page


def test_the_matter_page_lists_its_consultations(world, client, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    page = text(client.get(f"/matters/{world.matter.id}"))
    assert f'href="/consultations/{consultation.id}"' in page


def test_opening_a_page_at_the_opening_time_moves_the_matter_to_consulting(
    world, client, clock, db
):
    consultation = make_consultation(world.matter, NOW + DAY)
    db.session.commit()
    clock.set(NOW + DAY)
    assert client.get("/consultations").status_code == 200  # any request notices
    db.session.expire_all()
    assert world.matter.status == MatterStatus.CONSULTING
    changed = [
        e
        for e in audit.events_for("decision_matter", world.matter.id)
        if e.action == "status_changed"
    ]
    assert [e.occurred_at for e in changed] == [consultation.opens_at]


# --- documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "mimetype"),
    [
        ("征求意见稿.pdf", PDF, "application/pdf"),
        (
            "征求意见稿.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("起草说明.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_documents_are_served_as_downloads_from_outside_static(
    app, world, client, db, filename, content, mimetype
):
    consultation = make_consultation(world.matter, NOW, documents=[(filename, content)])
    db.session.commit()
    page = text(client.get(f"/consultations/{consultation.id}"))
    (href,) = re.findall(r'href="(/documents/\d+/[^"]+)" download', page)
    assert not href.startswith("/static/")
    response = client.get(href)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert filename in unquote(disposition)
    assert response.data == content
    response.close()
    stored = storage().path(consultation.documents[0].file.storage_key)
    from pathlib import Path

    assert Path(app.static_folder).resolve() not in stored.parents


def test_an_unknown_document_is_not_found(world, client):
    assert client.get("/documents/424242/x.pdf").status_code == 404


# --- creating a consultation through the form --------------------------------------------


@pytest.fixture
def officer_client(world, client):
    login(client, world.users["own_officer"])
    english(client)
    return client


def new_url(world) -> str:
    return f"/manage/matters/{world.matter.id}/consultations/new"


@pytest.mark.parametrize(
    ("length", "created"), [(THIRTY_DAYS - SECOND, False), (THIRTY_DAYS, True)]
)
def test_the_form_refuses_a_window_one_second_short_of_thirty_days(
    world, officer_client, db, length, created
):
    opens_at = NOW + HOUR
    response = post(officer_client, new_url(world), new_form(opens_at, opens_at + length))
    if created:
        assert response.status_code == 302
        consultation = db.session.scalar(sa.select(Consultation))
        assert consultation.opens_at == opens_at
        assert consultation.closes_at == opens_at + THIRTY_DAYS
        assert response.location.endswith(f"/manage/consultations/{consultation.id}")
    else:
        assert response.status_code == 422
        assert "at least 30 days" in field_error(text(response), "closes_at")
        assert count(db, Consultation) == 0


def test_with_a_45_day_minimum_the_form_refuses_30_days_and_suggests_46(
    app, world, officer_client, db, monkeypatch
):
    monkeypatch.setitem(app.config, "MIN_COMMENT_WINDOW_DAYS", 45)
    opens_at = NOW + HOUR
    response = post(officer_client, new_url(world), new_form(opens_at, opens_at + THIRTY_DAYS))
    assert response.status_code == 422
    assert "at least 45 days" in field_error(text(response), "closes_at")
    page = text(officer_client.get(new_url(world)))
    # opens at the next full hour (11:00), closes a day after the 45-day minimum
    assert 'value="2026-03-02T11:00"' in page
    assert 'value="2026-04-17T11:00"' in page


def test_the_form_refuses_a_closing_before_the_opening(world, officer_client, db):
    response = post(officer_client, new_url(world), new_form(NOW + 40 * DAY, NOW + DAY))
    assert response.status_code == 422
    assert field_error(text(response), "closes_at")


def test_the_form_refuses_an_opening_in_the_past(world, officer_client, db):
    response = post(officer_client, new_url(world), new_form(NOW - DAY, NOW + 40 * DAY))
    assert response.status_code == 422
    assert "in the past" in field_error(text(response), "opens_at")


def test_the_form_refuses_a_draft_numbered_out_of_order_and_keeps_the_text(
    world, officer_client, db
):
    draft = "第一条 甲。\n第三条 丙。"
    response = post(
        officer_client, new_url(world), new_form(NOW + HOUR, NOW + 40 * DAY, draft=draft)
    )
    assert response.status_code == 422
    html = text(response)
    assert "第三条" in field_error(html, "draft")
    assert "第一条 甲。" in html


def test_a_future_opening_through_the_form_is_scheduled(world, officer_client, db):
    response = post(officer_client, new_url(world), new_form(NOW + 3 * DAY, NOW + 40 * DAY))
    assert response.status_code == 302
    page = text(officer_client.get(response.location))
    assert "Upcoming" in page
    db.session.expire_all()
    assert world.matter.status == MatterStatus.PLANNED


def test_opening_now_through_the_form_moves_the_matter_to_consulting(world, officer_client, db):
    response = post(officer_client, new_url(world), new_form(NOW, NOW + 40 * DAY))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.matter.status == MatterStatus.CONSULTING


def test_documents_uploaded_with_the_form_are_checked_by_content(world, officer_client, db):
    data = new_form(NOW + HOUR, NOW + 40 * DAY)
    data["documents"] = [
        (io.BytesIO(docx_bytes()), "征求意见稿.docx"),
        (io.BytesIO(odt_bytes()), "起草说明.odt"),
    ]
    response = post(officer_client, new_url(world), data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert count(db, ConsultationDocument) == 2


def test_a_docx_that_is_really_text_is_refused_by_the_form(world, officer_client, db):
    data = new_form(NOW + HOUR, NOW + 40 * DAY)
    data["documents"] = [(io.BytesIO(b"just a text file"), "征求意见稿.docx")]
    response = post(officer_client, new_url(world), data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not accepted" in text(response)
    assert count(db, Consultation) == 0


# --- the consultation's management page ---------------------------------------------------


@pytest.fixture
def running(world, db):
    consultation = make_consultation(world.matter, NOW)
    db.session.commit()
    return consultation


def test_extending_an_open_window_is_logged_and_announced_on_the_page(
    world, running, officer_client, clock, db
):
    clock.set(NOW + 10 * DAY)
    new_closing = running.closes_at + 14 * DAY
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/closing",
        {"closing-closes_at": local_input(new_closing), "closing-reason": "应居民要求延长。"},
        prefix="closing",
    )
    assert response.status_code == 302
    db.session.expire_all()
    change = db.session.scalar(sa.select(WindowChange))
    assert change.new_closes_at == new_closing
    assert change.actor_id == world.users["own_officer"].id
    assert [e.action for e in audit.events_for("consultation", running.id)][-1] == "window_changed"
    page = text(officer_client.get(f"/consultations/{running.id}"))
    assert "the closing time was changed from 2026-04-01 10:00 to 2026-04-15 10:00" in page
    assert "应居民要求延长。" in page


@pytest.mark.parametrize(
    ("new_closing", "message"),
    [
        (NOW + THIRTY_DAYS - MINUTE, "at least 30 days"),
        (NOW + 10 * DAY, "at least 30 days"),
    ],
)
def test_shortening_below_the_minimum_through_the_form_is_refused(
    world, running, officer_client, db, new_closing, message
):
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/closing",
        {"closing-closes_at": local_input(new_closing), "closing-reason": "提前结束。"},
        prefix="closing",
    )
    assert response.status_code == 422
    assert message in field_error(text(response), "closing-closes_at")
    assert count(db, WindowChange) == 0


def test_shortening_into_the_past_through_the_form_is_refused(world, officer_client, clock, db):
    consultation = make_consultation(world.matter, NOW, NOW + 60 * DAY)
    db.session.commit()
    clock.set(NOW + 45 * DAY)
    response = post(
        officer_client,
        f"/manage/consultations/{consultation.id}/closing",
        {"closing-closes_at": local_input(NOW + 40 * DAY), "closing-reason": "提前结束。"},
        prefix="closing",
    )
    assert response.status_code == 422
    assert "in the past" in field_error(text(response), "closing-closes_at")


def test_a_change_without_a_reason_is_refused(world, running, officer_client, db):
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/closing",
        {"closing-closes_at": local_input(running.closes_at + DAY), "closing-reason": ""},
        prefix="closing",
    )
    assert response.status_code == 422
    assert field_error(text(response), "closing-reason")


def test_an_opened_consultation_cannot_be_deleted(world, running, officer_client, db):
    response = post(officer_client, f"/manage/consultations/{running.id}/delete", prefix="delete")
    assert response.status_code == 302
    assert response.location.endswith(f"/manage/consultations/{running.id}")
    assert "cannot be deleted" in text(officer_client.get(response.location))
    assert count(db, Consultation, Consultation.id == running.id) == 1


def test_a_scheduled_consultation_can_be_deleted(world, officer_client, db):
    consultation = make_consultation(world.matter, NOW + DAY)
    db.session.commit()
    page = text(officer_client.get(f"/manage/consultations/{consultation.id}"))
    assert "Delete this scheduled consultation" in page
    response = post(
        officer_client, f"/manage/consultations/{consultation.id}/delete", prefix="delete"
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/matters/{world.matter.id}")
    assert count(db, Consultation) == 0


@pytest.mark.parametrize("history", ["window change", "activity"])
def test_a_scheduled_consultation_with_history_can_still_be_deleted_or_is_refused_cleanly(
    world, officer_client, db, history
):
    consultation = make_consultation(world.matter, NOW + DAY)
    if history == "window change":
        services.change_closing(consultation, consultation.closes_at + DAY, "延后。", actor=SYSTEM)
    else:
        services.record_activity(
            consultation,
            {"kind": "hearing", "held_on": NOW.date(), "place": "区政府", "participants": 3},
            actor=SYSTEM,
        )
    db.session.commit()
    response = post(
        officer_client, f"/manage/consultations/{consultation.id}/delete", prefix="delete"
    )
    assert response.status_code == 302


def test_the_manage_page_lists_the_comments_a_page_at_a_time_the_newest_page_first(
    world, running, officer_client, clock, db
):
    from consult.consultations.views import COMMENTS_PER_PAGE

    receipts = []
    for i in range(COMMENTS_PER_PAGE + 3):
        clock.set(NOW + HOUR + i * MINUTE)
        receipts.append(
            submit(running, body=f"第{i}条意见：建议在小区东门增设停车位{i}个。").receipt
        )
    db.session.commit()
    newest = text(officer_client.get(f"/manage/consultations/{running.id}"))
    assert f"All comments ({COMMENTS_PER_PAGE + 3})" in newest
    shown = re.findall(r"<strong>([A-Z]{2}-\d{4}-[0-9A-Z-]+)</strong>", newest)
    assert shown == receipts[COMMENTS_PER_PAGE:]  # the last page: the newest
    assert 'rel="prev"' in newest and "Page 2 of 2" in newest
    oldest = text(officer_client.get(f"/manage/consultations/{running.id}?page=1"))
    shown = re.findall(r"<strong>([A-Z]{2}-\d{4}-[0-9A-Z-]+)</strong>", oldest)
    assert shown == receipts[:COMMENTS_PER_PAGE] and 'rel="next"' in oldest


def test_the_delete_button_is_offered_only_before_opening(world, running, officer_client):
    page = text(officer_client.get(f"/manage/consultations/{running.id}"))
    assert "Delete this scheduled consultation" not in page


def test_an_offline_comment_entered_through_the_form_gets_a_receipt(
    world, running, officer_client, clock, db
):
    clock.set(NOW + DAY)
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/offline-comments",
        {
            "offline-source": "letter",
            "offline-activity_id": "",
            "offline-received_at": local_input(NOW + HOUR),
            "offline-clause": "2",
            "offline-author_name": "写信的居民",
            "offline-contact": "13800001111",
            "offline-body": "来信建议：职责分工应更明确。",
        },
        prefix="offline",
    )
    assert response.status_code == 302
    comment = db.session.scalar(sa.select(Comment))
    assert comment.source == "letter"
    assert comment.clause.number == 2
    assert f"Its receipt number is {comment.receipt}" in text(officer_client.get(response.location))


def test_an_offline_comment_received_before_opening_is_refused_by_the_form(
    world, running, officer_client, db
):
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/offline-comments",
        {
            "offline-source": "hotline",
            "offline-received_at": local_input(NOW - HOUR),
            "offline-author_name": "来电市民",
            "offline-body": "来电建议：增设路灯照明。",
        },
        prefix="offline",
    )
    assert response.status_code == 422
    assert field_error(text(response), "offline-received_at")
    assert count(db, Comment) == 0


def test_an_activity_is_recorded_through_the_form(world, running, officer_client, db):
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/activities",
        {
            "activity-kind": "symposium",
            "activity-held_on": "2026-03-02",
            "activity-place": "东湖街道会议室",
            "activity-participants": "25",
            "activity-minutes": "与会代表意见纪要。",
        },
        prefix="activity",
    )
    assert response.status_code == 302
    page = text(officer_client.get(f"/consultations/{running.id}"))
    assert "东湖街道会议室" in page
    assert "25 participants" in page


def test_a_document_added_on_the_management_page_must_match_its_content(
    world, running, officer_client, db
):
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/documents",
        {"doc-document": (io.BytesIO(PDF), "附件.docx")},
        prefix="doc",
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "does not match" in field_error(text(response), "doc-document")
    response = post(
        officer_client,
        f"/manage/consultations/{running.id}/documents",
        {"doc-document": (io.BytesIO(PDF), "附件.pdf")},
        prefix="doc",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(db, ConsultationDocument) == 1


def test_adding_no_file_asks_for_one(world, running, officer_client, db):
    response = post(
        officer_client, f"/manage/consultations/{running.id}/documents", {}, prefix="doc"
    )
    assert response.status_code == 422
    assert "Choose a file" in text(response)


# --- who may use the staff routes ---------------------------------------------------------


class Scene:
    """An open consultation of the lead department with a comment (with a PDF attachment),
    a hidden comment, and a scheduled consultation that may still be deleted."""

    def __init__(self, world, db):
        self.world = world
        self.consultation = make_consultation(world.matter, NOW)
        self.scheduled = make_consultation(world.matter, NOW + 5 * DAY, title="尚未开始的征求")
        self.comment = submit(self.consultation, attachment=("意见.pdf", PDF))
        self.hidden = submit(self.consultation, body="这条意见含有广告内容，已被屏蔽。")
        comment_services.hide_comment(self.hidden, "spam", actor=SYSTEM)
        db.session.commit()
        self.ids = {
            "matter": world.matter.id,
            "c": self.consultation.id,
            "scheduled": self.scheduled.id,
            "comment": self.comment.id,
            "hidden": self.hidden.id,
            "closes_at": self.consultation.closes_at,
        }


def _state(db, model, *criteria):
    return lambda ids: count(db, model, *criteria)


STAFF_ROUTES = {
    "new consultation form": ("GET", "/manage/matters/{matter}/consultations/new", None, "", 200),
    "create consultation": (
        "POST",
        "/manage/matters/{matter}/consultations/new",
        lambda ids: new_form(NOW + HOUR, NOW + 40 * DAY),
        "",
        302,
    ),
    "management page": ("GET", "/manage/consultations/{c}", None, "", 200),
    "change closing": (
        "POST",
        "/manage/consultations/{c}/closing",
        lambda ids: {
            "closing-closes_at": local_input(ids["closes_at"] + 5 * DAY),
            "closing-reason": "延长五天。",
        },
        "closing",
        302,
    ),
    "record activity": (
        "POST",
        "/manage/consultations/{c}/activities",
        lambda ids: {
            "activity-kind": "hearing",
            "activity-held_on": "2026-03-02",
            "activity-place": "区政府听证室",
            "activity-participants": "12",
        },
        "activity",
        302,
    ),
    "offline comment": (
        "POST",
        "/manage/consultations/{c}/offline-comments",
        lambda ids: {
            "offline-source": "hotline",
            "offline-received_at": local_input(NOW),
            "offline-author_name": "来电市民",
            "offline-body": "来电建议：增设路灯照明设施。",
        },
        "offline",
        302,
    ),
    "add document": (
        "POST",
        "/manage/consultations/{c}/documents",
        lambda ids: {"doc-document": (io.BytesIO(PDF), "补充材料.pdf")},
        "doc",
        302,
    ),
    "delete scheduled": ("POST", "/manage/consultations/{scheduled}/delete", dict, "delete", 302),
    "hide comment": (
        "POST",
        "/manage/comments/{comment}/hide",
        lambda ids: {"hide-reason": "off_topic", "hide-note": ""},
        "hide",
        302,
    ),
    "publish comment": ("POST", "/manage/comments/{hidden}/publish", dict, "delete", 302),
    "comment attachment": ("GET", "/manage/comments/{comment}/attachment", None, "", 200),
}


def _snapshot(db, ids) -> tuple:
    db.session.expire_all()
    return (
        count(db, Consultation),
        db.session.get(Consultation, ids["c"]).closes_at,
        count(db, OfflineActivity),
        count(db, Comment),
        count(db, ConsultationDocument),
        db.session.get(Comment, ids["comment"]).status,
        db.session.get(Comment, ids["hidden"]).status,
    )


@pytest.mark.parametrize("route", list(STAFF_ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_staff_routes_are_for_the_lead_department_and_the_government_office(
    world, client, db, role, route
):
    scene = Scene(world, db)
    method, pattern, data, prefix, success = STAFF_ROUTES[route]
    url = pattern.format(**scene.ids)
    login(client, world.users[role])
    before = _snapshot(db, scene.ids)
    if method == "GET":
        response = client.get(url)
    else:
        multipart = route == "add document"
        response = post(
            client,
            url,
            data(scene.ids),
            prefix=prefix,
            content_type="multipart/form-data" if multipart else None,
        )
    after = _snapshot(db, scene.ids)
    if role == "anonymous":
        assert is_login_redirect(response)
    elif role in STAFF_OF_DEPARTMENT:
        assert response.status_code == success, text(response)[:3000]
        if method == "POST":
            assert after != before
        if route == "comment attachment":
            assert response.data == PDF
            assert response.headers["Content-Disposition"].startswith("attachment")
            response.close()
    else:
        # Another department's officer is told "not found" for a comment's attachment (it
        # does not confirm the file exists); everywhere else 403.
        expected = 404 if (role == "other_officer" and route == "comment attachment") else 403
        assert response.status_code == expected
        assert after == before


def test_the_staff_page_shows_every_comment_including_hidden_ones_with_contacts(world, client, db):
    scene = Scene(world, db)
    login(client, world.users["own_officer"])
    english(client)
    page = text(client.get(f"/manage/consultations/{scene.consultation.id}"))
    assert scene.comment.receipt in page
    assert scene.hidden.receipt in page
    assert "Withheld" in page and "Spam or advertising" in page
    assert "Restore" in page


def test_the_draft_shows_each_item_of_a_clause_on_its_own_line(client, world, db, clock):
    draft = (
        "为规范管理，制定本办法。\n"
        "第一条 改造内容分为三类：（一）基础类<b>管线</b>；(二)完善类；（三）提升类。\n"
        "第二条 办理步骤：1. 提交材料；2. 受理审查。"
    )
    c = make_consultation(world.matter, clock.now, draft=draft)
    db.session.commit()
    page = text(client.get(f"/consultations/{c.id}"))
    clause = page[page.index('id="clause-1"') : page.index('id="clause-2"')]
    assert (
        '<p>改造内容分为三类：</p><p class="clause-item">（一）基础类&lt;b&gt;管线&lt;/b&gt;；</p>'
        in (clause)
    )
    assert (
        '<p class="clause-item">(二)完善类；</p><p class="clause-item">（三）提升类。</p>' in clause
    )
    second = page[page.index('id="clause-2"') :]
    assert (
        '<p class="clause-item">1. 提交材料；</p><p class="clause-item">2. 受理审查。</p>' in second
    )
    # The stored text is unchanged.
    assert (
        c.clauses[0].text == "改造内容分为三类：（一）基础类<b>管线</b>；(二)完善类；（三）提升类。"
    )


def test_a_page_given_back_a_form_it_does_not_show_refuses_the_mistake():
    from consult.core.forms import sent_back

    with pytest.raises(TypeError, match="no form named bulk"):
        sent_back({"bulk": object()}, ("bulk_form", "assign_form"))
    kept = {"bulk_form": object()}
    assert sent_back(kept, ("bulk_form", "assign_form")) is kept
