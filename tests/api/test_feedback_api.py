"""/api/v1 feedback: answering a comment, publishing the feedback, the report versions and
the PDF. Bearer tokens for staff; the error envelope; no private value in any response."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

import pytest
from pypdf import PdfReader

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.feedback import services
from consult.feedback.models import REPORT_STATUS_VALUES
from consult.feedback.models import FeedbackReport
from tests.helpers import BODIES
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOT_ADOPTED
from tests.helpers import NOW
from tests.helpers import api_call
from tests.helpers import count
from tests.helpers import csrf_token
from tests.helpers import hotline_comment
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import submit

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

PRIVATE = ("13912345678", "zhao@example.test", "198.51.100.7", "203.0.113.9")
REPORT_KEYS = {
    "version",
    "status",
    "requested_at",
    "finished_at",
    "sha256",
    "pages",
    "correction_note",
}


@dataclass
class Scenario:
    consultation: Consultation
    a: Comment
    b: Comment
    hotline: Comment
    hidden: Comment
    other: Comment

    @property
    def comments(self) -> list[Comment]:
        return [self.a, self.b, self.hotline, self.hidden]


@pytest.fixture
def closed(world, clock, db) -> Scenario:
    """Four comments on the department's consultation (with contact details and IPs that
    must never come out), one on another department's; the first closed an hour ago."""
    clock.set(NOW)
    c = make_consultation(world.matter, NOW)
    a = submit(c, body=BODIES["a"], clause=1, contact="13912345678")
    b = submit(c, body=BODIES["b"], ip="203.0.113.9")
    clock.set(NOW + 2 * DAY)
    hotline = hotline_comment(c)
    hidden = submit(c, body=BODIES["hidden"], contact="13912345678")
    comment_services.hide_comment(hidden, "abusive", "含侮辱性语言", actor=SYSTEM)
    other_c = make_consultation(world.other_matter, NOW + 2 * DAY)
    other = submit(other_c, body=BODIES["other"])
    db.session.commit()
    clock.set(c.closes_at + HOUR)
    return Scenario(c, a, b, hotline, hidden, other)


def answer_all(s: Scenario, db) -> None:
    services.dispose_comment(s.a, {"disposition": "adopted"}, actor=SYSTEM)
    services.dispose_comments(s.consultation, [s.b.id, s.hotline.id], NOT_ADOPTED, actor=SYSTEM)
    services.dispose_comment(
        s.hidden, {"disposition": "not_applicable", "reason": "与本办法无关。"}, actor=SYSTEM
    )
    db.session.commit()


def private_free(response):
    text = response.get_data(as_text=True)
    for value in PRIVATE:
        assert value not in text, f"{value} leaked"
    return response


def call(client, method, url, token=None, **kwargs):
    return private_free(api_call(client, method, url, token, **kwargs))


def assert_error(response, status, field=None, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "field", "message"}
    assert error["message"]
    if field is not None:
        assert error["field"] == field
    if code is not None:
        assert error["code"] == code
    return error


def dispose(client, world, comment, role="own_officer", **json):
    token = world.tokens.get(role) if role else None
    return call(client, "POST", f"/api/v1/comments/{comment.id}/disposition", token, json=json)


def publish(client, world, consultation, role="own_officer", **json):
    token = world.tokens.get(role) if role else None
    return call(
        client, "POST", f"/api/v1/consultations/{consultation.id}/feedback", token, json=json
    )


def aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None
    return moment


# --- answering a comment -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["own_officer", "admin"])
def test_the_department_answers_a_comment(closed, world, client, db, role):
    response = dispose(client, world, closed.b, role, **NOT_ADOPTED)
    assert response.status_code == 200
    body = response.get_json()
    assert body["receipt"] == closed.b.receipt
    assert body["disposition"] == "not_adopted"
    assert body["disposition_reason"] == NOT_ADOPTED["reason"]
    assert "contact" not in body and "submitter_ip" not in body
    db.session.expire_all()
    stored = db.session.get(Comment, closed.b.id)
    assert (stored.disposition, stored.disposition_reason) == ("not_adopted", NOT_ADOPTED["reason"])
    assert stored.disposed_by_id == world.users[role].id


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_adopted_needs_no_reason_through_the_api(closed, world, client, reason):
    response = dispose(client, world, closed.a, disposition="adopted", reason=reason)
    assert response.status_code == 200
    assert response.get_json()["disposition_reason"] is None


@pytest.mark.parametrize(
    ("json", "field"),
    [
        ({"disposition": "not_adopted"}, "reason"),
        ({"disposition": "partly_adopted", "reason": "   "}, "reason"),
        ({"disposition": "not_applicable", "reason": ""}, "reason"),
        ({"disposition": "rejected", "reason": "理由"}, "disposition"),
        ({"reason": "理由"}, "disposition"),
        ({"disposition": "adopted", "duplicate_of": "ZX-2026-2222-2222"}, "duplicate_of"),
    ],
)
def test_an_invalid_answer_is_a_422_on_its_field(closed, world, client, db, json, field):
    response = dispose(client, world, closed.b, **json)
    assert_error(response, 422, field=field, code="rule_violation")
    db.session.expire_all()
    assert db.session.get(Comment, closed.b.id).disposition is None


@pytest.mark.parametrize("ref", ["receipt", "id"])
def test_a_duplicate_answer_names_the_comment_it_repeats(closed, world, client, db, ref):
    target = closed.a.receipt if ref == "receipt" else closed.a.id
    response = dispose(
        client, world, closed.b, disposition="not_applicable", reason="重复。", duplicate_of=target
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Comment, closed.b.id).duplicate_of_id == closed.a.id
    response = dispose(
        client,
        world,
        closed.b,
        disposition="not_applicable",
        reason="重复。",
        duplicate_of=closed.other.receipt,
    )
    assert_error(response, 422, field="duplicate_of")


def test_an_out_of_range_duplicate_id_is_a_422(closed, world, client):
    response = dispose(
        client, world, closed.b, disposition="not_applicable", reason="重复。", duplicate_of=10**30
    )
    assert_error(response, 422, field="duplicate_of")


def test_an_answer_drafted_while_open_is_not_on_the_public_receipt(closed, world, client, clock):
    clock.set(closed.consultation.closes_at - HOUR)
    response = dispose(client, world, closed.a, disposition="not_adopted", reason="草拟理由。")
    assert response.status_code == 200
    public = client.get(f"/api/v1/receipts/{closed.a.receipt}").get_json()
    assert public["disposition"] is None and public["disposition_reason"] is None


def test_an_answer_before_the_window_opens_is_a_422(closed, world, client, clock):
    clock.set(closed.consultation.opens_at - HOUR)
    response = dispose(client, world, closed.a, disposition="adopted")
    assert_error(response, 422, code="rule_violation")


def test_another_department_may_not_answer(closed, world, client, db):
    response = dispose(client, world, closed.a, "other_officer", disposition="adopted")
    assert_error(response, 403, code="forbidden")
    db.session.expire_all()
    assert db.session.get(Comment, closed.a.id).disposition is None


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer cst_not-a-real-token"}, {"Authorization": "Basic abc"}],
    ids=["none", "unknown-token", "not-bearer"],
)
def test_answering_needs_a_staff_token(closed, client, db, headers):
    response = private_free(
        client.post(
            f"/api/v1/comments/{closed.a.id}/disposition",
            json={"disposition": "adopted"},
            headers=headers,
        )
    )
    assert_error(response, 401, code="unauthorized")
    db.session.expire_all()
    assert db.session.get(Comment, closed.a.id).disposition is None


@pytest.mark.parametrize("role", ["resident", "representative"])
def test_a_resident_or_representative_session_is_forbidden(closed, world, client, db, role):
    login(client, world.users[role])
    response = call(
        client,
        "POST",
        f"/api/v1/comments/{closed.a.id}/disposition",
        json={"disposition": "adopted"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert_error(response, 403, code="forbidden")
    # without the CSRF header a session may not write at all
    response = call(
        client, "POST", f"/api/v1/comments/{closed.a.id}/disposition", json={"adopted": 1}
    )
    assert_error(response, 400, code="csrf")


def test_the_own_officers_session_with_csrf_may_answer(closed, world, client):
    login(client, world.users["own_officer"])
    response = call(
        client,
        "POST",
        f"/api/v1/comments/{closed.a.id}/disposition",
        json={"disposition": "adopted"},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "kwargs", "status"),
    [
        ("/api/v1/comments/2147483647/disposition", {"json": {"disposition": "adopted"}}, 404),
        ("/api/v1/comments/{a}/disposition", {"data": "adopted"}, 400),
        ("/api/v1/comments/{a}/disposition", {"json": ["adopted"]}, 400),
    ],
)
def test_bad_answer_requests(closed, world, client, url, kwargs, status):
    response = call(client, "POST", url.format(a=closed.a.id), world.tokens["admin"], **kwargs)
    assert_error(response, status)


def test_after_publication_the_api_corrects_an_answer(closed, world, client, db):
    answer_all(closed, db)
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    db.session.commit()
    response = dispose(client, world, closed.a, disposition="partly_adopted", reason="更正。")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["disposition"], body["disposition_reason"]) == ("partly_adopted", "更正。")
    response = dispose(client, world, closed.a, disposition="partly_adopted", reason="")
    assert_error(response, 422, field="reason")


# --- publishing --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["own_officer", "admin"])
def test_publishing_answers_201_with_version_1(closed, world, client, db, role):
    answer_all(closed, db)
    response = publish(client, world, closed.consultation, role, summary="第二条已修改。")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == REPORT_KEYS
    assert body["version"] == 1
    assert body["status"] in REPORT_STATUS_VALUES
    assert body["correction_note"] is None
    assert aware(body["requested_at"]) == closed.consultation.closes_at + HOUR
    db.session.expire_all()
    c = db.session.get(Consultation, closed.consultation.id)
    assert c.feedback_published_at is not None and c.feedback_summary == "第二条已修改。"


def test_publishing_is_refused_while_an_answer_is_missing(closed, world, client, db):
    services.dispose_comment(closed.a, {"disposition": "adopted"}, actor=SYSTEM)
    services.dispose_comment(closed.b, NOT_ADOPTED, actor=SYSTEM)
    db.session.commit()
    response = publish(client, world, closed.consultation, summary="摘要")
    error = assert_error(response, 422, field="comments", code="feedback_incomplete")
    missing = {closed.hotline.receipt, closed.hidden.receipt}
    assert {c.receipt for c in closed.comments if c.receipt in error["message"]} == missing
    assert count(db, FeedbackReport) == 0
    db.session.expire_all()
    assert db.session.get(Consultation, closed.consultation.id).feedback_published_at is None


@pytest.mark.parametrize(
    ("json", "status", "field"),
    [
        ({}, 422, "summary"),
        ({"summary": "   "}, 422, "summary"),
        ({"summary": 42}, 422, "summary"),
        ({"summary": ["摘要"]}, 422, "summary"),
    ],
)
def test_publishing_needs_a_summary(closed, world, client, db, json, status, field):
    answer_all(closed, db)
    response = publish(client, world, closed.consultation, **json)
    assert_error(response, status, field=field)
    assert count(db, FeedbackReport) == 0


@pytest.mark.parametrize(
    ("role", "status"), [("other_officer", 403), (None, 401)], ids=["other-department", "no-token"]
)
def test_only_the_department_publishes(closed, world, client, db, role, status):
    answer_all(closed, db)
    response = publish(client, world, closed.consultation, role, summary="摘要")
    assert_error(response, status)
    assert count(db, FeedbackReport) == 0


def test_publishing_twice_is_refused(closed, world, client, db):
    answer_all(closed, db)
    assert publish(client, world, closed.consultation, summary="摘要").status_code == 201
    response = publish(client, world, closed.consultation, summary="再次发布")
    assert_error(response, 422)
    assert count(db, FeedbackReport) == 1


def test_publishing_an_unknown_consultation_is_a_404(world, client):
    assert_error(publish(client, world, Consultation(id=2147483647), summary="摘要"), 404)


# --- the reports -------------------------------------------------------------------------


def test_the_report_list_is_a_public_envelope(closed, world, client, db):
    url = f"/api/v1/consultations/{closed.consultation.id}/reports"
    response = call(client, "GET", url)
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "total": 0, "page": 1, "per_page": 1}

    answer_all(closed, db)
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    services.request_correction(closed.consultation, "更正 A 意见。", actor=SYSTEM)
    db.session.commit()
    body = call(client, "GET", url).get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 2)
    assert [(r["version"], r["correction_note"]) for r in body["items"]] == [
        (2, "更正 A 意见。"),
        (1, None),
    ]
    for item in body["items"]:
        assert set(item) == REPORT_KEYS
        assert item["status"] == "pending"
        aware(item["requested_at"])
        assert item["finished_at"] is None and item["sha256"] is None


def test_reports_of_an_unknown_consultation_are_a_404(world, client):
    assert_error(call(client, "GET", "/api/v1/consultations/2147483647/reports"), 404)


def test_no_pdf_before_a_report_is_ready(closed, world, client, db):
    url = f"/api/v1/consultations/{closed.consultation.id}/report.pdf"
    assert_error(call(client, "GET", url), 404, code="not_found")
    answer_all(closed, db)
    services.publish_feedback(closed.consultation, {"summary": "摘要"}, actor=SYSTEM)
    db.session.commit()  # version 1 requested, not rendered
    assert_error(call(client, "GET", url), 404, code="not_found")
    assert_error(call(client, "GET", "/api/v1/consultations/2147483647/report.pdf"), 404)
    assert (
        call(client, "GET", f"/consultations/{closed.consultation.id}/reports/1.pdf").status_code
        == 404
    )


def test_the_published_report_is_a_pdf(closed, world, client, db):
    """Publishing through the API renders inline (TestConfig) and the PDF is downloadable."""
    answer_all(closed, db)
    response = publish(client, world, closed.consultation, summary="第二条已修改。")
    assert response.status_code == 201
    body = response.get_json()
    db.session.expire_all()
    report = services.reports(db.session.get(Consultation, closed.consultation.id))[0]
    assert body["status"] == "ready", report.error
    assert body["sha256"] == report.sha256 and body["pages"] == report.pages >= 1
    aware(body["finished_at"])

    response = api_call(client, "GET", f"/api/v1/consultations/{closed.consultation.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    response.close()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == report.sha256
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == report.pages
    text = "".join(page.extract_text() for page in reader.pages)
    text += "".join(
        content.decode("utf-8", "replace")
        for contents in reader.attachments.values()
        for content in contents
    )
    assert closed.a.receipt in text and closed.hidden.receipt in text  # the control
    assert BODIES["hidden"] not in text  # a withheld comment's text stays out
    for value in PRIVATE:
        assert value not in text and value.encode() not in data
    listed = call(client, "GET", f"/api/v1/consultations/{closed.consultation.id}/reports")
    assert listed.get_json()["items"][0]["status"] == "ready"
    # the same version is linked, with its fingerprint, from the public consultation page
    page = call(client, "GET", f"/consultations/{closed.consultation.id}").get_data(as_text=True)
    assert f'href="/consultations/{closed.consultation.id}/reports/1.pdf"' in page
    assert report.sha256 in page
    download = client.get(f"/consultations/{closed.consultation.id}/reports/1.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.get_data()).hexdigest() == report.sha256
    download.close()
