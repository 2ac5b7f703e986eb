"""The migrations build exactly the schema the models describe, and can be taken back down.

Each test migrates a database of its own: a temporary SQLite file, or (when the suite runs on
PostgreSQL) a throwaway database on the same server, created and dropped here.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from consult import ROOT, create_app
from consult.extensions import db
from tests.conftest import fresh_database_url

VERSIONS = ROOT / "migrations" / "versions"


@contextlib.contextmanager
def _logging_kept() -> Iterator[None]:
    """migrations/env.py runs logging.fileConfig, which would disable the app's loggers and
    point alembic's at pytest's captured stderr; put everything back afterwards."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers), root.disabled)
    saved = {
        name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
        for name, lg in manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    try:
        yield
    finally:
        root.setLevel(saved_root[0])
        root.handlers[:] = saved_root[1]
        root.disabled = saved_root[2]
        for name, lg in list(manager.loggerDict.items()):
            if not isinstance(lg, logging.Logger):
                continue
            level, handlers, propagate, disabled = saved.get(
                name, (logging.NOTSET, [], True, False)
            )
            lg.setLevel(level)
            lg.handlers[:] = handlers
            lg.propagate = propagate
            lg.disabled = disabled


@pytest.fixture
def empty_app():
    """A second app whose database is new and empty (the suite's own app is left alone)."""
    with fresh_database_url() as url, _logging_kept():
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


def _table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _schema_differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_running_the_migrations_raises_no_warning(empty_app):
    """filterwarnings=error: e.g. Flask-SQLAlchemy's deprecated get_engine() in env.py fails."""
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")


def test_upgrading_an_empty_database_builds_exactly_the_models(empty_app):
    assert _table_names() == set()
    flask_migrate.upgrade()
    assert _table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert _schema_differences() == []


def test_migrated_check_constraints_carry_the_models_names(empty_app):
    """Alembic's comparison skips CHECK constraints; the named rules must all be there."""
    flask_migrate.upgrade()
    inspector = sa.inspect(db.engine)
    assert set(db.metadata.tables) <= set(inspector.get_table_names()), "tables not migrated"
    for table in db.metadata.sorted_tables:
        expected = {
            c.name
            for c in table.constraints
            if isinstance(c, sa.CheckConstraint) and not getattr(c, "_type_bound", False)
        }
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert expected <= found, (table.name, expected - found)
    names = {c["name"] for c in inspector.get_check_constraints("catalogue_adjustment")}
    assert "ck_catalogue_adjustment_reason_required" in names
    names = {c["name"] for c in inspector.get_check_constraints("user")}
    assert "ck_user_officer_has_department" in names


def test_downgrading_to_base_removes_everything_and_upgrading_again_works(empty_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert _table_names() <= {"alembic_version"}
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
    flask_migrate.upgrade()
    assert _schema_differences() == []


def test_the_migrations_form_one_line_of_history(empty_app):
    config = empty_app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_revision_files_are_date_prefixed_and_can_go_down(path):
    assert re.match(r"^\d{8}_[0-9a-f]+_\w+\.py$", path.name)
    source = path.read_text()
    downgrade = source.split("def downgrade", 1)[1]
    body = [
        line.strip()
        for line in downgrade.splitlines()[1:]
        if line.strip() and not line.strip().startswith("#")
    ]
    assert body and body != ["pass"], f"{path.name} has no real downgrade()"
