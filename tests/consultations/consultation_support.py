"""Shared set-up for the consultation, comment and consultation-API tests.

Not a test module: the test files import the fixtures they use from here, so the three
directories share one small district without a conftest of their own.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from consult.accounts import services as accounts
from consult.catalogue import services as catalogue
from consult.comments import services as comment_services
from consult.consultations import services as consultation_services
from consult.core.time import now_utc

PASSWORD = "correct-horse-battery"  # what tests/conftest.py's create_user sets
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Donghu (Asia/Shanghai)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
THIRTY_DAYS = timedelta(days=30)

DRAFT = """为加强老旧小区停车管理，结合本区实际，制定本办法。
第一条 本办法适用于本区行政区域内老旧小区的停车设施改造。
第二条 区住房和城乡建设局负责组织实施。
第三条 改造方案应当征求小区居民意见。
第四条 本办法自发布之日起施行。"""

BODY = "建议在小区东门增设非机动车停放区，方便居民出行。"

ROLES = ["anonymous", "resident", "representative", "own_officer", "other_officer", "admin"]
STAFF_OF_DEPARTMENT = {"own_officer", "admin"}

_CSRF = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')


# --- files -------------------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def docx_bytes() -> bytes:
    """A minimal Word document: the content-types part and word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>征求意见稿</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """A minimal OpenDocument text: an uncompressed `mimetype` entry first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
        )
    return buffer.getvalue()


# --- the client --------------------------------------------------------------------------


class FreshContextClient(FlaskClient):
    """Each request in its own application context, as on a real server.

    conftest's client runs requests inside the test's app context, so `g` (Flask-Login's
    cached user, the API actor, Babel's locale) would leak from one request into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def fresh_client(app) -> FreshContextClient:
    return FreshContextClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app, db):
    return fresh_client(app)


def close_request_body(response):
    """Werkzeug's test client spools a large request body to a temporary file that nobody
    closes (it would surface as a ResourceWarning in some later test); close it now."""
    stream = response.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return response


@pytest.fixture(autouse=True)
def _files_in_tmp(app, tmp_path, monkeypatch):
    """Uploaded files go to a folder of the test's own."""
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))


def csrf_token(client) -> str:
    """A CSRF token for this client's session, from a page that carries one."""
    response = client.get("/login")
    if response.status_code == 302:  # logged in: the header's log-out form carries one
        response = client.get("/")
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, user) -> None:
    if user is None:
        return
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def post_form(client, url: str, data: dict | None = None, *, prefix: str = "", **kwargs):
    """POST a form the way the browser does, with the CSRF token under the form's prefix."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={**(data or {}), name: csrf_token(client)}, **kwargs)


def local_input(moment: datetime) -> str:
    """An aware time as a datetime-local field value (Beijing wall clock, with seconds)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M:%S")


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else None


def english(client) -> None:
    client.set_cookie("lang", "en")


def api_call(client, method: str, url: str, token: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}) or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(url, method=method, headers=headers, **kwargs)


# --- the clock ---------------------------------------------------------------------------


class Clock:
    def __init__(self, frozen):
        self._frozen = frozen

    def set(self, at: datetime) -> datetime:
        self._frozen(at)
        return at

    def advance(self, delta: timedelta) -> datetime:
        return self.set(now_utc() + delta)

    @property
    def now(self) -> datetime:
        return now_utc()


@pytest.fixture
def clock(frozen) -> Clock:
    c = Clock(frozen)
    c.set(NOW)
    return c


# --- a small district --------------------------------------------------------------------


@dataclass
class World:
    dept: Any
    other_dept: Any
    matter: Any  # published 2026 matter of `dept`, still planned
    other_matter: Any  # published 2026 matter of `other_dept`
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


@pytest.fixture
def world(db, clock, create_department, create_user, create_matter) -> World:
    clock.set(NOW - 20 * DAY)
    dept = create_department("东湖区住房和城乡建设局", "住建局")
    other = create_department("东湖区教育局", "教育局")
    matter = create_matter(department=dept, year=2026, title="老旧小区停车设施改造")
    other_matter = create_matter(department=other, year=2026, title="中小学学区划分调整")
    catalogue.publish_catalogue(matter.catalogue, actor=None)
    clock.set(NOW)
    users = {
        "anonymous": None,
        "resident": create_user("resident"),
        "representative": create_user("representative"),
        "own_officer": create_user("officer", department=dept, display_name="住建局王科长"),
        "other_officer": create_user("officer", department=other, display_name="教育局李科长"),
        "admin": create_user("admin", display_name="区政府办公室"),
    }
    tokens = {
        role: accounts.issue_token(user, "tests", actor=None)[1]
        for role, user in users.items()
        if user is not None and user.is_staff
    }
    db.session.commit()
    return World(dept, other, matter, other_matter, users, tokens)


def consultation_data(
    opens_at: datetime | None = None, closes_at: datetime | None = None, **overrides
) -> dict:
    opens_at = opens_at or now_utc()
    return {
        "title": "关于《老旧小区停车设施改造办法（征求意见稿）》公开征求意见",
        "draft": DRAFT,
        "explanation": "起草说明：回应居民停车难问题。",
        "contact": "区住建局法规科 0791-86000000",
        "opens_at": opens_at,
        "closes_at": closes_at or opens_at + THIRTY_DAYS,
        **overrides,
    }


def make_consultation(matter, opens_at=None, closes_at=None, *, actor=None, **overrides):
    return consultation_services.open_consultation(
        matter, consultation_data(opens_at, closes_at, **overrides), actor=actor
    )


def comment_data(**overrides) -> dict:
    return {
        "author_name": "张三",
        "show_name": True,
        "contact": "",
        "body": BODY,
        "clause": None,
        "consent": True,
        **overrides,
    }


def submit(consultation, *, ip: str | None = "198.51.100.7", attachment=None, **overrides):
    return comment_services.submit_comment(
        consultation, comment_data(**overrides), ip=ip, attachment=attachment
    )


def web_comment(**overrides) -> dict:
    """The comment form as a browser fills it in (checkboxes as "y")."""
    data = {
        "clause": "",
        "body": BODY,
        "author_name": "张三",
        "show_name": "y",
        "contact": "",
        "consent": "y",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count_rows(db, model, *criteria) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria))
