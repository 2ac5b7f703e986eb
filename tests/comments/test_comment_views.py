"""Commenting in the browser: the window by the server's clock (also for a form loaded before
closing), what the form refuses and how it keeps what was typed, attachments, the honeypot,
receipts and their lookup, moderation as the public and the author see it, and the rate
limit."""

from __future__ import annotations

import io
import re
from urllib.parse import quote
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.core import ids
from tests.helpers import BODY
from tests.helpers import DAY
from tests.helpers import MINUTE
from tests.helpers import NOW
from tests.helpers import PDF
from tests.helpers import PNG
from tests.helpers import SECOND
from tests.helpers import close_request_body
from tests.helpers import csrf_token
from tests.helpers import english
from tests.helpers import field_error
from tests.helpers import login
from tests.helpers import make_consultation
from tests.helpers import new_client
from tests.helpers import post
from tests.helpers import submit
from tests.helpers import web_comment

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

RECEIPT = re.compile(rf"ZX-\d{{4}}-[{ids.ALPHABET}]{{4}}-[{ids.ALPHABET}]{{4}}")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def consultation(world, db):
    c = make_consultation(world.matter, NOW)
    db.session.commit()
    return c


def comment_url(c) -> str:
    return f"/consultations/{c.id}/comments"


def send(client, c, **fields):
    return post(client, comment_url(c), web_comment(**fields))


def stored_comments(db) -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Comment).order_by(Comment.id)))


# --- the window --------------------------------------------------------------------------


def test_a_comment_is_answered_with_its_receipt(consultation, client, db):
    english(client)
    response = send(client, consultation, clause="2", contact="13912345678")
    assert response.status_code == 303
    (comment,) = stored_comments(db)
    assert urlsplit(response.location).path == f"/receipts/{comment.receipt}"
    assert comment.clause.number == 2
    assert comment.contact == "13912345678"
    assert comment.submitter_ip == "127.0.0.1"
    page = text(client.get(response.location))
    assert comment.receipt in page
    assert "Thank you. Your comment has been received." in page


def test_a_comment_one_second_before_closing_is_accepted(consultation, client, clock, db):
    clock.set(consultation.closes_at - SECOND)
    assert send(client, consultation).status_code == 303
    assert stored_comments(db)[0].submitted_at == consultation.closes_at - SECOND


def test_a_comment_at_the_closing_time_is_refused_and_its_text_is_kept(
    consultation, client, clock, db
):
    english(client)
    clock.set(consultation.closes_at)
    response = send(client, consultation, body="截止时刻提交的意见，应当被拒绝。")
    assert response.status_code == 422
    html = text(response)
    assert "This consultation closed at 2026-04-01 10:00." in html
    assert "Your text was not submitted" in html
    assert "截止时刻提交的意见，应当被拒绝。" in html
    assert stored_comments(db) == []


def test_a_form_loaded_before_closing_and_sent_after_is_refused(consultation, client, clock, db):
    english(client)
    clock.set(consultation.closes_at - 2 * MINUTE)
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert 'name="body"' in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    clock.set(consultation.closes_at)  # the resident took their time
    response = client.post(
        comment_url(consultation),
        data={**web_comment(body="打开页面时仍在征求期内写下的意见。"), "csrf_token": token},
    )
    assert response.status_code == 422
    assert "Comments can no longer be submitted" in text(response)
    assert "打开页面时仍在征求期内写下的意见。" in text(response)
    assert stored_comments(db) == []


def test_a_comment_before_opening_is_refused(world, client, db):
    english(client)
    scheduled = make_consultation(world.matter, NOW + DAY)
    db.session.commit()
    response = send(client, scheduled)
    assert response.status_code == 422
    assert "Comments can be submitted from 2026-03-03 10:00" in text(response)
    assert stored_comments(db) == []


def test_a_comment_on_an_unknown_consultation_is_a_404(world, client):
    response = post(client, "/consultations/987654/comments", web_comment())
    assert response.status_code == 404


# --- what the form refuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "accepted"), [(9, False), (10, True), (5000, True), (5001, False)]
)
def test_the_body_must_have_ten_to_five_thousand_characters(
    consultation, client, db, length, accepted
):
    english(client)
    response = send(client, consultation, body="议" * length)
    if accepted:
        assert response.status_code == 303
        assert len(stored_comments(db)[0].body) == length
    else:
        assert response.status_code == 422
        assert field_error(text(response), "body")
        assert stored_comments(db) == []


def test_a_ten_thousand_character_name_gets_a_clear_error(consultation, client, db):
    english(client)
    response = send(client, consultation, author_name="名" * 10_000)
    assert response.status_code == 422
    assert field_error(text(response), "author_name")
    assert stored_comments(db) == []


def test_a_name_just_over_fifty_characters_is_refused_by_the_service(consultation, client, db):
    english(client)
    response = send(client, consultation, author_name="名" * 51)
    assert response.status_code == 422
    assert "At most 50 characters" in field_error(text(response), "author_name")


def test_consent_is_required(consultation, client, db):
    english(client)
    response = send(client, consultation, consent=None)
    assert response.status_code == 422
    assert "agree to the publication rules" in field_error(text(response), "consent")
    assert stored_comments(db) == []


def test_a_refused_form_keeps_what_was_typed(consultation, client, db):
    body = "关于第三条，建议明确征求意见的方式和期限。"
    response = send(client, consultation, body=body, author_name="李四邻", consent=None, clause="3")
    assert response.status_code == 422
    html = text(response)
    assert body in html
    assert 'value="李四邻"' in html
    assert re.search(r'<option[^>]*selected[^>]*value="3"|<option[^>]*value="3"[^>]*selected', html)


def test_an_unknown_clause_is_refused(consultation, client, db):
    response = send(client, consultation, clause="99")
    assert response.status_code == 422
    assert stored_comments(db) == []


def test_html_in_a_comment_is_shown_escaped(consultation, client, db):
    body = "<script>alert('xss')</script><b>加粗</b> 请注意安全问题。"
    assert send(client, consultation, body=body, author_name="<i>黑客</i>").status_code == 303
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert "<script>alert" not in page
    assert "<b>加粗</b>" not in page
    assert str(escape(body)) in page
    assert "<i>黑客</i>" not in page
    assert "&lt;i&gt;黑客&lt;/i&gt;" in page


def test_invalid_utf8_in_the_form_body_is_not_a_server_error(consultation, client, db):
    fields = web_comment(body=None)
    raw = (
        urlencode({**fields, "csrf_token": csrf_token(client)}).encode()
        + b"&body="
        + quote(b"\xff\xfe\xfd invalid \xc3\x28 bytes \xe4\xbd").encode()
    )
    response = client.post(
        comment_url(consultation), data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (303, 400, 422)
    for comment in stored_comments(db):
        comment.body.encode("utf-8")  # whatever was stored is valid text


def test_raw_non_utf8_bytes_in_the_form_body_are_not_a_server_error(consultation, client, db):
    raw = (
        urlencode({**web_comment(body=None), "csrf_token": csrf_token(client)}).encode()
        + b"&body="
        + "意见内容使用了GBK编码提交".encode("gbk")
    )
    response = client.post(
        comment_url(consultation), data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (303, 400, 422)


def test_a_filled_honeypot_is_refused_without_a_receipt(consultation, client, db):
    english(client)
    response = send(client, consultation, website="http://spam.example")
    assert response.status_code == 422
    assert "could not be accepted" in text(response)
    assert not RECEIPT.search(text(response))
    assert "Location" not in response.headers
    assert stored_comments(db) == []


def test_the_honeypot_is_hidden_from_people(consultation, client):
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert re.search(r'<div class="hp" aria-hidden="true">', page)
    assert re.search(r'name="website"[^>]*tabindex="-1"|tabindex="-1"[^>]*name="website"', page)


# --- attachments -------------------------------------------------------------------------


def send_with_file(client, c, filename, content, **fields):
    data = {**web_comment(**fields), "attachment": (io.BytesIO(content), filename)}
    response = post(client, comment_url(c), data, content_type="multipart/form-data")
    return close_request_body(response)


def test_a_pdf_attachment_is_accepted(consultation, client, db):
    assert send_with_file(client, consultation, "意见书.pdf", PDF).status_code == 303
    (comment,) = stored_comments(db)
    assert comment.attachment.filename == "意见书.pdf"
    assert comment.attachment.content_type == "application/pdf"


def test_a_pdf_whose_bytes_are_a_png_is_refused(consultation, client, db):
    english(client)
    response = send_with_file(client, consultation, "意见书.pdf", PNG)
    assert response.status_code == 422
    error = field_error(text(response), "attachment")
    assert "content does not match" in error
    assert "please choose it again" in error
    assert stored_comments(db) == []


def test_an_eleven_megabyte_attachment_is_refused(consultation, client, db):
    english(client)
    big = PDF + b"0" * (11 * 1024 * 1024)
    response = send_with_file(client, consultation, "意见书.pdf", big)
    assert response.status_code == 422
    assert "larger than 10 MB" in field_error(text(response), "attachment")
    assert stored_comments(db) == []


def test_a_request_larger_than_the_server_allows_is_a_413_not_a_500(consultation, client, db):
    huge = PDF + b"0" * (26 * 1024 * 1024)
    response = send_with_file(client, consultation, "意见书.pdf", huge)
    assert response.status_code == 413


# --- receipts ----------------------------------------------------------------------------


def test_the_receipt_has_the_published_format(consultation, client, db):
    response = send(client, consultation)
    receipt = urlsplit(response.location).path.rsplit("/", 1)[1]
    assert re.fullmatch(RECEIPT, receipt)
    assert receipt.startswith("ZX-2026-")


@pytest.mark.parametrize(
    "typed",
    [
        lambda r: r,
        str.lower,
        lambda r: r.replace("-", ""),
        lambda r: r.replace("-", " ").lower(),
        lambda r: f"  {r}  ",
    ],
)
def test_the_lookup_tolerates_case_spaces_and_missing_dashes(consultation, client, db, typed):
    comment = submit(consultation)
    db.session.commit()
    response = client.get("/receipts", query_string={"number": typed(comment.receipt)})
    assert response.status_code == 302
    assert urlsplit(response.location).path == f"/receipts/{comment.receipt}"
    assert client.get(f"/receipts/{quote(typed(comment.receipt).strip())}").status_code == 200


@pytest.mark.parametrize("number", ["ZX-2026-2222-3333", "ZX-2026-OOOO-1111", "hello"])
def test_an_unknown_receipt_is_a_404_page(consultation, client, number):
    english(client)
    response = client.get(f"/receipts/{number}")
    assert response.status_code == 404
    assert "No comment has this receipt number" in text(response)
    response = client.get("/receipts", query_string={"number": number})
    assert response.status_code == 404
    assert "No comment has this receipt number" in text(response)


def test_the_lookup_page_without_a_number_is_a_form(client, world):
    assert client.get("/receipts").status_code == 200


def test_the_receipt_page_shows_a_published_comment(consultation, client, db):
    english(client)
    comment = submit(consultation, clause=3)
    db.session.commit()
    page = text(client.get(f"/receipts/{comment.receipt}"))
    assert "Published" in page
    assert "第三条" in page
    assert BODY in page


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("abusive", "Abusive language"),
        ("personal_data", "Contains personal data"),
        ("spam", "Spam or advertising"),
        ("off_topic", "Off topic"),
    ],
)
def test_the_author_sees_why_a_comment_was_withheld(consultation, world, client, db, reason, label):
    comment = submit(consultation)
    comment_services.hide_comment(comment, reason, "请勿留下他人住址。", actor=SYSTEM)
    db.session.commit()
    english(client)
    page = text(client.get(f"/receipts/{comment.receipt}"))
    assert "Withheld by moderation" in page
    assert f"{label}: 请勿留下他人住址。" in page


def test_with_premoderation_the_receipt_says_received_until_published(
    app, consultation, world, client, db, monkeypatch
):
    monkeypatch.setitem(app.config, "COMMENTS_PREMODERATED", True)
    english(client)
    response = send(client, consultation, body="需要先审核才能公开的一条意见。")
    assert response.status_code == 303
    receipt = urlsplit(response.location).path.rsplit("/", 1)[1]
    assert "Received" in text(client.get(f"/receipts/{receipt}"))
    assert "需要先审核才能公开的一条意见。" not in text(
        client.get(f"/consultations/{consultation.id}")
    )
    (comment,) = stored_comments(db)
    assert comment.status == CommentStatus.RECEIVED

    staff = new_client(client.application)
    login(staff, world.users["own_officer"])
    response = post(staff, f"/manage/comments/{comment.id}/publish", prefix="delete")
    assert response.status_code == 302
    assert "Published" in text(client.get(f"/receipts/{receipt}"))
    assert "需要先审核才能公开的一条意见。" in text(client.get(f"/consultations/{consultation.id}"))


# --- moderation through the staff screens --------------------------------------------------


@pytest.mark.parametrize("reason", ["abusive", "personal_data", "spam", "off_topic"])
def test_a_hidden_comment_leaves_the_public_page_but_stays_for_staff(
    consultation, world, client, db, reason
):
    comment = submit(consultation, body="这条意见将被版主屏蔽，但不会被删除。")
    db.session.commit()
    login(client, world.users["own_officer"])
    response = post(
        client,
        f"/manage/comments/{comment.id}/hide",
        {"hide-reason": reason, "hide-note": "含有不当内容"},
        prefix="hide",
    )
    assert response.status_code == 302
    public = new_client(client.application)
    assert "这条意见将被版主屏蔽" not in text(public.get(f"/consultations/{consultation.id}"))
    api = public.get(f"/api/v1/consultations/{consultation.id}/comments").get_json()
    assert api["total"] == 0 and api["items"] == []
    assert "这条意见将被版主屏蔽" in text(client.get(f"/manage/consultations/{consultation.id}"))
    (stored,) = stored_comments(db)
    assert (stored.status, stored.hidden_reason) == ("hidden", reason)
    assert stored.hidden_by_id == world.users["own_officer"].id
    receipt = public.get(f"/api/v1/receipts/{stored.receipt}").get_json()
    assert (receipt["status"], receipt["hidden_reason"]) == ("hidden", reason)


def test_a_hide_with_an_unknown_reason_is_refused(consultation, world, client, db):
    comment = submit(consultation)
    db.session.commit()
    login(client, world.users["own_officer"])
    response = post(
        client, f"/manage/comments/{comment.id}/hide", {"hide-reason": "dislike"}, prefix="hide"
    )
    assert response.status_code == 400
    assert stored_comments(db)[0].status == CommentStatus.PUBLISHED


def test_the_moderation_form_comes_with_no_reason_chosen(consultation, world, client, db):
    submit(consultation)
    db.session.commit()
    login(client, world.users["own_officer"])
    page = text(client.get(f"/manage/consultations/{consultation.id}"))
    select = page[page.index('name="hide-reason"') :]
    select = select[: select.index("</select>")]
    first = select[select.index("<option") : select.index("</option>")]
    assert 'value=""' in first and "selected" in first
    assert select.count("selected") == 1


def test_hiding_without_choosing_a_reason_hides_nothing(consultation, world, client, db):
    comment = submit(consultation)
    db.session.commit()
    login(client, world.users["own_officer"])
    response = post(
        client, f"/manage/comments/{comment.id}/hide", {"hide-reason": ""}, prefix="hide"
    )
    assert response.status_code == 302
    assert stored_comments(db)[0].status == CommentStatus.PUBLISHED
    page = text(client.get(response.headers["Location"]))
    assert "请选择不予公开的理由" in page


def test_a_restored_comment_is_public_again(consultation, world, client, db):
    comment = submit(consultation, body="先被屏蔽、后被恢复的一条意见。")
    comment_services.hide_comment(comment, "spam", actor=SYSTEM)
    db.session.commit()
    login(client, world.users["admin"])
    response = post(client, f"/manage/comments/{comment.id}/publish", prefix="delete")
    assert response.status_code == 302
    public = new_client(client.application)
    assert "先被屏蔽、后被恢复的一条意见。" in text(public.get(f"/consultations/{consultation.id}"))


def test_duplicates_are_marked_on_the_public_page(consultation, client, db):
    english(client)
    campaign = "坚决反对在小区东侧新建立体停车库，噪音和采光问题严重影响居民生活。"
    submit(consultation, body=campaign)
    submit(consultation, body=campaign.replace("，", ","))
    submit(consultation, body=campaign.replace("坚决", "强烈"))
    db.session.commit()
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert page.count("Same text as 2 other comments") == 3


def test_the_consultation_page_lists_comments_fifty_at_a_time(consultation, client, db):
    english(client)
    for i in range(53):
        submit(consultation, body=f"第{i:03d}号意见：建议在小区东门增设临时停车泊位，编号{i:03d}。")
    db.session.commit()
    first = text(client.get(f"/consultations/{consultation.id}"))
    assert "Published comments (53)" in first
    assert first.count('class="comment"') == 50
    assert "编号000" in first and "编号049" in first and "编号050" not in first
    assert f'href="/consultations/{consultation.id}?page=2#comments-h" rel="next"' in first
    second = text(client.get(f"/consultations/{consultation.id}?page=2"))
    assert second.count('class="comment"') == 3
    assert '<ol class="comments" start="51">' in second
    assert "编号052" in second and "编号049" not in second
    # A stale link past the end shows the last page, not an empty list.
    assert (
        text(client.get(f"/consultations/{consultation.id}?page=9")).count('class="comment"') == 3
    )


def test_the_pager_on_a_refused_form_links_to_the_consultation_page(consultation, client, db):
    english(client)
    for i in range(51):
        submit(consultation, body=f"第{i:03d}号意见：建议在小区东门增设临时停车泊位。")
    db.session.commit()
    refused = send(client, consultation, body="太短")
    assert refused.status_code == 422
    assert f'href="/consultations/{consultation.id}?page=2#comments-h"' in text(refused)


# --- the rate limit ----------------------------------------------------------------------


def test_the_sixth_comment_in_a_minute_is_refused_with_429(consultation, client, db):
    for i in range(5):
        response = send(client, consultation, body=f"第{i}条意见：请在改造中保留绿化带。")
        assert response.status_code == 303
    response = send(client, consultation, body="第六条意见：超出了频率限制。")
    assert response.status_code == 429
    assert len(stored_comments(db)) == 5


def test_refused_attempts_do_not_use_up_the_comment_limit(consultation, client, db):
    for _ in range(5):
        assert send(client, consultation, body="太短").status_code == 422
    assert send(client, consultation).status_code == 303


def test_attempts_have_a_higher_limit_of_their_own(app, consultation, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_ATTEMPT_LIMIT", "3 per minute")
    for _ in range(3):
        assert send(client, consultation, body="太短").status_code == 422
    assert send(client, consultation).status_code == 429


def test_a_limited_comment_keeps_its_text_on_the_consultation_page(
    app, consultation, client, db, monkeypatch
):
    monkeypatch.setitem(app.config, "COMMENT_RATE_LIMIT", "1 per minute")
    assert send(client, consultation).status_code == 303
    typed = "第二条意见：请在施工期间保留临时停车位，并提前公告。"
    response = send(client, consultation, body=typed, author_name="李四")
    assert response.status_code == 429
    page = text(response)
    assert typed in page and 'value="李四"' in page
    assert "请等待一分钟后再次发送" in page or "wait a minute" in page
    assert 'id="comment-form"' in page  # the site's page, not a bare error
    assert len(stored_comments(db)) == 1


def test_every_field_at_fault_is_reported_at_once(consultation, client, db):
    response = send(client, consultation, body="太短", author_name="", consent="")
    assert response.status_code == 422
    page = text(response)
    for message in ("10", "姓名", "请同意公开规则"):
        assert message in page, message
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert summary.count("<li>") >= 3
    assert 'href="#body"' in summary and 'href="#author_name"' in summary
    assert 'href="#consent"' in summary
    assert (
        "autofocus"
        in page[page.index('class="error-summary"') - 80 : page.index('class="error-summary"') + 80]
    )


def test_the_form_sends_the_resident_back_to_itself(consultation, client, db):
    page = text(client.get(f"/consultations/{consultation.id}"))
    assert f'action="/consultations/{consultation.id}/comments#comment-form"' in page


def test_the_limit_is_per_address(consultation, client, db):
    for i in range(5):
        send(client, consultation, body=f"第{i}条意见：请在改造中保留绿化带。")
    response = post(
        client,
        comment_url(consultation),
        web_comment(),
        environ_base={"REMOTE_ADDR": "198.51.100.200"},
    )
    assert response.status_code == 303


def test_the_limit_follows_the_configuration(app, consultation, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_RATE_LIMIT", "2 per minute")
    assert send(client, consultation).status_code == 303
    assert send(client, consultation, body="第二条意见：请增加夜间照明。").status_code == 303
    assert send(client, consultation, body="第三条意见：超过了限制。").status_code == 429
