"""Reading before writing without holding SQLite's write lock while reading.

A request that changes data begins its SQLite transaction with BEGIN IMMEDIATE (see
`consult._configure_sqlite`): the write lock is taken at once, so a transaction that reads and
then writes can never fail half-way with "database is locked". The price is that the lock is
held for the whole request, checks and all, and the workers queue behind it (a comment
submission held it ~8 ms, capping the site at ~120 submissions a second however many cores).

`read_phase()` runs its block in a read transaction of its own (a plain, deferred BEGIN on
SQLite; on PostgreSQL an ordinary transaction) and ends it when the block ends, keeping the
objects it loaded. The writes that follow begin a new transaction, which takes the lock for
their own few statements only. What the read phase decided must therefore still hold when the
writes run: the service re-checks it there (see `comments.services.store_comment`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from consult.extensions import db

_READING = contextvars.ContextVar("consult_read_phase", default=False)


def in_read_phase() -> bool:
    """True while a `read_phase()` block runs: its transaction may begin deferred."""
    return _READING.get()


@contextmanager
def read_phase() -> Iterator[None]:
    """Run the block's queries in one read transaction, ended (without writing anything and
    without expiring the loaded objects) when the block ends. Nothing may be written in it.

    Inside a transaction that is already open, the block simply joins it."""
    session = db.session()
    if session.new or session.dirty or session.deleted or session.in_transaction():
        yield
        return
    token = _READING.set(True)
    try:
        yield
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("read_phase() may not write")
    except BaseException:
        session.rollback()
        raise
    else:
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
    finally:
        _READING.reset(token)
