"""The migrations build exactly the schema the models describe, and can be taken back down.

Each test migrates a database of its own: a temporary SQLite file, or (when the suite runs on
PostgreSQL) a throwaway database on the same server, created and dropped here.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from consult import ROOT
from consult import create_app
from consult.extensions import db
from tests.helpers import fresh_database_url

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


# --- upgrading a database that holds comments ----------------------------------------------

BEFORE_GROUPING = "a2a7f827d9f3"  # the revision before the band-key side table
CAMPAIGN = (
    "我们坚决反对在小区中心绿地建设机械式立体车库。绿地是小区唯一的公共活动空间，老人每天在这里"
    "锻炼，孩子在这里玩耍。立体车库噪音大、遮挡采光，请求另行选址，保留中心绿地。"
)
LONER = "建议延长公共自行车租赁点的服务时间，方便上夜班的居民，并在地铁口增设还车点。"


def _insert(conn, table_name: str, **values) -> int | None:
    """A row with the given values and a plain value in every other required column."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
    plain = {
        sa.Integer: 1,
        sa.String: "x",
        sa.Text: "x",
        sa.Boolean: False,
        sa.DateTime: datetime(2026, 11, 1, tzinfo=UTC),
        sa.Date: date(2026, 11, 1),
        sa.JSON: {},
    }
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        if (
            column.primary_key
            and isinstance(column.type, sa.Integer)
            and len(table.primary_key) == 1
        ):
            continue
        values[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    result = conn.execute(table.insert().values(**values))
    return result.inserted_primary_key[0] if result.inserted_primary_key else None


def test_upgrading_keeps_every_existing_duplicate_group(empty_app):
    from consult.comments import services
    from consult.comments.models import Comment
    from consult.comments.models import CommentBand
    from consult.comments.models import CommentText
    from consult.comments.models import DuplicateGroup
    from consult.consultations.models import Consultation
    from consult.core import time as clock

    flask_migrate.upgrade(revision=BEFORE_GROUPING)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with db.engine.begin() as conn:
        dept = _insert(conn, "department", name="东湖区住建局", short_name="住建局")
        _insert(conn, "catalogue_year", year=2026)
        matter = _insert(
            conn, "decision_matter", year=2026, number=1, title="停车设施改造",
            department_id=dept, planned_precision="month", planned_index=12, status="consulting",
        )  # fmt: skip
        consultation = _insert(
            conn, "consultation", matter_id=matter, title="征求意见",
            opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=30),
        )  # fmt: skip
        group = _insert(conn, "duplicate_group", consultation_id=consultation, created_at=now)
        bodies = [
            (CAMPAIGN, group, "published"),
            (CAMPAIGN, group, "published"),
            ("我是幸福里的居民，" + CAMPAIGN, group, "hidden"),
            (LONER, None, "published"),
        ]
        for i, (body, group_id, status) in enumerate(bodies):
            _insert(
                conn, "comment", consultation_id=consultation, receipt=f"ZX-2026-AAAA-BBB{i + 2}",
                source="online", author_name="居民", body=body, consent=True, show_name=False,
                submitted_at=now - timedelta(days=1), status=status, fingerprint=f"{i:040d}",
                band0=0, band1=0, band2=0, band3=0, duplicate_group_id=group_id,
                hidden_reason="spam" if status == "hidden" else None,
                hidden_at=now if status == "hidden" else None,
            )  # fmt: skip

    flask_migrate.upgrade()
    assert _schema_differences() == []
    assert db.session.get(DuplicateGroup, group).size == 3
    assert services.tally(db.session.get(Consultation, consultation)) == {
        "comments": 4, "published": 3, "hidden": 1, "received": 0,
    }  # fmt: skip
    grouped = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert [c.duplicate_group_id for c in grouped] == [group, group, group, None]
    assert all(c.grouped_at is not None for c in grouped)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommentText)) == 4
    holders = set(db.session.scalars(sa.select(CommentBand.comment_id).distinct()))
    # every distinct text holds the keys no earlier one had; the exact copy holds none
    assert holders == {grouped[0].id, grouped[2].id, grouped[3].id}

    # New copies find the kept group, and the loner.
    with clock.freeze(now):
        target = db.session.get(Consultation, consultation)
        data = {"author_name": "新居民", "show_name": False, "consent": True}
        copy = services.submit_comment(target, {**data, "body": CAMPAIGN})
        near = services.submit_comment(target, {**data, "body": "作为桂花苑的业主，" + CAMPAIGN})
        loner = services.submit_comment(target, {**data, "body": LONER})
        db.session.commit()
    assert copy.duplicate_group_id == near.duplicate_group_id == group
    assert db.session.get(DuplicateGroup, group).size == 5
    assert loner.duplicate_group_id is not None and loner.duplicate_group_id != group

    db.session.remove()  # (SQLite: this session would hold the write lock)
    flask_migrate.downgrade(revision=BEFORE_GROUPING)
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT fingerprint, band0 FROM comment")).all()
    assert len(rows) == 7 and all(fp and band for fp, band in rows)
