"""What the tests share across folders: what they do as a browser or a reader does (take a
CSRF token, log in, post a form, choose a language, read a field's error, count and reload
rows), the test clock's constants and sample files, and the builders of the districts the
fixtures stand on (the small district of `world`, the feedback `scenario`, the meeting
district, the `district` with every kind of public record), mails read from the `outbox`.

Plain functions and constants: the fixtures live in the conftest.py files, where pytest finds
them, and are built from here."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.support import Translations
from markupsafe import escape

import consult
from consult.accounts import services as accounts
from consult.accounts.models import SYSTEM
from consult.catalogue import services as catalogue
from consult.comments import services as comments
from consult.comments.models import Comment
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.core.time import now_utc
from consult.extensions import db as _db
from consult.feedback import services as feedback
from consult.meetings import services as meetings
from consult.notifications import services as notifications
from consult.notifications.models import Subscription
from consult.representatives import services as pool

PASSWORD = "correct-horse-battery"  # what the create_user fixture sets

# Any form's token (a page with several prefixed forms names them "<prefix>-csrf_token"; the
# value is the session's, the same in all of them).
_CSRF = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')
_TRANSLATIONS = Path(consult.__file__).parent / "translations"


# --- the browser -------------------------------------------------------------------------


def csrf_token(client, url: str | None = None) -> str:
    """The session's CSRF token, read from the page at `url`; without one, from the login
    page, or the home page once logged in (its header's log-out form carries one)."""
    response = client.get(url or "/login")
    if url is None and response.status_code == 302:
        response = client.get("/")
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url or 'the page'}"
    return match.group(1)


def login(client, user, password: str = PASSWORD, *, expect: int | None = 302):
    """Sign in through the login form; nobody when `user` is None (an anonymous visitor).
    The answer must have the status `expect` (None: any, for a test that looks at it)."""
    if user is None:
        return None
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": csrf_token(client)}
    )
    if expect is not None:
        assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response


def post(
    client,
    url: str,
    data: dict | None = None,
    *,
    prefix: str = "",
    form_url: str | None = None,
    **kwargs,
):
    """POST a form the way the browser does: with the CSRF token, under the form's `prefix`,
    taken from the page at `form_url` when given."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={**(data or {}), name: csrf_token(client, form_url)}, **kwargs)


def new_client(app):
    """A second browser (each request in its own app context, see conftest)."""
    return app.test_client()


def english(client) -> None:
    client.set_cookie("lang", "en")


def zh(msgid: str, **params) -> str:
    """The compiled zh-Hans translation of a message, HTML-escaped as a page shows it."""
    text = Translations.load(str(_TRANSLATIONS), ["zh_Hans"]).gettext(msgid)
    return str(escape(text % params if params else text))


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else None


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def local_input(moment: datetime) -> str:
    """An aware time as a datetime-local field value (Beijing wall clock, with seconds)."""
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M:%S")


def close_request_body(response):
    """Werkzeug's test client spools a large request body to a temporary file that nobody
    closes (it would surface as a ResourceWarning in some later test); close it now."""
    stream = response.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return response


def api_call(client, method: str, url: str, token: str | None = None, **kwargs):
    headers = dict(kwargs.pop("headers", {}) or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.open(url, method=method, headers=headers, **kwargs)


# --- the demo, seeded once a run ----------------------------------------------------------


def demo_site(folder: Path) -> Path:
    """A copy of the 东湖区 demo, seeded today, for a site of its own: `folder`/demo.db (SQLite)
    and its stored files in `folder`/files. The browser journeys and schemathesis write to
    their site for real, each on its own copy; seeding takes seconds, a copy milliseconds, so
    the demo is seeded once for the whole run, by the first xdist worker that asks, under a
    lock the workers share (tests/conftest.py: CONSULT_TEST_RUN_DIR)."""
    run = Path(os.environ["CONSULT_TEST_RUN_DIR"])
    seeded = run / "demo"
    with open(run / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (seeded / "ready").exists():
            _seed_demo(seeded)
            (seeded / "ready").touch()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "demo.db"
    with (
        contextlib.closing(sqlite3.connect(seeded / "demo.db")) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
    shutil.copytree(seeded / "files", folder / "files", dirs_exist_ok=True)
    return target


def _seed_demo(folder: Path) -> None:
    from consult import create_app
    from consult.demo import seed_demo

    shutil.rmtree(folder, ignore_errors=True)  # a seeding that failed half-way
    folder.mkdir(parents=True)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'demo.db'}",
        STORAGE_DIR=str(folder / "files"),
        MAIL_OUTBOX=str(folder / "outbox"),
    )
    with app.app_context():
        _db.create_all()
        seed_demo()
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    (folder / "files").mkdir(exist_ok=True)


# --- the database ------------------------------------------------------------------------


def reload(db, model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def count(db, model, *criteria) -> int:
    """The rows of `model` (matching `criteria`), as the database has them now."""
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*criteria))


@contextlib.contextmanager
def fresh_database_url() -> Iterator[str]:
    """The URL of a new, empty database, removed afterwards."""
    from config import normalise_database_url

    url = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    if url.startswith("postgresql"):
        name = f"consult_test_{uuid.uuid4().hex[:12]}"
        server = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with server.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            try:
                yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
            finally:
                with server.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            server.dispose()
    else:
        folder = Path(tempfile.mkdtemp(prefix="consult-migrations-"))
        try:
            yield f"sqlite:///{folder / 'migrated.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# --- the test clock ----------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Donghu (Asia/Shanghai)
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
THIRTY_DAYS = timedelta(days=30)


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


# --- the small district of the `world` fixture --------------------------------------------
# (consultations, comments, feedback, notifications and API tests)

DRAFT = """为加强老旧小区停车管理，结合本区实际，制定本办法。
第一条 本办法适用于本区行政区域内老旧小区的停车设施改造。
第二条 区住房和城乡建设局负责组织实施。
第三条 改造方案应当征求小区居民意见。
第四条 本办法自发布之日起施行。"""

BODY = "建议在小区东门增设非机动车停放区，方便居民出行。"

ROLES = ["anonymous", "resident", "representative", "own_officer", "other_officer", "admin"]
STAFF_OF_DEPARTMENT = {"own_officer", "admin"}


class Clock:
    """The `clock` fixture: the platform's frozen clock, which a test sets and moves."""

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
    return consultations.open_consultation(
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
    return comments.submit_comment(
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


# --- the feedback scenario (the `scenario` and `closed` fixtures) ---------------------------

BODIES = {
    "a": "建议在小区东门增设非机动车停放区，方便居民出行。",
    "b": "第二条应当明确街道办事处的协调职责，避免相互推诿。",
    "dup": "坚决反对拆除小区内现有的自行车棚，请保留原有设施。",
    "hotline": "来电反映：希望改造施工期间保留临时停车位，减少对老人出行的影响。",
    "hidden": "这条意见含有侮辱性语言，内容与征求意见稿无关，应予屏蔽。",
    "other": "建议学区划分时充分考虑新建小区的入学需求。",
}
ADOPTED = {"disposition": "adopted", "reason": ""}
NOT_ADOPTED = {"disposition": "not_adopted", "reason": "与上位法规定不符，暂不采纳。"}


@dataclass
class Scenario:
    consultation: Consultation
    a: Comment
    b: Comment
    dup1: Comment
    dup2: Comment
    hotline: Comment
    hidden: Comment
    other_consultation: Consultation
    other: Comment

    @property
    def comments(self) -> list[Comment]:
        return [self.a, self.b, self.dup1, self.dup2, self.hotline, self.hidden]

    @property
    def base(self) -> str:
        """The feedback workspace's address."""
        return f"/manage/consultations/{self.consultation.id}/feedback"


def hotline_comment(consultation: Consultation) -> Comment:
    """A hotline call entered by staff, received a day after NOW, with a private email."""
    return comments.enter_offline_comment(
        consultation,
        {
            "source": "hotline",
            "received_at": NOW + DAY,
            "author_name": "来电市民",
            "body": BODIES["hotline"],
            "contact": "zhao@example.test",
        },
        actor=SYSTEM,
    )


def build_scenario(world, clock, db) -> Scenario:
    clock.set(NOW)
    c = make_consultation(world.matter, NOW)
    a = submit(c, body=BODIES["a"], clause=1, contact="13912345678")
    b = submit(c, body=BODIES["b"], clause=2, show_name=False)
    dup1 = submit(c, body=BODIES["dup"], author_name="李四")
    dup2 = submit(c, body=BODIES["dup"], author_name="王五")
    clock.set(NOW + 2 * DAY)
    hotline = hotline_comment(c)
    hidden = submit(c, body=BODIES["hidden"], author_name="赵六")
    comments.hide_comment(hidden, "abusive", "含侮辱性语言", actor=SYSTEM)
    other_c = make_consultation(world.other_matter, NOW + 2 * DAY)
    other = submit(other_c, body=BODIES["other"])
    db.session.commit()
    return Scenario(c, a, b, dup1, dup2, hotline, hidden, other_c, other)


def answer_all(s: Scenario, db=None, *, actor=SYSTEM) -> None:
    """Every comment answered (the duplicate pair in bulk); committed when `db` is given."""
    feedback.dispose_comment(s.a, ADOPTED, actor=actor)
    feedback.dispose_comment(
        s.b, {"disposition": "partly_adopted", "reason": "部分采纳。"}, actor=actor
    )
    feedback.dispose_comments(s.consultation, [s.dup1.id, s.dup2.id], NOT_ADOPTED, actor=actor)
    feedback.dispose_comment(s.hotline, NOT_ADOPTED, actor=actor)
    feedback.dispose_comment(
        s.hidden,
        {"disposition": "not_applicable", "reason": "与本办法无关，不予采纳。"},
        actor=actor,
    )
    if db is not None:
        db.session.commit()


# --- the meeting district (meeting, meeting API and representative view tests) -------------

TERM = {"term_start": date(2025, 1, 1), "term_end": date(2027, 12, 31)}


def meeting_data(
    department_id: int | None,
    *,
    kind: str = "symposium",
    title: str = "老旧小区改造座谈会",
    starts_in: timedelta = 14 * DAY,
    hours: int = 2,
    seats: int = 5,
    **overrides,
) -> dict:
    """What `create_meeting` is given for a meeting `starts_in` from NOW, registration closing
    three days before; no agenda unless `agenda=[{"title", "matter_id"}]` is given."""
    start = NOW + starts_in
    return {
        "kind": kind,
        "title": title,
        "place": "区政府五楼会议室",
        "starts_at": start,
        "ends_at": start + hours * HOUR,
        "registration_deadline": start - 3 * DAY,
        "seats": seats,
        "department_id": department_id,
        "agenda": [],
        **overrides,
    }


def meeting_district(
    create_user,
    create_department,
    create_matter,
    *,
    phones: tuple[str, str],
    emails: tuple[str, str],
    experts: int,
) -> SimpleNamespace:
    """`me` (周文静, a deputy) and `other` (李桂英, a supervisor) sign in as `me_user` and
    `other_user`; their private contacts are `phones` and `emails`; the experts share the first
    ones."""
    x = SimpleNamespace()
    x.department, x.elsewhere = create_department(), create_department()
    x.admin = create_user("admin")
    x.officer = create_user("officer", department=x.department)
    x.other_officer = create_user("officer", department=x.elsewhere)
    x.resident = create_user("resident")
    x.me_user = create_user("representative", display_name="周文静")
    x.other_user = create_user("representative", display_name="李桂英")
    x.matter = create_matter(department=x.department, published=True)
    x.me, x.other = (
        pool.add_representative(
            {
                "name": name,
                "category": category,
                "user_id": user.id,
                "phone": phone,
                "email": email,
                **TERM,
            },
            actor=SYSTEM,
        )
        for name, category, user, phone, email in (
            ("周文静", "npc_deputy", x.me_user, phones[0], emails[0]),
            ("李桂英", "supervisor", x.other_user, phones[1], emails[1]),
        )
    )
    x.experts = [
        pool.add_representative(
            {
                "name": f"专家{n}",
                "category": "expert",
                "phone": phones[0],
                "email": emails[0],
                **TERM,
            },
            actor=SYSTEM,
        )
        for n in range(1, experts + 1)
    ]
    return x


# --- mails (the `outbox` fixture) ------------------------------------------------------------

_URL_IN_TEXT = re.compile(r"https?://[^\s<>]+")


class Outbox:
    """The mails the app wrote, oldest first; `take()` returns the new ones and clears."""

    def __init__(self, folder: Path):
        self.folder = folder

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(path.read_bytes()) for path in self.files()]

    def take(self) -> list[EmailMessage]:
        found = self.messages()
        for path in self.files():
            path.unlink()
        return found


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def recipients(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


def links(message: EmailMessage) -> list[str]:
    return _URL_IN_TEXT.findall(body(message))


def path_of(url: str) -> str:
    return urlsplit(url).path


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return path_of(header[1:-1])


def confirm_path(message: EmailMessage) -> str:
    return next(path_of(u) for u in links(message) if "/subscriptions/confirm/" in u)


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def subscribe(email: str, topic: str, *, confirmed: bool = True) -> Subscription:
    """A subscription made through the services (and committed), confirmed by default."""
    result = notifications.subscribe(email, topic)
    if confirmed:
        notifications.confirm_subscription(result.token)
    _db.session.commit()
    return result.subscription


# --- every kind of public record (the `district` fixture) ----------------------------------

PHONE = "13912345678"
EMAIL = "leak@example.com"
IP = "203.0.113.99"
REP_PHONE = "13800001111"
REP_EMAIL = "rep-leak@example.com"
HIDDEN_BODY = "屏蔽内容HIDDEN-7731不应公开"
HIDDEN_NAME = "屏蔽者赵六"
ANON_NAME = "匿名者钱七"
DECLINE_REASON = "DECLINE-REASON-私事9902"
UNPUBLISHED_REASON = "UNPUBLISHED-REASON-4417"
B_HIDDEN_BODY = "B屏蔽内容HIDDEN-5150"

PUBLIC_BODY = "建议在小区东门增设非机动车停放区，方便居民出行。A1"
ANON_BODY = "第二条应当明确街道办事处的协调职责。A2"
HOTLINE_BODY = "来电反映：希望施工期间保留临时停车位。A4"
OPEN_BODY = "建议合理设置学区边界，照顾新建小区。B1"
D_BODY = "建议延长图书馆开放时间。D1"
ADOPT_REASON = "与上位法规定不符，暂不采纳。"


@dataclass
class District:
    dept: Any
    admin: Any
    officer: Any
    rep_users: dict[str, Any]
    matters: dict[str, Any]
    reps: dict[str, Any]
    consultations: dict[str, Any]
    comments: dict[str, Any]
    meetings: dict[str, Any]
    invitations: dict[str, Any] = field(default_factory=dict)

    def private_values(self) -> list[str]:
        codes = [i.checkin_code for i in self.invitations.values() if i.checkin_code]
        return [
            PHONE,
            EMAIL,
            IP,
            REP_PHONE,
            REP_EMAIL,
            HIDDEN_BODY,
            HIDDEN_NAME,
            ANON_NAME,
            DECLINE_REASON,
            UNPUBLISHED_REASON,
            B_HIDDEN_BODY,
            *codes,
        ]


def assert_no_private(text: str, district: District, where: str = "") -> None:
    for value in district.private_values():
        assert value not in text, f"{value!r} leaked into {where}"


def _meeting(title: str, starts_at: datetime, deadline: datetime, dept, agenda) -> Any:
    return meetings.create_meeting(
        {
            "kind": "standing",
            "title": title,
            "place": "区政府三楼会议室",
            "starts_at": starts_at,
            "ends_at": starts_at + 3 * HOUR,
            "registration_deadline": deadline,
            "seats": 5,
            "department_id": dept.id,
            "agenda": [{"title": "", "matter_id": m.id} for m in agenda],
        },
        actor=SYSTEM,
    )


def build_district(db, frozen, create_department, create_user, create_matter) -> District:
    """The district of the `district` fixture (tests/conftest.py), committed."""
    frozen(NOW - 41 * DAY)
    dept = create_department("东湖区住房和城乡建设局", "住建局")
    admin = create_user("admin", display_name="区政府办公室")
    officer = create_user("officer", department=dept, display_name="住建局王科长")
    rep_users = {name: create_user("representative") for name in ("zhou", "sun")}
    matters = {
        "parking": create_matter(department=dept, title="老旧小区停车设施改造"),
        "schools": create_matter(department=dept, title="中小学学区划分调整"),
        "library": create_matter(department=dept, title="图书馆开放时间调整"),
        "waste": create_matter(department=dept, title="生活垃圾分类实施方案"),
    }
    catalogue.publish_catalogue(matters["parking"].catalogue, actor=SYSTEM)
    reps = {
        "zhou": pool.add_representative(
            {
                "name": "周文静",
                "category": "npc_deputy",
                "user_id": rep_users["zhou"].id,
                "phone": REP_PHONE,
                "email": REP_EMAIL,
                **TERM,
            },
            actor=SYSTEM,
        ),
        "wu": pool.add_representative(
            {
                "name": "吴建国",
                "category": "expert",
                "affiliation": "东湖大学",
                "phone": REP_PHONE,
                "email": "wu-" + REP_EMAIL,
                **TERM,
            },
            actor=SYSTEM,
        ),
        "zheng": pool.add_representative(
            {"name": "郑海燕", "category": "media", "phone": REP_PHONE, **TERM}, actor=SYSTEM
        ),
        "sun": pool.add_representative(
            {
                "name": "孙立新",
                "category": "expert",
                "user_id": rep_users["sun"].id,
                "email": "sun-" + REP_EMAIL,
                **TERM,
            },
            actor=SYSTEM,
        ),
        "li": pool.add_representative(
            {"name": "李秀英", "category": "expert", "phone": REP_PHONE, **TERM}, actor=SYSTEM
        ),
    }

    # A: closed ten days ago, answered and published.
    frozen(NOW - 40 * DAY)
    a = make_consultation(matters["parking"], NOW - 40 * DAY)
    d = make_consultation(matters["library"], NOW - 40 * DAY, title="关于图书馆开放时间的意见征集")
    m1 = _meeting("区政府第1次常务会议", NOW - 20 * DAY, NOW - 25 * DAY, dept, [matters["parking"]])
    invited = meetings.invite(m1, [reps["zhou"].id, reps["wu"].id, reps["zheng"].id], actor=SYSTEM)
    frozen(NOW - 39 * DAY)
    a1 = submit(a, body=PUBLIC_BODY, author_name="张三", show_name=True, contact=PHONE, ip=IP)
    a2 = submit(a, body=ANON_BODY, author_name=ANON_NAME, show_name=False, contact=EMAIL, ip=IP)
    a3 = submit(a, body=HIDDEN_BODY, author_name=HIDDEN_NAME, show_name=True, contact=PHONE, ip=IP)
    comments.hide_comment(a3, "abusive", "含侮辱性语言", actor=SYSTEM)
    frozen(NOW - 37 * DAY)
    a4 = comments.enter_offline_comment(
        a,
        {
            "source": "hotline",
            "received_at": NOW - 38 * DAY,
            "author_name": "来电市民",
            "show_name": True,
            "body": HOTLINE_BODY,
            "contact": EMAIL,
        },
        actor=SYSTEM,
    )
    d1 = submit(d, body=D_BODY, author_name="钱八", show_name=True, contact=PHONE, ip=IP)

    frozen(NOW - 30 * DAY)
    zhou_invitation, wu_invitation, zheng_invitation = invited
    meetings.respond(zhou_invitation, True, actor=SYSTEM)
    meetings.respond(wu_invitation, False, DECLINE_REASON, actor=SYSTEM)
    frozen(m1.starts_at + HOUR)
    meetings.check_in(m1, zhou_invitation.checkin_code, actor=SYSTEM)
    frozen(NOW - 19 * DAY)
    meetings.publish_outcome(
        m1,
        {
            "summary": "会议原则通过老旧小区停车设施改造方案。",
            "items": {
                m1.agenda[0].id: {
                    "decision": "原则通过，修改后印发。",
                    "interpretation": "新增停车位约300个。",
                }
            },
        },
        actor=SYSTEM,
    )

    frozen(NOW - 5 * DAY)
    feedback.dispose_comment(a1, {"disposition": "adopted", "reason": ""}, actor=SYSTEM)
    feedback.dispose_comment(
        a2, {"disposition": "partly_adopted", "reason": "部分采纳。"}, actor=SYSTEM
    )
    feedback.dispose_comment(
        a3, {"disposition": "not_applicable", "reason": "与本办法无关。"}, actor=SYSTEM
    )
    feedback.dispose_comment(
        a4, {"disposition": "not_adopted", "reason": ADOPT_REASON}, actor=SYSTEM
    )
    feedback.publish_feedback(a, {"summary": "根据意见增设非机动车停放区。"}, actor=SYSTEM)
    # D: closed and answered, but the answers are not published yet.
    feedback.dispose_comment(
        d1, {"disposition": "not_adopted", "reason": UNPUBLISHED_REASON}, actor=SYSTEM
    )

    # B: open now; C: scheduled. M2 upcoming, M3 about to start.
    frozen(NOW - 2 * DAY)
    m3 = _meeting("区政府第3次常务会议", NOW + HOUR, NOW - DAY, dept, [matters["waste"]])
    (li_invitation,) = meetings.invite(m3, [reps["li"].id], actor=SYSTEM)
    meetings.respond(li_invitation, True, actor=SYSTEM)
    frozen(NOW - DAY)
    b = make_consultation(matters["schools"], NOW - DAY, title="关于学区划分调整的公开征求意见")
    c = make_consultation(
        matters["waste"], NOW + 5 * DAY, title="关于垃圾分类实施方案的公开征求意见"
    )
    m2 = _meeting("区政府第2次常务会议", NOW + 10 * DAY, NOW + 7 * DAY, dept, [matters["schools"]])
    (sun_invitation,) = meetings.invite(m2, [reps["sun"].id], actor=SYSTEM)
    b1 = submit(b, body=OPEN_BODY, author_name="孙九", show_name=True, contact=PHONE, ip=IP)
    b2 = submit(
        b, body=B_HIDDEN_BODY, author_name=HIDDEN_NAME, show_name=True, contact=EMAIL, ip=IP
    )
    comments.hide_comment(b2, "personal_data", "含个人信息", actor=SYSTEM)

    frozen(NOW)
    db.session.commit()
    return District(
        dept=dept,
        admin=admin,
        officer=officer,
        rep_users=rep_users,
        matters=matters,
        reps=reps,
        consultations={"a": a, "b": b, "c": c, "d": d},
        comments={"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "b2": b2, "d1": d1},
        meetings={"m1": m1, "m2": m2, "m3": m3},
        invitations={
            "zhou": zhou_invitation,
            "wu": wu_invitation,
            "zheng": zheng_invitation,
            "sun": sun_invitation,
            "li": li_invitation,
        },
    )


# A decision is published with its policy interpretation (consult.interpretation).
INTERPRETATION = {
    "title": "《老旧小区停车设施改造实施办法》政策解读",
    "body": "一、出台背景。二、主要内容：明确改造范围、资金来源和居民参与方式。三、适用对象。",
    "forms": ["text"],
}


def decision(day, url: str = "https://gov.example/d/1", **interpretation) -> dict:
    """The fields `change_status(matter, "decided", ...)` takes: the date, the document and the
    interpretation published with it."""
    return {
        "decision_date": day,
        "decision_document_url": url,
        "interpretation": {**INTERPRETATION, **interpretation},
    }
