"""Atom feeds (consultations, feedback, meetings) and the cache validators on the public lists:
valid Atom 1.0 with the expected entries and nothing private, ETag / Last-Modified on every
answer, and 304 Not Modified for a client whose copy is current."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.consultations import services as consultation_services
from consult.core import files
from consult.core.i18n import to_traditional
from consult.feedback.models import FeedbackReport
from consult.feedback.models import ReportStatus
from consult.site import feeds
from consult.site import freshness
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import IP
from tests.helpers import NOW
from tests.helpers import PHONE
from tests.helpers import assert_no_private
from tests.helpers import login
from tests.helpers import make_consultation

A = "{http://www.w3.org/2005/Atom}"
FEEDS = ("consultations", "feedback", "meetings")
TAG = re.compile(r"^tag:[a-z0-9.-]+,2026:[\w/.-]+$")


def parse_time(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def fetch(client, name: str, **kwargs):
    response = client.get(f"/feeds/{name}.atom", **kwargs)
    assert response.status_code == 200
    return response


def entries(client, name: str) -> dict[str, ET.Element]:
    root = ET.fromstring(fetch(client, name).data)
    return {e.findtext(f"{A}id"): e for e in root.findall(f"{A}entry")}


def key(entry_id: str) -> str:
    return entry_id.split(":", 2)[2]


def links(element: ET.Element, rel: str) -> list[ET.Element]:
    return [link for link in element.findall(f"{A}link") if link.get("rel", "alternate") == rel]


# --- Atom 1.0 ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FEEDS)
def test_feed_is_valid_atom(client, district, name):
    response = fetch(client, name)
    assert response.mimetype == "application/atom+xml"
    assert response.data.startswith(b"<?xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    assert TAG.match(root.findtext(f"{A}id"))
    assert root.findtext(f"{A}title")
    feed_updated = parse_time(root.findtext(f"{A}updated"))
    (self_link,) = links(root, "self")
    assert self_link.get("href") == f"http://localhost/feeds/{name}.atom"
    assert self_link.get("type") == "application/atom+xml"
    assert links(root, "alternate")
    assert root.find(f"{A}author/{A}name").text  # feed-level author covers every entry
    found = root.findall(f"{A}entry")
    assert found
    ids = [e.findtext(f"{A}id") for e in found]
    assert len(ids) == len(set(ids))
    updated = [parse_time(e.findtext(f"{A}updated")) for e in found]
    assert updated == sorted(updated, reverse=True)  # newest first
    assert feed_updated == max(updated)
    for e in found:
        assert TAG.match(e.findtext(f"{A}id"))
        assert e.findtext(f"{A}title")
        (alternate,) = links(e, "alternate")
        assert alternate.get("href").startswith("http://localhost/")
        summary = e.find(f"{A}summary")
        assert summary is not None and summary.get("type") == "text" and summary.text
    assert_no_private(response.get_data(as_text=True), district, f"{name}.atom")


def test_consultations_feed_lists_those_that_have_opened(client, district):
    c = district.consultations
    found = entries(client, "consultations")
    # Newest opening first; C is only scheduled, so not in the feed yet.
    assert [key(i) for i in found] == [
        f"consultations/{c['b'].id}",
        f"consultations/{c['d'].id}",
        f"consultations/{c['a'].id}",
    ]
    b = next(e for i, e in found.items() if key(i) == f"consultations/{c['b'].id}")
    assert b.findtext(f"{A}title") == c["b"].title
    assert links(b, "alternate")[0].get("href") == f"http://localhost/consultations/{c['b'].id}"
    assert parse_time(b.findtext(f"{A}published")) == c["b"].opens_at
    assert "东湖区住房和城乡建设局" in b.findtext(f"{A}summary")


def test_feedback_feed_lists_published_feedback_with_the_report(client, district, frozen):
    c = district.consultations
    found = entries(client, "feedback")
    assert {key(i) for i in found} == {f"feedback/{c['a'].id}"}  # D's is not published
    (entry,) = found.values()
    assert links(entry, "alternate")[0].get("href").endswith(f"/consultations/{c['a'].id}#feedback")
    assert entry.findtext(f"{A}summary") == "根据意见增设非机动车停放区。"
    assert links(entry, "related") == []  # the report is still being rendered

    frozen(NOW + HOUR)
    ready = _make_ready(c["a"])
    (entry,) = entries(client, "feedback").values()
    (related,) = links(entry, "related")
    assert related.get("type") == "application/pdf"
    assert (
        related.get("href")
        == f"http://localhost/consultations/{c['a'].id}/reports/{ready.version}.pdf"
    )
    assert parse_time(entry.findtext(f"{A}updated")) == NOW + HOUR
    pdf = client.get(related.get("href").removeprefix("http://localhost"))
    pdf.close()  # send_file's open file
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def _make_ready(consultation) -> FeedbackReport:
    from consult.extensions import db

    report = db.session.query(FeedbackReport).filter_by(consultation_id=consultation.id).one()
    data = b"%PDF-1.4\n%%EOF\n"
    stored = consultation_services.store_file(
        files.CheckedFile(
            filename="feedback.pdf", kind=files.KIND_PDF, content_type="application/pdf", data=data
        )
    )
    report.file, report.sha256 = stored, stored.sha256
    report.status, report.finished_at, report.pages = ReportStatus.READY.value, NOW + HOUR, 1
    db.session.commit()
    return report


def test_meetings_feed_lists_scheduled_meetings_and_outcomes(client, district):
    m = district.meetings
    found = entries(client, "meetings")
    assert {key(i) for i in found} == {
        f"meetings/{m['m1'].id}",
        f"meetings/{m['m2'].id}",
        f"meetings/{m['m3'].id}",
        f"meetings/{m['m1'].id}/outcome",
    }
    outcome = next(e for i, e in found.items() if key(i).endswith("/outcome"))
    assert outcome.findtext(f"{A}summary") == "会议原则通过老旧小区停车设施改造方案。"
    assert links(outcome, "alternate")[0].get("href").endswith(f"/meetings/{m['m1'].id}#outcome")
    scheduled = next(e for i, e in found.items() if key(i) == f"meetings/{m['m2'].id}")
    summary = scheduled.findtext(f"{A}summary")
    assert "区政府三楼会议室" in summary and "1. 中小学学区划分调整" in summary


def test_entry_ids_do_not_change_with_the_content(client, district, frozen):
    before = set(entries(client, "consultations"))
    frozen(NOW + DAY)
    consultation_services.change_closing(
        district.consultations["b"], NOW + 40 * DAY, "应群众要求延长", actor=SYSTEM
    )
    after = entries(client, "consultations")
    assert set(after) == before
    b = next(
        e for i, e in after.items() if key(i) == f"consultations/{district.consultations['b'].id}"
    )
    assert parse_time(b.findtext(f"{A}updated")) == NOW + DAY


def test_traditional_chinese_feed_is_converted(client, district):
    client.set_cookie("lang", "zh_Hant")
    response = fetch(client, "consultations")
    root = ET.fromstring(response.data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hant"
    titles = [e.findtext(f"{A}title") for e in root.findall(f"{A}entry")]
    assert to_traditional(district.consultations["b"].title) in titles
    assert district.consultations["b"].title not in titles


def test_text_that_xml_cannot_hold_is_dropped():
    assert feeds._clean("会议\x0b室\x00一") == "会议室一"
    assert feeds._excerpt("a" * 500, 10) == "a" * 9 + "…"


def test_pages_announce_the_feeds(client, district):
    page = client.get("/").get_data(as_text=True)
    for name in FEEDS:
        assert re.search(
            rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
            rf'href="/feeds/{name}\.atom">',
            page,
        )


# --- conditional GET ---------------------------------------------------------------------

LISTS = [
    "/feeds/consultations.atom",
    "/feeds/feedback.atom",
    "/feeds/meetings.atom",
    "/catalogue/2026",
    "/consultations",
    "/consultations?status=closed",
    "/meetings",
    "/open-data",
    "/api/v1/decisions",
    "/api/v1/consultations",
    "/api/v1/consultations/{a}/comments",
    "/api/v1/consultations/{a}/reports",
    "/api/v1/meetings",
    "/api/v1/representatives",
]


def _url(url: str, district) -> str:
    return url.format(a=district.consultations["a"].id)


@pytest.mark.parametrize("url", LISTS)
def test_public_lists_answer_304_when_unchanged(client, district, url):
    url = _url(url, district)
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag and first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.data == first.data


@pytest.mark.parametrize(
    "url", ["/consultations", "/feeds/consultations.atom", "/api/v1/consultations"]
)
def test_a_change_makes_the_old_copy_stale(client, district, frozen, url):
    first = client.get(url)
    frozen(NOW + HOUR // 2)
    make_consultation(district.matters["waste"], NOW + HOUR // 2, title="关于新事项的公开征求意见")
    from consult.extensions import db

    db.session.commit()
    headers = {
        "If-None-Match": first.headers["ETag"],
        "If-Modified-Since": first.headers["Last-Modified"],
    }
    changed = client.get(url, headers=headers)
    assert changed.status_code == 200
    text = changed.get_data(as_text=True)
    if changed.is_json:
        text = json.dumps(changed.get_json(), ensure_ascii=False)
    assert "关于新事项的公开征求意见" in text
    assert parse_http(changed.headers["Last-Modified"]) > parse_http(first.headers["Last-Modified"])


def test_a_comment_changes_the_consultation_list(client, district, frozen):
    url = f"/api/v1/consultations/{district.consultations['b'].id}/comments"
    first = client.get(url)
    frozen(NOW + HOUR)
    comment_services.submit_comment(
        district.consultations["b"],
        {
            "author_name": "市民",
            "show_name": True,
            "contact": PHONE,
            "body": "建议增加学位供给，缓解入学压力。",
            "clause": None,
            "consent": True,
        },
        ip=IP,
    )
    changed = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert (
        changed.status_code == 200 and changed.get_json()["total"] == first.get_json()["total"] + 1
    )


def test_the_clock_alone_can_make_a_list_stale(client, district, frozen):
    """ "N days M hours left" steps every hour before closing, and the status flips at the
    closing time: If-Modified-Since must not keep the old page."""
    first = client.get("/api/v1/consultations")
    frozen(NOW + HOUR + timedelta(minutes=1))
    later = client.get(
        "/api/v1/consultations", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert later.status_code == 200
    assert later.get_json() != first.get_json()


def test_countdown_tick():
    closes = datetime(2026, 3, 31, 2, 30, tzinfo=UTC)
    now = datetime(2026, 3, 2, 4, 10, tzinfo=UTC)
    assert freshness.countdown_tick([closes], now) == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    assert freshness.countdown_tick([closes], closes) is None


def test_etag_depends_on_language_and_login(client, district, create_user):
    zh = client.get("/consultations").headers["ETag"]
    client.set_cookie("lang", "en")
    en = client.get("/consultations")
    assert en.headers["ETag"] != zh
    assert client.get("/consultations", headers={"If-None-Match": zh}).status_code == 200
    client.delete_cookie("lang")
    login(client, create_user("resident"))
    mine = client.get("/consultations")
    assert mine.status_code == 200 and "ETag" not in mine.headers
    assert "Last-Modified" not in mine.headers
    assert client.get("/consultations", headers={"If-None-Match": zh}).status_code == 200


def test_api_etag_is_private_for_token_holders(client, district):
    from consult.accounts import services as accounts
    from consult.extensions import db

    _, secret = accounts.issue_token(district.admin, "t", actor=SYSTEM)
    db.session.commit()
    anonymous = client.get("/api/v1/decisions")
    staff = client.get("/api/v1/decisions", headers={"Authorization": f"Bearer {secret}"})
    assert staff.headers["ETag"] != anonymous.headers["ETag"]
    assert "private" in staff.headers["Cache-Control"]
    assert "Authorization" in staff.headers["Vary"]


def parse_http(value: str) -> datetime:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(value)


# --- addresses ------------------------------------------------------------------------------

FORGED = {"Host": "evil.example"}


@pytest.mark.parametrize("name", FEEDS)
def test_feeds_link_to_the_public_url_whatever_host_the_request_names(
    client, district, frozen, app, monkeypatch, name
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example/portal")
    frozen(NOW + HOUR)
    _make_ready(district.consultations["a"])  # the feedback feed then links its PDF
    response = client.get(f"/feeds/{name}.atom", headers=FORGED)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "evil" not in text
    root = ET.fromstring(response.data)
    hrefs = [link.get("href") for link in root.iter(f"{A}link")]
    assert len(hrefs) > 2
    assert all(h.startswith("https://consult.donghu.example/portal/") for h in hrefs), hrefs
    ids = [e.text for e in root.iter(f"{A}id")]
    assert all(i.startswith("tag:consult.donghu.example,2026:") for i in ids), ids


@pytest.mark.parametrize("path", ["/calendar/meetings.ics", "/calendar/consultations.ics"])
def test_calendars_link_to_the_public_url_whatever_host_the_request_names(
    client, district, app, monkeypatch, path
):
    from icalendar import Calendar

    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://consult.donghu.example")
    response = client.get(path, headers=FORGED)
    assert response.status_code == 200
    assert b"evil" not in response.data
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert events
    for event in events:
        assert str(event["url"]).startswith("https://consult.donghu.example/")
        assert str(event["uid"]).endswith("@consult.donghu.example")
