"""The small district of the consultation, comment, feedback, notification and API tests:
its clock, its users and departments, and how a consultation is opened and commented on.

Not a test module: the `clock` and `world` fixtures (tests/conftest.py) are built from here;
the tests import the constants and builders they use.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments import services as comment_services
from consult.consultations import services as consultation_services
from consult.core.time import now_utc

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


# --- a small district --------------------------------------------------------------------


@dataclass
class World:
    dept: Any
    other_dept: Any
    matter: Any  # published 2026 matter of `dept`, still planned
    other_matter: Any  # published 2026 matter of `other_dept`
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def build_world(db, clock, create_department, create_user, create_matter) -> World:
    """Two departments with a published matter each and one user of every role (the `world`
    fixture of tests/conftest.py), committed."""
    clock.set(NOW - 20 * DAY)
    dept = create_department("东湖区住房和城乡建设局", "住建局")
    other = create_department("东湖区教育局", "教育局")
    matter = create_matter(department=dept, year=2026, title="老旧小区停车设施改造")
    other_matter = create_matter(department=other, year=2026, title="中小学学区划分调整")
    catalogue.publish_catalogue(matter.catalogue, actor=SYSTEM)
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
        role: accounts.issue_token(user, "tests", actor=SYSTEM)[1]
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


def make_consultation(matter, opens_at=None, closes_at=None, *, actor=SYSTEM, **overrides):
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
