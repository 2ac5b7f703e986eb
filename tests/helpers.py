"""What the tests do as a browser or a reader does, shared by every folder: take a CSRF token,
log in, post a form, choose a language, read a field's error, count and reload rows.

Plain functions (the fixtures live in the conftest.py files, where pytest finds them)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.support import Translations
from markupsafe import escape

import consult

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
