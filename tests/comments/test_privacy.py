"""Rule 6: private data — contact details and submitters' IP addresses — never reaches a
public page, the API, an export, a feed or a PDF. Nor does a name its author chose not to
show, nor the text of a comment withheld because it contains personal data.

The comments below carry distinctive private values; then every public page, every public
API response and every export is rendered, in zh-Hans, zh-Hant and English, and searched."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.accounts.models import SYSTEM
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup
from consult.consultations import services as consultation_services
from consult.core.i18n import to_traditional
from consult.extensions import db as _db
from tests.helpers import DAY
from tests.helpers import HOUR
from tests.helpers import NOW
from tests.helpers import make_consultation
from tests.helpers import new_client
from tests.helpers import post
from tests.helpers import submit
from tests.helpers import web_comment

# Uploaded files go to a folder of each test's own.
pytestmark = pytest.mark.usefixtures("files_in_tmp")

LATER = NOW + timedelta(days=40)  # "today" in these tests: the first consultation has closed

PHONE = "13912345678"
EMAIL = "secret-contact@example.com"
OFFLINE_EMAIL = "letter-writer-private@example.org"
CLOSED_PHONE = "13512349876"
RECEIVED_PHONE = "0791-88887777"
IPV4 = "203.0.113.77"
IPV6 = "2001:db8::dead:beef"
SERVICE_IP = "198.51.100.23"
CLOSED_IP = "192.0.2.188"
HIDDEN_NAME = "隐名居民甲乙"
WITHHELD_TEXT = "我家住在东湖路88号3栋502室，电话是邻居的"

PRIVATE = [
    PHONE,
    EMAIL,
    OFFLINE_EMAIL,
    CLOSED_PHONE,
    RECEIVED_PHONE,
    IPV4,
    IPV6,
    SERVICE_IP,
    CLOSED_IP,
    HIDDEN_NAME,
    to_traditional(HIDDEN_NAME),
    WITHHELD_TEXT,
    to_traditional(WITHHELD_TEXT),
]
LANGUAGES = [None, "zh_Hant", "en"]  # None: the default, zh-Hans


class District:
    """A closed consultation (comments with private data), an open one (comments from the
    web form, the API, the service, offline entry; one hidden, one awaiting moderation) and
    a scheduled one."""

    def __init__(self, app, world, clock, monkeypatch):
        self.world = world
        browser = new_client(app)
        # The first consultation opens now and has closed by LATER.
        self.closed = make_consultation(world.other_matter, NOW, title="学区划分调整征求意见")
        clock.set(NOW + DAY)
        self.closed_comment = submit(
            self.closed, contact=CLOSED_PHONE, ip=CLOSED_IP, body="建议公开学区划分的具体依据。"
        )
        _db.session.commit()

        clock.set(LATER)
        self.open = make_consultation(world.matter, LATER, title="停车设施改造征求意见")
        self.scheduled = make_consultation(
            world.matter, LATER + 3 * DAY, title="第二轮停车设施征求意见"
        )
        _db.session.commit()

        # From the web form, anonymously shown, with a phone number, from an IPv4 address.
        response = post(
            browser,
            f"/consultations/{self.open.id}/comments",
            web_comment(
                author_name=HIDDEN_NAME,
                show_name=None,
                contact=PHONE,
                clause="1",
                body="建议在东门增设非机动车停放区。",
            ),
            environ_base={"REMOTE_ADDR": IPV4},
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        # From the API, named, with an email address, from an IPv6 address.
        response = browser.post(
            f"/api/v1/consultations/{self.open.id}/comments",
            json={
                "author_name": "公开署名的王五",
                "show_name": True,
                "contact": EMAIL,
                "body": "建议改造期间设置临时停车点。",
                "consent": True,
            },
            environ_base={"REMOTE_ADDR": IPV6},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        # A copy of it (the two make a duplicate group), with a private phone number.
        self.copy = submit(
            self.open, body="建议改造期间设置临时停车点。", contact=PHONE, show_name=False
        )
        # Withheld because it contains personal data.
        self.hidden = submit(
            self.open, body=WITHHELD_TEXT + "，请尽快处理。", contact=PHONE, ip=SERVICE_IP
        )
        comment_services.hide_comment(self.hidden, "personal_data", actor=SYSTEM)
        # Awaiting pre-moderation.
        monkeypatch.setitem(app.config, "COMMENTS_PREMODERATED", True)
        self.received = submit(
            self.open, body="待审核的一条意见：希望增加夜间照明。", contact=RECEIVED_PHONE
        )
        monkeypatch.setitem(app.config, "COMMENTS_PREMODERATED", False)
        # Entered by staff from a letter.
        clock.set(LATER + HOUR)
        self.letter = comment_services.enter_offline_comment(
            self.open,
            {
                "source": "letter",
                "received_at": LATER + HOUR,
                "author_name": HIDDEN_NAME,
                "show_name": False,
                "contact": OFFLINE_EMAIL,
                "body": "来信建议：改造前公示施工方案。",
            },
            actor=world.users["own_officer"],
        )
        _db.session.commit()

    @property
    def consultations(self):
        return [self.closed, self.open, self.scheduled]

    @property
    def groups(self) -> list[tuple[int, int]]:
        return _db.session.execute(
            sa.select(DuplicateGroup.consultation_id, DuplicateGroup.id)
        ).all()

    @property
    def receipts(self) -> list[str]:
        return list(_db.session.scalars(sa.select(Comment.receipt).order_by(Comment.id)))

    def public_pages(self) -> dict[str, list[str]]:
        """Public URLs by the endpoint that serves them."""
        c_ids = [c.id for c in self.consultations]
        matters = [self.world.matter.id, self.world.other_matter.id]
        receipts = self.receipts
        return {
            "site.home": ["/"],
            "site.health": ["/healthz"],
            "catalogue.index": ["/catalogue", "/catalogue?q=停车"],
            "catalogue.year": ["/catalogue/2026", "/catalogue/2026?status=consulting"],
            "catalogue.search": [
                "/catalogue/search",
                "/catalogue/search?q=停车",
                "/catalogue/search?q=停車位&year=2026",
            ],
            "catalogue.year_csv": ["/catalogue/2026.csv"],
            "catalogue.year_json": ["/catalogue/2026.json"],
            "catalogue.matter": [f"/matters/{m}" for m in matters],
            "consultations.index": [
                "/consultations",
                "/consultations?status=open",
                "/consultations?status=scheduled",
                "/consultations?status=closed",
            ],
            "consultations.detail": [f"/consultations/{c}" for c in c_ids]
            + [f"/consultations/{self.open.id}?clause=1"],
            "comments.lookup": ["/receipts"] + [f"/receipts?number={r.lower()}" for r in receipts],
            "comments.receipt": [f"/receipts/{r}" for r in receipts],
            "accounts.login": ["/login"],
            "api.list_consultations": [
                "/api/v1/consultations",
                "/api/v1/consultations?status=open",
                "/api/v1/consultations?status=scheduled",
                "/api/v1/consultations?status=closed",
                "/api/v1/consultations?status=feedback_published",
            ],
            "api.get_consultation": [f"/api/v1/consultations/{c}" for c in c_ids],
            "api.list_comments": [f"/api/v1/consultations/{c}/comments" for c in c_ids]
            + [f"/api/v1/consultations/{c}/comments?group={g}" for c, g in self.groups],
            "consultations.group": [f"/consultations/{c}/groups/{g}" for c, g in self.groups],
            "api.get_receipt": [f"/api/v1/receipts/{r}" for r in receipts],
            "api.list_decisions": ["/api/v1/decisions", "/api/v1/decisions?q=停车"],
            "api.get_decision": [f"/api/v1/decisions/{m}" for m in matters],
            "api.list_reports": [f"/api/v1/consultations/{c}/reports" for c in c_ids],
            "calendars.consultations": ["/calendar/consultations.ics"],
            "feeds.consultations": ["/feeds/consultations.atom"],
            "feeds.feedback": ["/feeds/feedback.atom"],
            # Questions on decisions have a privacy test of their own
            # (tests/interpretation/test_interpretation_views.py); here the comments' data.
            "feeds.interpretations": ["/feeds/interpretations.atom"],
            "api.list_questions": [f"/api/v1/decisions/{m}/questions" for m in matters],
            "api.get_question": ["/api/v1/questions/WD-2026-AAAA-AAAA"],
            "opendata.index": ["/open-data"],
            "opendata.download": [
                f"/open-data/{name}.{fmt}"
                for name in (
                    "catalogue",
                    "consultations",
                    "comments",
                    "interpretations",
                    "questions",
                    "responsiveness",
                )
                for fmt in ("csv", "json")
            ]
            + [
                f"/open-data/comments.{fmt}?consultation={c}"
                for c in c_ids
                for fmt in ("csv", "json")
            ],
            "api.openapi": ["/api/v1/openapi.json"],
        }


# Endpoints that serve nothing from the database (or only files staff uploaded as public
# documents), or that need a login; the check below makes sure no public page is forgotten.
NOT_PUBLIC_PAGES = {
    "static",
    "site.set_language",
    "site.set_care_mode",
    "accounts.forgot_password",  # a form, nothing from the database
    "accounts.reset_password",  # shows its holder's own address, behind the mailed token
    "consultations.document",
    "feedback.report_pdf",  # covered by the test with published feedback
    "feedback.revised_draft",
    "api.report_pdf",
}


# The parts of the site that show consultations, comments and their exports. Other domains
# (the representative pool, meetings, subscriptions) show no comment data and have privacy
# tests of their own.
COMMENT_BLUEPRINTS = {"site", "catalogue", "consultations", "comments", "feedback", "feeds"}
COMMENT_BLUEPRINTS |= {"opendata", "api", "accounts", "meetings"}
OTHER_DOMAINS = (
    "/meetings",
    "/my/",
    "/representatives",
    "/calendar/meetings",
    "/feeds/meetings",
    "/api/v1/meetings",
    "/api/v1/representatives",
)


def _get_public_rules(app) -> set[str]:
    """Public GET endpoints of the parts of the site that may show comment data."""
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.split(".")[0] not in COMMENT_BLUEPRINTS:
            continue
        if rule.rule.startswith(("/manage", "/admin", "/account", *OTHER_DOMAINS)):
            continue
        endpoints.add(rule.endpoint)
    return endpoints - NOT_PUBLIC_PAGES


def assert_nothing_private(url: str, body: str) -> None:
    leaked = [value for value in PRIVATE if value in body]
    assert not leaked, f"{url} shows private data: {leaked}"


@pytest.fixture
def district(app, world, db, clock, monkeypatch) -> District:
    return District(app, world, clock, monkeypatch)


def test_the_district_really_holds_the_private_values(district, db):
    """(Otherwise the searches below would prove nothing.)"""
    stored = {
        (c.contact, c.submitter_ip, c.author_name, c.show_name)
        for c in db.session.scalars(sa.select(Comment))
    }
    assert (PHONE, IPV4, HIDDEN_NAME, False) in stored
    assert (EMAIL, IPV6, "公开署名的王五", True) in stored
    assert (CLOSED_PHONE, CLOSED_IP, "张三", True) in stored
    assert (OFFLINE_EMAIL, None, HIDDEN_NAME, False) in stored
    assert district.hidden.submitter_ip == SERVICE_IP
    assert len(district.groups) == 1  # the group page is searched too
    assert district.received.contact == RECEIVED_PHONE


def test_the_list_of_public_pages_covers_every_public_endpoint(app, district):
    assert _get_public_rules(app) <= set(district.public_pages())


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_api_response_or_export_shows_private_data(app, district, db, language):
    visitor = new_client(app)
    if language:
        visitor.set_cookie("lang", language)
    seen = 0
    for urls in district.public_pages().values():
        for url in urls:
            response = visitor.get(url, follow_redirects=True)
            assert response.status_code in (200, 404), (url, response.status_code)
            body = response.get_data(as_text=True)
            assert_nothing_private(url, body)
            if response.is_json:
                # also after JSON unescaping (e.g. \u escapes of non-ASCII text)
                assert_nothing_private(url, json.dumps(response.get_json(), ensure_ascii=False))
            seen += response.status_code == 200
    assert seen > 40
    # The public pages do show the public parts of the same comments.
    page = visitor.get(f"/consultations/{district.open.id}").get_data(as_text=True)
    assert (
        "建议在东门增设非机动车停放区。" in page
        or to_traditional("建议在东门增设非机动车停放区。") in page
    )
    assert "公开署名的王五" in page or to_traditional("公开署名的王五") in page
    export = visitor.get("/open-data/comments.csv").get_data(as_text=True)
    assert district.letter.receipt in export  # the export does carry the comments


def test_staff_still_see_contacts_on_their_own_screen(app, district):
    staff = new_client(app)
    from tests.helpers import login

    login(staff, district.world.users["own_officer"])
    page = staff.get(f"/manage/consultations/{district.open.id}").get_data(as_text=True)
    assert PHONE in page and EMAIL in page and OFFLINE_EMAIL in page


def test_the_public_records_carry_no_private_keys(district, db):
    records = [comment_services.public_comment_record(c) for c in [district.letter]]
    records += [comment_services.receipt_record(c) for c in [district.letter, district.hidden]]
    records += [consultation_services.public_record(c, LATER, 3) for c in district.consultations]
    for record in records:
        text = json.dumps(record, ensure_ascii=False, default=str)
        assert_nothing_private("record", text)
        assert not {"contact_private", "submitter_ip", "ip", "email"} & set(record)


# --- after the feedback is published ---------------------------------------------------------


# consult/feedback/pdf.py calls PdfWriter.add_outline_item with positional arguments, which
# pypdf deprecates; under `filterwarnings = error` the report would fail to render.
@pytest.mark.filterwarnings(
    "ignore:Passing positional arguments to PdfWriter.add_outline_item:DeprecationWarning"
)
def test_with_published_feedback_the_page_the_api_and_the_pdf_show_nothing_private(
    app, district, db, clock
):
    """Once the answers are published every comment is listed, withheld ones included, and
    a PDF report is generated: still without any contact, IP or hidden name."""
    from consult.feedback import services as feedback

    closed = district.closed
    clock.set(closed.closes_at - HOUR)
    hidden = submit(closed, contact=EMAIL, ip=IPV6, body=WITHHELD_TEXT + "，请核实。")
    named = submit(closed, author_name=HIDDEN_NAME, show_name=False, contact=PHONE, ip=IPV4)
    comment_services.hide_comment(hidden, "personal_data", actor=SYSTEM)
    clock.set(LATER + 2 * HOUR)
    for comment in (district.closed_comment, hidden, named):
        feedback.dispose_comment(
            comment,
            {"disposition": "not_adopted", "reason": "与本事项无直接关系。"},
            actor=SYSTEM,
        )
    report = feedback.publish_feedback(closed, {"summary": "未作修改。"}, actor=SYSTEM)
    db.session.commit()
    report = feedback.render_report_now(report.id)
    assert report.status == "ready", report.error

    visitor = new_client(app)
    urls = [
        f"/consultations/{closed.id}",
        f"/api/v1/consultations/{closed.id}",
        f"/api/v1/consultations/{closed.id}/comments",
        f"/api/v1/consultations/{closed.id}/reports",
        "/api/v1/consultations?status=feedback_published",
        "/consultations?status=closed",
        f"/receipts/{hidden.receipt}",
        f"/api/v1/receipts/{named.receipt}",
        f"/matters/{district.world.other_matter.id}",
        f"/api/v1/decisions/{district.world.other_matter.id}",
    ]
    for language in LANGUAGES:
        if language:
            visitor.set_cookie("lang", language)
        for url in urls:
            response = visitor.get(url)
            assert response.status_code == 200, url
            assert_nothing_private(url, response.get_data(as_text=True))
    page = visitor.get(f"/consultations/{closed.id}").get_data(as_text=True)
    assert hidden.receipt in page  # listed, as withheld

    from pypdf import PdfReader

    pdf = visitor.get(f"/consultations/{closed.id}/reports/1.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    pdf.close()
    assert hidden.receipt in text.replace(" ", "")  # (the extraction works)
    assert_nothing_private("report PDF", text)
    assert_nothing_private("report PDF", text.replace(" ", "").replace("\n", ""))
