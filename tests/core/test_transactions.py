"""core.transactions.read_phase: checks run in a read transaction that does not hold SQLite's
write lock; the writes that follow take it for themselves."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from consult import create_app
from consult.accounts.models import Department
from consult.core.transactions import in_read_phase
from consult.core.transactions import read_phase
from consult.extensions import db


@pytest.fixture
def file_app(tmp_path):
    """An application on its own SQLite file (the lock is a property of the file), whatever
    database the rest of the suite uses."""
    path = tmp_path / "locks.db"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        db.session.add(Department(name="东湖区住房和城乡建设局", short_name="住建局"))
        db.session.commit()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def other_writer_can_lock(path) -> bool:
    """Whether another connection can take the write lock right now (without waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_a_post_request_takes_the_write_lock_at_its_first_query(file_app):
    app, path = file_app
    with app.test_request_context("/", method="POST"):
        db.session.scalar(sa.select(Department.id))
        assert not other_writer_can_lock(path)
        db.session.rollback()
        assert other_writer_can_lock(path)


def test_a_read_phase_reads_without_the_write_lock_and_keeps_what_it_loaded(file_app):
    app, path = file_app
    with app.test_request_context("/", method="POST"):
        with read_phase():
            assert in_read_phase()
            dept = db.session.scalar(sa.select(Department))
            assert other_writer_can_lock(path)
        assert not in_read_phase()
        assert not db.session().in_transaction()
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        assert dept.name == "东湖区住房和城乡建设局"  # still loaded: no query
        assert statements == []
        # What follows writes, and takes the lock at its BEGIN.
        db.session.add(Department(name="东湖区教育局", short_name="教育局"))
        db.session.flush()
        assert not other_writer_can_lock(path)
        db.session.commit()
        assert other_writer_can_lock(path)


def test_a_read_phase_may_not_write(file_app):
    app, _path = file_app
    with app.test_request_context("/", method="POST"):
        with pytest.raises(RuntimeError, match="may not write"), read_phase():
            db.session.add(Department(name="东湖区民政局", short_name="民政局"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 1


def test_inside_an_open_transaction_the_block_joins_it(file_app):
    app, path = file_app
    with app.test_request_context("/", method="POST"):
        db.session.scalar(sa.select(Department.id))
        with read_phase():
            assert not in_read_phase()
            db.session.scalar(sa.select(Department.id))
        assert db.session().in_transaction()
        assert not other_writer_can_lock(path)
        db.session.rollback()
