"""Unbound extension objects; `create_app` binds them."""

from __future__ import annotations

import flask_login
from flask import current_app
from flask import request
from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

import consult.core.values  # noqa: F401  (the flush backstop against unstorable values)

# Named constraints: migrations stay stable and a violated rule names itself in the error.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LoginManager(flask_login.LoginManager):
    """Flask-Login with "strong" session protection for signed-in sessions only.

    Flask-Login also applies it to a session that holds no login (a visitor's CSRF token):
    it empties the session and rewrites the cookie on every request, protecting nothing and
    costing every anonymous form submission a new Set-Cookie."""

    def _session_protection_failed(self) -> bool:
        remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        if "_user_id" not in session and remember not in request.cookies:
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def configured_limit(key: str):
    """A rate limit for `limiter`, read from the app's config `key` each time it applies (the
    deployment, or a test, sets it)."""
    return lambda: current_app.config[key]
