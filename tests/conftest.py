"""Shared fixtures: one app per session, one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there. Under
pytest-xdist (`make test` runs `-n auto`) every worker has a database of its own: a temporary
SQLite file, or on PostgreSQL a database named after the worker beside DATABASE_URL's.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

_TMP = Path(tempfile.mkdtemp(prefix="consult-test-"))
# xdist workers inherit the environment of the process that started them: what this file
# chose there (not what the user set) is chosen again, per worker.
_chosen = set(filter(None, os.environ.get("CONSULT_TEST_CHOSE", "").split(",")))
if "instance" in _chosen or not os.environ.get("CONSULT_INSTANCE_DIR"):
    os.environ["CONSULT_INSTANCE_DIR"] = str(_TMP)
    _chosen.add("instance")
if "database" in _chosen or not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
    _chosen.add("database")
os.environ["CONSULT_TEST_CHOSE"] = ",".join(sorted(_chosen))


def _worker_database() -> None:
    """Give this xdist worker its own PostgreSQL database (`test` → `test_gw1`), made empty.
    (Before `config` is imported: its classes read DATABASE_URL when they are defined.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = sa.make_url(os.environ["DATABASE_URL"])
    if not worker or base.drivername.split("+")[0] not in ("postgres", "postgresql"):
        return
    name = f"{base.database}_{worker}"
    server = sa.create_engine(
        base.set(drivername="postgresql+psycopg"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        server.dispose()
    os.environ["DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_worker_database()


from flask.testing import FlaskClient  # noqa: E402

from consult import create_app  # noqa: E402
from consult.accounts.models import SYSTEM  # noqa: E402
from consult.core import time as _time  # noqa: E402
from consult.extensions import db as _db  # noqa: E402
from consult.extensions import limiter  # noqa: E402
from tests.helpers import (  # noqa: E402
    NOW,
    PASSWORD,
    Clock,
    Outbox,
    World,
    build_district,
    build_world,
    login,
    post,
)


def pytest_make_parametrize_id(config, val, argname):
    """A set's id in its sorted order: every xdist worker must collect the same test ids, and
    a set's own order changes with each process's hash seed."""
    if isinstance(val, set | frozenset):
        return "{" + ", ".join(sorted(map(repr, val))) + "}"
    return None


class FreshContextClient(FlaskClient):
    """Runs each request in its own application context, as a real server does.

    The `db` fixture keeps an app context pushed for the whole test; without this, requests
    would share its `g` (Flask-Login's cached user, Flask-Babel's cached locale)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app("test")
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """One outer transaction per test, rolled back afterwards.

    Flask-SQLAlchemy's session picks its bind from `db.engines`, so the test puts a
    connection with an open transaction there; the session joins it with savepoints, so a
    view's or service's commit releases a savepoint and the rollback still undoes it all."""
    with app.app_context():
        engines = _db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            engines[None] = engine
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def frozen():
    """Pin the clock: `frozen(datetime(...))` inside a test; released afterwards."""
    stack = []

    def _freeze(at: datetime):
        cm = _time.freeze(at if at.tzinfo else at.replace(tzinfo=UTC))
        cm.__enter__()
        stack.append(cm)

    yield _freeze
    while stack:
        stack.pop().__exit__(None, None, None)


# --- factories ---------------------------------------------------------------------------

_counter = iter(range(1, 10_000_000))


@pytest.fixture
def create_department(db):
    from consult.accounts import services

    def _create(name: str | None = None, short_name: str | None = None):
        n = next(_counter)
        return services.create_department(
            {"name": name or f"测试局{n}", "short_name": short_name or f"测{n}"}, actor=SYSTEM
        )

    return _create


@pytest.fixture
def create_user(db, create_department):
    from consult.accounts import services

    def _create(role: str = "resident", department=None, email: str | None = None, **extra):
        n = next(_counter)
        if role == "officer" and department is None:
            department = create_department()
        return services.create_user(
            {
                "email": email or f"user{n}@example.test",
                "display_name": extra.pop("display_name", f"用户{n}"),
                "password": PASSWORD,
                "role": role,
                "department_id": department.id if department else None,
                **extra,
            },
            actor=SYSTEM,
        )

    return _create


@pytest.fixture
def create_matter(db, create_department):
    from consult.catalogue import services

    def _create(department=None, year: int = 2026, published: bool = False, **data):
        department = department or create_department()
        matter = services.create_matter(
            {
                "year": year,
                "title": data.pop("title", "老旧小区停车设施改造"),
                "summary": data.pop("summary", "对辖区老旧小区停车设施进行改造。"),
                "department_id": department.id,
                "planned_time": data.pop("planned_time", f"{year}-Q3"),
                "hearing": data.pop("hearing", False),
                "procedures": data.pop(
                    "procedures", {"public_participation": True, "legality_review": True}
                ),
                "reason": data.pop("reason", None),
                **data,
            },
            actor=SYSTEM,
        )
        if published and not matter.catalogue.is_published:
            services.publish_catalogue(matter.catalogue, actor=SYSTEM)
        return matter

    return _create


class Auth:
    """The `auth` fixture: log in and out, post forms, as `tests.helpers` does for one client."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = PASSWORD):
        return login(self.client, user, password, expect=None)

    def logout(self):
        return post(self.client, "/logout", form_url="/account")

    def post(self, url: str, data: dict, form_url: str | None = None, **kwargs):
        """POST a form with the CSRF token taken from the page that shows it."""
        return post(self.client, url, data, form_url=form_url or url, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


# --- a small district (tests/helpers.py: build_world) --------------------------------------


@pytest.fixture
def files_in_tmp(app, tmp_path, monkeypatch):
    """Uploaded files go to a folder of the test's own."""
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))


@pytest.fixture
def clock(frozen) -> Clock:
    c = Clock(frozen)
    c.set(NOW)
    return c


@pytest.fixture
def world(db, clock, create_department, create_user, create_matter) -> World:
    return build_world(db, clock, create_department, create_user, create_matter)


# --- mails (tests/helpers.py: Outbox) -------------------------------------------------------


@pytest.fixture
def outbox(app, tmp_path, monkeypatch) -> Outbox:
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(folder))
    return Outbox(folder)


# --- every kind of public record (tests/helpers.py: build_district) ---------------------------


@pytest.fixture
def district(db, frozen, create_department, create_user, create_matter, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    return build_district(db, frozen, create_department, create_user, create_matter)
