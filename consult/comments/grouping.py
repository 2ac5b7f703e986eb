"""Duplicate grouping: which comments are copies of each other (a form-letter campaign).

A comment is stored without its group, so that a submission stays one INSERT, and grouped
here a moment later: in batches, in id order, one consultation at a time, under that
consultation's lock (PostgreSQL: an advisory lock; SQLite: the write transaction, which is
exclusive anyway). So no two processes group the same consultation at once, and the group
sizes and the consultation's comment counts (`CommentTally`), which only the grouping and
moderation change, are plain increments without hot-row races.

A comment joins the group of

- an exact copy: the same normalised text, found by its fingerprint in comment_text (one row
  for each distinct text of the consultation);
- else the most similar near copy (3-character-shingle Jaccard ≥ rules.DUPLICATE_THRESHOLD)
  among at most rules.CANDIDATES candidates that share LSH band keys with it (comment_band);

or stays alone. Each band key is stored once, for the first comment that had it: every new
text adds the keys no earlier text had (a campaign letter's common keys once, each new
wording the few its own words make), so a lookup reads at most rules.BANDS rows and its cost
does not grow with the consultation or the campaign.

Who groups: the service that stores comments outside a request groups them in the same
transaction (`submit_comment`, offline entry, `import_comments`); the web and API handlers
commit first and call `after_commit()`, which groups at once (COMMENT_GROUPING=inline, the
tests) or wakes this process's grouping thread (thread, the default: no Redis or worker
needed). The thread also looks for stragglers every POLL_SECONDS, and `flask tick` groups
whatever is left, so a comment whose process died before grouping it is still grouped.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import Flask
from flask import current_app

from consult.comments import rules
from consult.comments.models import Comment
from consult.comments.models import CommentBand
from consult.comments.models import CommentStatus
from consult.comments.models import CommentTally
from consult.comments.models import CommentText
from consult.comments.models import DuplicateGroup
from consult.core.time import now_utc
from consult.core.transactions import read_phase
from consult.extensions import db
from consult.feedback import progress as answer_progress

log = logging.getLogger(__name__)

BATCH = 500
POLL_SECONDS = 10.0
GATHER_SECONDS = 0.2
# Advisory-lock namespace (PostgreSQL): "CoGr" in the high 32 bits, the consultation below.
_LOCK_SPACE = 0x436F4772 << 32


_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("key", type_=sa.BigInteger)))
_WAITING_CONSULTATIONS = (
    sa.select(Comment.consultation_id).where(Comment.grouped_at.is_(None)).distinct()
)
# From `after` on: within one transaction (an import) PostgreSQL keeps the index entries of
# the comments it has grouped until the transaction ends, and a scan from the start would
# step over all of them for every batch.
_WAITING_IN = (
    sa.select(Comment.id)
    .where(
        Comment.grouped_at.is_(None),
        Comment.consultation_id == sa.bindparam("consultation_id"),
        Comment.id > sa.bindparam("after"),
    )
    .order_by(Comment.id)
    .limit(sa.bindparam("limit"))
)
# (By the primary key: whether each is still waiting is looked at in Python, so that the
# planner is not tempted by the partial index.)
_STILL_WAITING = (
    sa.select(Comment.id, Comment.body, Comment.status, Comment.grouped_at)
    .where(Comment.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(Comment.id)
)


def lock_consultation(consultation_id: int) -> None:
    """Take the consultation's grouping lock until the end of the transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_LOCK, {"key": _LOCK_SPACE | consultation_id})


def _group_next(consultation_id: int, limit: int, after: int) -> tuple[int, int | None]:
    """Group up to `limit` of a consultation's comments not grouped yet, oldest first, from
    the id `after` on. Returns how many were grouped and the last id looked at (None when
    none was waiting). Flushes, never commits.

    The waiting comments are found and grouped while only reading, and just the outcome is
    written under the consultation's lock, so SQLite's write lock is held for a few
    statements, not for the grouping. Should another process have grouped in between (the
    batch is stale), a caller without a transaction of its own (the grouping thread) lets go
    of the lock and reads again; inside a transaction the batch is planned again under it."""
    own = not db.session().in_transaction()
    for attempt in range(3):
        with read_phase():
            cid = consultation_id
            params = {"limit": limit, "consultation_id": cid, "after": after}
            ids = list(db.session.scalars(_WAITING_IN, params))
            if not ids:
                return 0, None
            batch = _plan(cid, ids)
        lock_consultation(cid)
        if batch.still_valid():
            break
        if own and attempt < 2:
            db.session.rollback()
            continue
        batch = _plan(cid, ids)  # under the lock this time
        break
    if batch.updates:
        batch.write()
    return len(batch.updates), ids[-1]


def _plan(consultation_id: int, ids: list[int]) -> _Batch:
    # The generation first, then the rows: read the other way round (each statement sees the
    # latest commits on PostgreSQL), a batch committed in between would leave these rows
    # looking ungrouped under a generation that already counts them, and they would be
    # counted twice.
    generation = _generation(consultation_id)
    rows = db.session.execute(_STILL_WAITING, {"ids": ids}).all()
    return _Batch(consultation_id, [row for row in rows if row.grouped_at is None], generation)


def waiting_consultations() -> list[int]:
    """The consultations with comments waiting to be grouped."""
    with read_phase():
        return list(db.session.scalars(_WAITING_CONSULTATIONS))


def group_all(consultation_id: int | None = None) -> int:
    """Group every comment waiting (in batches, in this transaction), of one consultation or
    of all."""
    cids = [consultation_id] if consultation_id is not None else waiting_consultations()
    return sum(count for cid in cids for count in _batches(cid))


def _batches(consultation_id: int) -> Iterator[int]:
    """Group a consultation's waiting comments batch by batch (the caller may commit between
    them), each batch starting where the last one stopped; yields the counts."""
    after = 0
    while True:
        count, last = _group_next(consultation_id, BATCH, after)
        if last is None:
            return
        yield count
        after = last


def count_status_change(comment_id: int, consultation_id: int, before: str, after: str) -> None:
    """Moderation changed a comment's status: move it between the consultation's counts, if
    the grouping has counted it already (else the grouping counts it with its new status).
    Called after the status is written, in the same transaction."""
    if before == after:
        return
    lock_consultation(consultation_id)
    # Read under the lock: a grouping that took the comment meanwhile has committed.
    counted, group = db.session.execute(
        sa.select(Comment.grouped_at.is_not(None), Comment.duplicate_group_id).where(
            Comment.id == comment_id
        )
    ).one()
    if not counted:
        return
    delta = Counter({before: -1, after: 1})
    if group is not None:
        db.session.execute(
            _GROW_GROUP, {"gid": group, "n": 0, "p": delta[CommentStatus.PUBLISHED.value]}
        )
    _add_to_tally(
        consultation_id,
        0,
        delta[CommentStatus.PUBLISHED.value],
        delta[CommentStatus.HIDDEN.value],
    )


# --- one batch of one consultation --------------------------------------------------------

_COMMENTS, _GROUPS, _TALLY = Comment.__table__, DuplicateGroup.__table__, CommentTally.__table__
_TEXTS_T, _BANDS_T = CommentText.__table__, CommentBand.__table__
# Lookups for a whole batch at once, each by an index: its texts already known (exact
# copies), the stored band keys it shares (near-copy candidates), and the candidates' texts.
_KNOWN_TEXTS = (
    sa.select(
        _TEXTS_T.c.fingerprint,
        _TEXTS_T.c.comment_id,
        _COMMENTS.c.duplicate_group_id,
        _COMMENTS.c.status,
    )
    .join(_COMMENTS, _COMMENTS.c.id == _TEXTS_T.c.comment_id)
    .where(
        _TEXTS_T.c.consultation_id == sa.bindparam("c"),
        _TEXTS_T.c.fingerprint.in_(sa.bindparam("fps", expanding=True)),
    )
)
_KEY_HOLDERS = sa.select(_BANDS_T.c.key, _BANDS_T.c.comment_id).where(
    _BANDS_T.c.consultation_id == sa.bindparam("c"),
    _BANDS_T.c.key.in_(sa.bindparam("keys", expanding=True)),
)
_CANDIDATE_TEXTS = sa.select(
    _COMMENTS.c.id, _COMMENTS.c.duplicate_group_id, _COMMENTS.c.body, _COMMENTS.c.status
).where(_COMMENTS.c.id.in_(sa.bindparam("ids", expanding=True)))
# Values per IN list (SQLite allows 32,766 parameters a statement).
_CHUNK = 5000


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Batch:
    """Groups one consultation's waiting comments, in order, reading only (in __init__), and
    then writes the outcome in a few set-based statements (`write`).

    What the batch needs from the database is read in bulk first, a few statements for the
    whole batch: which of its texts are known (exact copies), who holds its band keys (the
    near-copy candidates), and the texts of the candidates sharing most keys with each
    comment. Comments grouped earlier in the same batch count as stored. The groups it makes
    have provisional (negative) ids until they are written. `generation` is the
    consultation's count of grouped comments when the batch began reading: if it differs
    when the batch writes, another process grouped in between and the batch is planned
    again."""

    def __init__(self, consultation_id: int, rows, generation: int):
        self.consultation_id = consultation_id
        self.now: datetime = now_utc()
        self.generation = generation
        self.new_groups: list[int] = []
        # Each comment's group as this batch leaves it (earlier comments it looked at too).
        self.group_of: dict[int, int | None] = {}
        self.shingles: dict[int, np.ndarray] = {}
        self.members: set[int] = set()
        self.updates: list[dict] = []
        self.regrouped: set[int] = set()  # earlier comments that got a group in this batch
        self.new_texts: list[dict] = []
        self.new_keys: list[tuple[int, int, int]] = []
        self.sizes: Counter[int] = Counter()
        self.published: Counter[int] = Counter()  # group → published members added
        self.status_of: dict[int, str] = {}
        self.counts: Counter[str] = Counter()
        items = [(row, rules.normalise(row.body)) for row in rows]
        items = [(row, text, rules.fingerprint(text)) for row, text in items]
        # fingerprint → its first comment; band key → its holder (stored, then the batch's)
        self.texts = self._known_texts({fp for _, _, fp in items})
        self.keys_of = self._keys_of_new_texts(items)
        self.holders = self._holders({k for keys in self.keys_of.values() for k in keys})
        self._read_candidates()
        for row, _text, fp in items:
            self.take(row.id, fp, row.status)

    # reading, for the whole batch

    def _known_texts(self, fingerprints: set[str]) -> dict[str, int]:
        known: dict[str, int] = {}
        for chunk in _chunks(sorted(fingerprints)):
            for row in db.session.execute(_KNOWN_TEXTS, {"c": self.consultation_id, "fps": chunk}):
                known[row.fingerprint] = row.comment_id
                self.group_of.setdefault(row.comment_id, row.duplicate_group_id)
                self.status_of.setdefault(row.comment_id, row.status)
        return known

    def _keys_of_new_texts(self, items) -> dict[int, tuple[int, ...]]:
        """The band keys (and shingles) of each comment whose text is new: an exact copy of a
        known text, or of an earlier one in the batch, needs neither."""
        seen = set(self.texts)
        keys_of: dict[int, tuple[int, ...]] = {}
        for row, text, fp in items:
            if fp not in seen:
                seen.add(fp)
                self.shingles[row.id], keys_of[row.id] = rules.text_keys(text)
        return keys_of

    def _holders(self, keys: set[int]) -> dict[int, int]:
        holders: dict[int, int] = {}
        for chunk in _chunks(sorted(keys)):
            params = {"c": self.consultation_id, "keys": chunk}
            holders.update((k, c) for k, c in db.session.execute(_KEY_HOLDERS, params))
        return holders

    def _read_candidates(self) -> None:
        """The texts and groups of the stored comments that share most keys with each new
        text (at most rules.CANDIDATES each)."""
        wanted: set[int] = set()
        for keys in self.keys_of.values():
            hits = Counter(self.holders[k] for k in keys if k in self.holders)
            wanted.update(c for c, _ in hits.most_common(rules.CANDIDATES))
        for chunk in _chunks(sorted(wanted)):
            for row in db.session.execute(_CANDIDATE_TEXTS, {"ids": chunk}):
                self.group_of.setdefault(row.id, row.duplicate_group_id)
                self.status_of.setdefault(row.id, row.status)
                self.shingles[row.id] = rules.shingles(rules.normalise(row.body))

    # deciding, comment by comment

    def take(self, comment_id: int, fingerprint: str, status: str) -> None:
        match = self.texts.get(fingerprint)
        if match is None:
            self.texts[fingerprint] = comment_id
            self.new_texts.append({"c": self.consultation_id, "fp": fingerprint, "cid": comment_id})
            keys = self.keys_of[comment_id]
            match = self._near_copy(comment_id, keys)
            for key in keys:
                if key not in self.holders:
                    self.holders[key] = comment_id
                    self.new_keys.append((self.consultation_id, key, comment_id))
        self.status_of[comment_id] = status
        group = self._group_with(match) if match is not None else None
        if group is not None:
            self._join(group, comment_id)
        self.group_of[comment_id] = group
        self.members.add(comment_id)
        self.updates.append({"cid": comment_id})
        self.counts["comments"] += 1
        self.counts[status] += 1

    def _near_copy(self, comment_id: int, keys: tuple[int, ...]) -> int | None:
        hits = Counter(self.holders[k] for k in keys if k in self.holders)
        mine = self.shingles[comment_id]
        best, match, seen_groups = rules.DUPLICATE_THRESHOLD, None, set()
        for candidate, _hits in hits.most_common(rules.CANDIDATES):
            group = self.group_of.get(candidate)
            if group is not None and group in seen_groups:
                continue  # another member of a group already matched stands for it
            score = rules.jaccard(mine, self.shingles[candidate])
            if score >= best:
                best, match = score, candidate
                if group is not None:
                    seen_groups.add(group)
        return match

    def _join(self, group: int, comment_id: int) -> None:
        self.sizes[group] += 1
        self.published[group] += self.status_of[comment_id] == CommentStatus.PUBLISHED

    def _group_with(self, match: int) -> int:
        group = self.group_of.get(match)
        if group is None:
            # The match was alone: it and the new comment make a group.
            group = -1 - len(self.new_groups)
            self.new_groups.append(group)
            self.group_of[match] = group
            self._join(group, match)
            if match not in self.members:
                self.regrouped.add(match)
        return group

    # writing

    def still_valid(self) -> bool:
        return _generation(self.consultation_id) == self.generation

    def write(self) -> None:
        real = {
            provisional: db.session.execute(
                _NEW_GROUP, {"c": self.consultation_id, "at": self.now}
            ).scalar_one()
            for provisional in self.new_groups
        }
        if real:
            self.group_of = {c: real.get(g, g) for c, g in self.group_of.items()}
            self.sizes = Counter({real.get(g, g): n for g, n in self.sizes.items()})
            self.published = Counter({real.get(g, g): n for g, n in self.published.items()})
        for update in self.updates:
            update["gid"] = self.group_of[update["cid"]]
            update["at"] = self.now
        db.session.execute(_MARK_GROUPED, self.updates)
        answer_progress.count_in(self.consultation_id, [u["cid"] for u in self.updates])
        if self.regrouped:
            db.session.execute(
                _REGROUP, [{"cid": c, "gid": self.group_of[c]} for c in sorted(self.regrouped)]
            )
        if self.new_texts:
            db.session.execute(_ADD_TEXT, self.new_texts)
        if self.new_keys:
            _insert_keys(self.new_keys)
        if self.sizes:
            db.session.execute(
                _GROW_GROUP,
                [{"gid": g, "n": n, "p": self.published[g]} for g, n in sorted(self.sizes.items())],
            )
        _add_to_tally(
            self.consultation_id,
            self.counts["comments"],
            self.counts[CommentStatus.PUBLISHED.value],
            self.counts[CommentStatus.HIDDEN.value],
        )


def _insert_keys(rows: list[tuple[int, int, int]]) -> None:
    """Up to twenty rows a new text: straight to the driver's executemany, as plain integers
    (SQLAlchemy would build a parameter dictionary for each)."""
    connection = db.session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO comment_band (consultation_id, key, comment_id) VALUES ({mark}, {mark}, {mark})",
        rows,
    )


_MARK_GROUPED = (
    sa.update(_COMMENTS)
    .where(_COMMENTS.c.id == sa.bindparam("cid"))
    .values(grouped_at=sa.bindparam("at"), duplicate_group_id=sa.bindparam("gid"))
)
_REGROUP = (
    sa.update(_COMMENTS)
    .where(_COMMENTS.c.id == sa.bindparam("cid"))
    .values(duplicate_group_id=sa.bindparam("gid"))
)
_ADD_TEXT = sa.insert(_TEXTS_T).values(
    consultation_id=sa.bindparam("c"),
    fingerprint=sa.bindparam("fp"),
    comment_id=sa.bindparam("cid"),
)


def _adding(table: sa.Table, where: Any, **params: str) -> sa.Update:
    """An UPDATE of `table`'s rows `where` that adds to each column given its parameter."""
    return (
        sa.update(table)
        .where(where)
        .values({column: table.c[column] + sa.bindparam(p) for column, p in params.items()})
    )


_GROW_GROUP = _adding(_GROUPS, _GROUPS.c.id == sa.bindparam("gid"), size="n", published="p")
_NEW_GROUP = (
    sa.insert(_GROUPS)
    .values(consultation_id=sa.bindparam("c"), created_at=sa.bindparam("at"), size=0, published=0)
    .returning(_GROUPS.c.id)
)
_GENERATION = sa.select(_TALLY.c.comments).where(_TALLY.c.consultation_id == sa.bindparam("c"))


def _generation(consultation_id: int) -> int:
    return db.session.scalar(_GENERATION, {"c": consultation_id}) or 0


_ADD_TO_TALLY = _adding(
    _TALLY, _TALLY.c.consultation_id == sa.bindparam("c"), comments="n", published="p", hidden="h"
)
_NEW_TALLY = sa.insert(_TALLY).values(
    consultation_id=sa.bindparam("c"),
    comments=sa.bindparam("n"),
    published=sa.bindparam("p"),
    hidden=sa.bindparam("h"),
)


def _add_to_tally(consultation_id: int, comments: int, published: int, hidden: int) -> None:
    params = {"c": consultation_id, "n": comments, "p": published, "h": hidden}
    if not db.session.execute(_ADD_TO_TALLY, params).rowcount:
        db.session.execute(_NEW_TALLY, params)


# --- reading the counts -------------------------------------------------------------------


def tallies(consultation_ids: Iterable[int]) -> dict[int, CommentTally]:
    ids = list(consultation_ids)
    if not ids:
        return {}
    return {
        t.consultation_id: t
        for t in db.session.scalars(
            sa.select(CommentTally).where(CommentTally.consultation_id.in_(ids))
        )
    }


def group_sizes(group_ids: Iterable[int | None], model: Any = DuplicateGroup) -> dict[int, int]:
    """The stored sizes of these groups (of comments, or of another `model` with a size)."""
    ids = sorted({g for g in group_ids if g is not None})
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, model.size).where(model.id.in_(ids))).all())


# --- after a request's commit ---------------------------------------------------------------


def after_commit() -> None:
    """Comments were just committed by a request: have them grouped (see the module)."""
    app = current_app._get_current_object()
    if app.config.get("COMMENT_GROUPING", "thread") == "inline":
        group_all()
        db.session.commit()
        return
    _worker(app).wake()


class _GroupingThread:
    """One daemon thread per process that groups whatever waits, woken after submissions."""

    def __init__(self, app: Flask):
        self.app = app
        self.wakeup = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0
        self.guard = threading.Lock()

    def wake(self) -> None:
        if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
            with self.guard:
                if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():
                    self.pid = os.getpid()
                    self.wakeup = threading.Event()
                    self.thread = threading.Thread(
                        target=self._run, name="comment-grouping", daemon=True
                    )
                    self.thread.start()
        self.wakeup.set()

    def _run(self) -> None:
        while True:
            self.wakeup.wait(POLL_SECONDS)
            # Let a burst of submissions gather into one batch (a few statements for all).
            time.sleep(GATHER_SECONDS)
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    # One pass over what waits now; what arrives meanwhile wakes us again.
                    for consultation_id in waiting_consultations():
                        for _count in _batches(consultation_id):
                            db.session.commit()
                except Exception:  # keep the thread: the comments wait for the next round
                    log.exception("grouping comments failed; retrying at the next wake-up")
                    db.session.rollback()
                finally:
                    db.session.remove()


def _worker(app: Flask) -> _GroupingThread:
    worker = app.extensions.get("consult_grouping")
    if worker is None:
        worker = app.extensions.setdefault("consult_grouping", _GroupingThread(app))
    return worker
