"""Shared fixtures: one app per session, one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there. Under
pytest-xdist (`make test` runs `-n auto`) every worker has a database of its own: a temporary
SQLite file, or on PostgreSQL a database named after the worker beside DATABASE_URL's.
"""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import is_dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

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


def _server(url: str) -> sa.Engine:
    """The PostgreSQL server of `url`, through its maintenance database."""
    return sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )


def _create_database(url: str) -> None:
    """A new, empty PostgreSQL database at `url` (one left by an earlier run is dropped)."""
    name = sa.make_url(url).database
    server = _server(url)
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        server.dispose()


def _drop_database(url: str) -> None:
    server = _server(url)
    try:
        with server.connect() as conn:
            conn.exec_driver_sql(
                f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'
            )
    finally:
        server.dispose()


def _worker_database() -> None:
    """Give this xdist worker its own PostgreSQL database (`test` → `test_gw1`), made empty.
    (Before `config` is imported: its classes read DATABASE_URL when they are defined.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = sa.make_url(os.environ["DATABASE_URL"])
    if not worker or base.drivername.split("+")[0] not in ("postgres", "postgresql"):
        return
    url = base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)
    _create_database(url)
    os.environ["DATABASE_URL"] = url


_worker_database()


from flask.testing import FlaskClient  # noqa: E402

from consult import _configure_sqlite  # noqa: E402
from consult import create_app  # noqa: E402
from consult.accounts.models import SYSTEM  # noqa: E402
from consult.core import time as _time  # noqa: E402
from consult.extensions import db as _db  # noqa: E402
from consult.extensions import limiter  # noqa: E402
from tests.helpers import NOW  # noqa: E402
from tests.helpers import PASSWORD  # noqa: E402
from tests.helpers import Clock  # noqa: E402
from tests.helpers import Outbox  # noqa: E402
from tests.helpers import World  # noqa: E402
from tests.helpers import build_district  # noqa: E402
from tests.helpers import build_scenario  # noqa: E402
from tests.helpers import build_world  # noqa: E402
from tests.helpers import login  # noqa: E402
from tests.helpers import post  # noqa: E402


def pytest_configure(config):
    """What the whole run shares, xdist workers included (started after this, they inherit
    it): the demo seeded once (tests/helpers.py: demo_site). Made by the process that starts
    the run (here, not at import: test modules import this file again), removed at its end."""
    if not hasattr(config, "workerinput"):
        os.environ["CONSULT_TEST_RUN_DIR"] = tempfile.mkdtemp(prefix="consult-run-")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):  # the process that started the run
        shutil.rmtree(os.environ["CONSULT_TEST_RUN_DIR"], ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Schemathesis 4.32 names each operation's test `test[GET /path]`, but pytest 9.2 builds
    a node id from the function's name alone: all 68 cases had two ids between them, and
    pytest-xdist, which schedules by id, ran 2. The operation goes back into the id."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item._id.params is None:
            item._id = item._id.with_params(label)


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
    _drop_prepared()
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


class TestDatabase:
    """The database of one test: a connection with an open outer transaction, rolled back
    afterwards.

    Flask-SQLAlchemy's session picks its bind from `db.engines`, so the test puts the
    connection there; the session joins it with savepoints, so a view's or service's commit
    releases a savepoint and the rollback still undoes it all. `switch(engine)` moves the test
    to another database (a prepared one, see `prepared`) before it has written anything."""

    def __init__(self, app):
        self.app = app
        self.engines = _db.engines
        self.engine = self.engines[None]
        self.original_session = _db.session
        self.connection = None

    def open(self, engine: sa.Engine) -> None:
        self.connection = engine.connect()
        self.transaction = self.connection.begin()
        self.changes = self._changes()
        self.engines[None] = self.connection
        _db.session = _db._make_scoped_session(
            {"bind": self.connection, "join_transaction_mode": "create_savepoint"}
        )

    def close(self) -> None:
        _db.session.remove()
        _db.session = self.original_session
        self.engines[None] = self.engine
        self.transaction.rollback()
        self.connection.close()

    def switch(self, engine: sa.Engine) -> None:
        _db.session.flush()
        if self._changes() != self.changes:
            raise RuntimeError(
                "the test wrote to its database before asking for a prepared one (world, "
                "scenario, district): ask for that fixture first"
            )
        self.close()
        self.open(engine)

    def _changes(self):
        """What tells that the transaction wrote: SQLite's count of changed rows on this
        connection, PostgreSQL's transaction id (assigned at the first write)."""
        if self.connection.dialect.name == "sqlite":
            return self.connection.exec_driver_sql("SELECT total_changes()").scalar()
        return self.connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar()


@pytest.fixture
def database(app) -> Iterator[TestDatabase]:
    with app.app_context():
        state = TestDatabase(app)
        state.open(state.engine)
        limiter.reset()
        try:
            yield state
        finally:
            state.close()


@pytest.fixture
def db(database):
    """The test's database (see TestDatabase): everything it writes is rolled back."""
    return _db


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


def make_department(name: str | None = None, short_name: str | None = None):
    from consult.accounts import services

    n = next(_counter)
    return services.create_department(
        {"name": name or f"测试局{n}", "short_name": short_name or f"测{n}"}, actor=SYSTEM
    )


def make_user(role: str = "resident", department=None, email: str | None = None, **extra):
    from consult.accounts import services

    n = next(_counter)
    if role == "officer" and department is None:
        department = make_department()
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


def make_matter(department=None, year: int = 2026, published: bool = False, **data):
    from consult.catalogue import services

    department = department or make_department()
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


@pytest.fixture
def create_department(db):
    return make_department


@pytest.fixture
def create_user(db):
    return make_user


@pytest.fixture
def create_matter(db):
    return make_matter


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
def world(prepared) -> World:
    """Two departments with a published matter each and a user of every role
    (tests/helpers.py: build_world), from a prepared database."""
    return prepared("world")


# --- prepared databases ------------------------------------------------------------------
# The districts the fixtures stand on are built once per worker, each in a database of its
# own, committed; a test that asks for one works on that database inside its own rolled-back
# transaction (TestDatabase.switch), with the objects loaded afresh in its session and the
# clock where the build left it.


def _build_scenario(db, clock, create_department, create_user, create_matter):
    world = build_world(db, clock, create_department, create_user, create_matter)
    return world, build_scenario(world, clock, db)


BUILDS = {"world": build_world, "scenario": _build_scenario, "district": build_district}


def _run_build(build, clock: Clock):
    """Call a build with what it names, as a fixture would be: db, clock, frozen and the
    factories (create_department, create_user, create_matter)."""
    offered = {
        "db": _db,
        "clock": clock,
        "frozen": clock.set,
        "create_department": make_department,
        "create_user": make_user,
        "create_matter": make_matter,
    }
    return build(**{name: offered[name] for name in inspect.signature(build).parameters})


@dataclass
class Prepared:
    engine: sa.Engine
    url: str
    made: Any  # what the build returned, every ORM object in it as a _Ref
    now: datetime  # the clock when the build ended
    folder: Path  # its stored files and mails


@dataclass(frozen=True)
class _Ref:
    model: type
    identity: tuple


def _is_object(value) -> bool:
    return isinstance(value, _Ref) or isinstance(
        sa.inspect(value, raiseerr=False), sa.orm.InstanceState
    )


def _each_object(value, at):
    """`value` with every ORM object (or _Ref) in it replaced by `at(it)`, through
    dataclasses, dicts, lists and tuples."""
    if _is_object(value):
        return at(value)
    if is_dataclass(value) and not isinstance(value, type):
        return type(value)(
            **{f.name: _each_object(getattr(value, f.name), at) for f in fields(value)}
        )
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**_each_object(vars(value), at))
    if isinstance(value, dict):
        return {k: _each_object(v, at) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_each_object(v, at) for v in value)
    return value


def _ref(obj) -> _Ref:
    return _Ref(type(obj), sa.inspect(obj).identity)


def _get(ref: _Ref):
    return _db.session.get(ref.model, ref.identity)


_PREPARED: dict[Callable, Prepared] = {}


def _prepare(app, build) -> Prepared:
    base = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"prepared{len(_PREPARED) + 1}"
    folder = _TMP / name
    if base.drivername.startswith("sqlite"):
        url = f"sqlite:///{folder}.db"
        for leftover in _TMP.glob(f"{name}.db*"):  # of a build that failed
            leftover.unlink()
    else:
        url = base.set(database=f"{base.database}_{name}").render_as_string(hide_password=False)
        _create_database(url)
    engine = sa.create_engine(url, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    _db.metadata.create_all(engine)
    engines = _db.engines
    default, session = engines[None], _db.session
    config = {k: app.config[k] for k in ("STORAGE_DIR", "MAIL_BACKEND", "MAIL_OUTBOX")}
    stack = []

    def freeze(at: datetime) -> None:
        cm = _time.freeze(at)
        cm.__enter__()
        stack.append(cm)

    with app.app_context():
        app.config.update(
            STORAGE_DIR=str(folder / "files"),
            MAIL_BACKEND="outbox",
            MAIL_OUTBOX=str(folder / "outbox"),
        )
        engines[None] = engine
        _db.session = _db._make_scoped_session({"bind": engine})
        try:
            made = _run_build(build, Clock(freeze))
            _db.session.commit()
            prepared = Prepared(engine, url, _each_object(made, _ref), _time.now_utc(), folder)
        finally:
            _db.session.remove()
            _db.session = session
            engines[None] = default
            app.config.update(config)
            while stack:
                stack.pop().__exit__(None, None, None)
    return prepared


@pytest.fixture
def prepared(app, database, clock):
    """`prepared("world" | "scenario" | "district" | build)`: the test moves to that build's
    prepared database (before it writes anything) and gets what the build returned, loaded in
    its session; the build's stored files and mails are copied to where the test keeps its
    own. A build of a test module's own is a function taking what a fixture would (db, clock,
    frozen, create_department, create_user, create_matter) and returning ORM objects in
    dataclasses, namespaces, dicts, lists or tuples."""

    def _use(build: str | Callable):
        build = BUILDS.get(build, build)
        if build not in _PREPARED:
            _PREPARED[build] = _prepare(app, build)
        ready = _PREPARED[build]
        database.switch(ready.engine)
        clock.set(ready.now)
        for kind, key in (("files", "STORAGE_DIR"), ("outbox", "MAIL_OUTBOX")):
            if (ready.folder / kind).is_dir():
                target = app.config[key] or os.path.join(app.instance_path, kind)
                shutil.copytree(ready.folder / kind, target, dirs_exist_ok=True)
        return _each_object(ready.made, _get)

    return _use


def _drop_prepared() -> None:
    for ready in _PREPARED.values():
        ready.engine.dispose()
        if not ready.url.startswith("sqlite"):
            _drop_database(ready.url)
    _PREPARED.clear()


# --- mails (tests/helpers.py: Outbox) -------------------------------------------------------


@pytest.fixture
def outbox(app, tmp_path, monkeypatch) -> Outbox:
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(folder))
    return Outbox(folder)


# --- every kind of public record (tests/helpers.py: build_district) ---------------------------


@pytest.fixture
def district(prepared, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "files"))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    return prepared("district")
