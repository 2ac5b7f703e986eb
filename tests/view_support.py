"""Helpers shared by the browser-level view tests: CSRF tokens, logging in, posting forms,
reading errors and translations as the pages show them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.support import Translations
from markupsafe import escape

import consult

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_TRANSLATIONS = Path(consult.__file__).parent / "translations"
PASSWORD = "correct-horse-battery"  # what the create_user fixture sets


def zh(msgid: str, **params) -> str:
    """The compiled zh-Hans translation of a message, HTML-escaped as a page shows it."""
    text = Translations.load(str(_TRANSLATIONS), ["zh_Hans"]).gettext(msgid)
    return str(escape(text % params if params else text))


def token(client) -> str:
    """A CSRF token for this client's session, from any page that carries one."""
    response = client.get("/login")
    if response.status_code == 302:  # logged in: the log-out form in the header has one
        response = client.get("/")
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client, user, password: str = PASSWORD):
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={**data, "csrf_token": token(client)}, **kwargs)


def english(client) -> None:
    client.set_cookie("lang", "en")


def reload(db, model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def field_error(html: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else None


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def new_client(app):
    """A second browser (each request in its own app context, see conftest)."""
    return app.test_client()
