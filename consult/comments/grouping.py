"""Duplicate grouping: which comments are copies of each other (a form-letter campaign).

A comment is stored without its group, so that a submission stays one INSERT, and grouped
here a moment later: in batches, in id order, one consultation at a time, under that
consultation's lock (PostgreSQL: an advisory lock; SQLite: the write transaction, which is
exclusive anyway). So no two processes group the same consultation at once, and the group
sizes and the consultation's comment counts (`CommentTally`), which only the grouping and
moderation change, are plain increments without hot-row races.

A comment joins the group of

- an exact copy: the same normalised text, found by the (consultation, fingerprint) index;
- else the most similar near copy (3-character-shingle Jaccard ≥ rules.DUPLICATE_THRESHOLD)
  among at most rules.CANDIDATES candidates that share LSH band keys with it (comment_band);

or stays alone. Every comment that stays alone, and the first rules.INDEXED_PER_GROUP near
copies of a group, have their band keys stored: a campaign of a million copies is looked up
through a few members, and a lookup's cost does not grow with the consultation.

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
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from flask import Flask, current_app

from consult.comments import rules
from consult.comments.models import (
    Comment,
    CommentBand,
    CommentStatus,
    CommentTally,
    DuplicateGroup,
)
from consult.core.time import now_utc
from consult.extensions import db

log = logging.getLogger(__name__)

BATCH = 500
POLL_SECONDS = 10.0
# Advisory-lock namespace (PostgreSQL): "CoGr" in the high 32 bits, the consultation below.
_LOCK_SPACE = 0x436F4772 << 32


def lock_consultation(consultation_id: int) -> None:
    """Take the consultation's grouping lock until the end of the transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_SPACE | consultation_id)))


def group_pending(consultation_id: int | None = None, *, limit: int = BATCH) -> int:
    """Group up to `limit` comments not grouped yet (of one consultation, or of any), oldest
    first. Returns how many were grouped. Flushes, never commits."""
    stmt = sa.select(Comment.consultation_id, Comment.id).where(Comment.grouped_at.is_(None))
    if consultation_id is not None:
        stmt = stmt.where(Comment.consultation_id == consultation_id)
    waiting: dict[int, list[int]] = defaultdict(list)
    for cid, comment_id in db.session.execute(stmt.order_by(Comment.id).limit(limit)):
        waiting[cid].append(comment_id)
    done = 0
    for cid, ids in waiting.items():
        lock_consultation(cid)
        # Read again under the lock: another process may have grouped some meanwhile.
        rows = db.session.execute(
            sa.select(Comment.id, Comment.body, Comment.fingerprint, Comment.status)
            .where(Comment.id.in_(ids), Comment.grouped_at.is_(None))
            .order_by(Comment.id)
        ).all()
        if rows:
            batch = _Batch(cid)
            for row in rows:
                batch.take(row.id, row.body, row.fingerprint, row.status)
            batch.write()
            done += len(rows)
    return done


def group_all(consultation_id: int | None = None) -> int:
    """Group every comment waiting (in batches, in this transaction)."""
    total = 0
    while count := group_pending(consultation_id):
        total += count
    return total


def count_status_change(comment_id: int, consultation_id: int, before: str, after: str) -> None:
    """Moderation changed a comment's status: move it between the consultation's counts, if
    the grouping has counted it already (else the grouping counts it with its new status).
    Called after the status is written, in the same transaction."""
    if before == after:
        return
    lock_consultation(consultation_id)
    # Read under the lock: a grouping that took the comment meanwhile has committed.
    counted = db.session.scalar(
        sa.select(Comment.grouped_at.is_not(None)).where(Comment.id == comment_id)
    )
    if not counted:
        return
    delta = Counter({before: -1, after: 1})
    _add_to_tally(
        consultation_id,
        0,
        delta[CommentStatus.PUBLISHED.value],
        delta[CommentStatus.HIDDEN.value],
    )


# --- one batch of one consultation --------------------------------------------------------

_STORED_COPY = (
    sa.select(Comment.id, Comment.duplicate_group_id)
    .where(
        Comment.consultation_id == sa.bindparam("consultation_id"),
        Comment.fingerprint == sa.bindparam("fingerprint"),
        Comment.grouped_at.is_not(None),
    )
    .limit(1)
)


def _candidates_statement(keys: int) -> sa.Select:
    hits = (
        sa.select(CommentBand.comment_id, sa.func.count().label("hits"))
        .where(
            CommentBand.consultation_id == sa.bindparam("consultation_id"),
            CommentBand.key.in_([sa.bindparam(f"k{i}") for i in range(keys)]),
        )
        .group_by(CommentBand.comment_id)
        .order_by(sa.func.count().desc(), CommentBand.comment_id)
        .limit(rules.CANDIDATES)
        .subquery()
    )
    return sa.select(hits.c.comment_id, hits.c.hits, Comment.duplicate_group_id, Comment.body).join(
        Comment, Comment.id == hits.c.comment_id
    )


_CANDIDATES = _candidates_statement(rules.BANDS)


class _Batch:
    """Groups one consultation's waiting comments, in order, and writes the outcome in a few
    set-based statements. Comments grouped earlier in the same batch count as stored."""

    def __init__(self, consultation_id: int):
        self.consultation_id = consultation_id
        self.now: datetime = now_utc()
        # The batch's own comments as the index sees them, before they are written.
        self.fingerprints: dict[str, int] = {}
        self.keys: dict[int, list[int]] = defaultdict(list)
        # Each comment's group as this batch leaves it (earlier comments it looked at too).
        self.group_of: dict[int, int | None] = {}
        self.shingles: dict[int, np.ndarray] = {}
        self.indexed_now: dict[int, int] = {}  # group → members indexed, read once
        self.members: set[int] = set()
        self.updates: list[dict] = []
        self.regrouped: set[int] = set()  # earlier comments that got a group in this batch
        self.bands: list[dict] = []
        self.sizes: Counter[int] = Counter()
        self.indexed: Counter[int] = Counter()
        self.counts: Counter[str] = Counter()

    def take(self, comment_id: int, body: str, fingerprint: str, status: str) -> None:
        match = self.fingerprints.get(fingerprint) or self._stored_copy(fingerprint)
        near = False
        keys: tuple[int, ...] = ()
        if match is None:
            shingle_array, keys = rules.text_keys(rules.normalise(body))
            self.shingles[comment_id] = shingle_array
            match = self._near_copy(shingle_array, keys)
            near = match is not None
        group: int | None = None
        index = match is None
        if match is not None:
            group = self._group_with(match)
            self.sizes[group] += 1
            index = near and self._indexed(group) < rules.INDEXED_PER_GROUP
            if index:
                self.indexed[group] += 1
        if index:
            for key in keys:
                self.keys[key].append(comment_id)
                self.bands.append({"c": self.consultation_id, "k": key, "id": comment_id})
        self.group_of[comment_id] = group
        self.members.add(comment_id)
        self.fingerprints.setdefault(fingerprint, comment_id)
        self.updates.append({"cid": comment_id})
        self.counts["comments"] += 1
        self.counts[status] += 1

    def _stored_copy(self, fingerprint: str) -> int | None:
        row = db.session.execute(
            _STORED_COPY, {"consultation_id": self.consultation_id, "fingerprint": fingerprint}
        ).first()
        if row is None:
            return None
        self.group_of.setdefault(row.id, row.duplicate_group_id)
        return row.id

    def _near_copy(self, shingle_array: np.ndarray, keys: tuple[int, ...]) -> int | None:
        hits: Counter[int] = Counter()
        for key in keys:
            for comment_id in self.keys.get(key, ()):
                hits[comment_id] += 1
        params = {"consultation_id": self.consultation_id}
        params.update({f"k{i}": key for i, key in enumerate(keys)})
        for row in db.session.execute(_CANDIDATES, params):
            hits[row.comment_id] += row.hits
            self.group_of.setdefault(row.comment_id, row.duplicate_group_id)
            if row.comment_id not in self.shingles:
                self.shingles[row.comment_id] = rules.shingles(rules.normalise(row.body))
        best, match, seen_groups = rules.DUPLICATE_THRESHOLD, None, set()
        for candidate, _hits in hits.most_common(rules.CANDIDATES):
            group = self.group_of.get(candidate)
            if group is not None and group in seen_groups:
                continue  # another member of a group already matched stands for it
            score = rules.jaccard(shingle_array, self.shingles[candidate])
            if score >= best:
                best, match = score, candidate
                if group is not None:
                    seen_groups.add(group)
        return match

    def _group_with(self, match: int) -> int:
        group = self.group_of.get(match)
        if group is None:
            # The match was alone (and so indexed): it and the new comment make a group.
            group = db.session.execute(
                sa.insert(DuplicateGroup)
                .values(consultation_id=self.consultation_id, created_at=self.now, size=0)
                .returning(DuplicateGroup.id)
            ).scalar_one()
            self.group_of[match] = group
            self.indexed_now[group] = 0
            self.sizes[group] += 1
            self.indexed[group] += 1
            if match not in self.members:
                self.regrouped.add(match)
        return group

    def _indexed(self, group: int) -> int:
        if group not in self.indexed_now:
            self.indexed_now[group] = (
                db.session.scalar(
                    sa.select(DuplicateGroup.indexed).where(DuplicateGroup.id == group)
                )
                or 0
            )
        return self.indexed_now[group] + self.indexed[group]

    def write(self) -> None:
        for update in self.updates:
            update["gid"] = self.group_of[update["cid"]]
        db.session.execute(
            sa.update(Comment.__table__)
            .where(Comment.__table__.c.id == sa.bindparam("cid"))
            .values(grouped_at=self.now, duplicate_group_id=sa.bindparam("gid")),
            self.updates,
        )
        if self.regrouped:
            db.session.execute(
                sa.update(Comment.__table__)
                .where(Comment.__table__.c.id == sa.bindparam("cid"))
                .values(duplicate_group_id=sa.bindparam("gid")),
                [{"cid": c, "gid": self.group_of[c]} for c in sorted(self.regrouped)],
            )
        if self.bands:
            db.session.execute(
                sa.insert(CommentBand.__table__).values(
                    consultation_id=sa.bindparam("c"),
                    key=sa.bindparam("k"),
                    comment_id=sa.bindparam("id"),
                ),
                self.bands,
            )
        if self.sizes:
            table = DuplicateGroup.__table__
            db.session.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("gid"))
                .values(
                    size=table.c.size + sa.bindparam("n"),
                    indexed=table.c.indexed + sa.bindparam("i"),
                ),
                [{"gid": g, "n": n, "i": self.indexed[g]} for g, n in sorted(self.sizes.items())],
            )
        _add_to_tally(
            self.consultation_id,
            self.counts["comments"],
            self.counts[CommentStatus.PUBLISHED.value],
            self.counts[CommentStatus.HIDDEN.value],
        )


def _add_to_tally(consultation_id: int, comments: int, published: int, hidden: int) -> None:
    table = CommentTally.__table__
    changed = db.session.execute(
        sa.update(table)
        .where(table.c.consultation_id == consultation_id)
        .values(
            comments=table.c.comments + comments,
            published=table.c.published + published,
            hidden=table.c.hidden + hidden,
        )
    ).rowcount
    if not changed:
        db.session.execute(
            sa.insert(table).values(
                consultation_id=consultation_id,
                comments=comments,
                published=published,
                hidden=hidden,
            )
        )


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


def group_sizes(group_ids: Iterable[int | None]) -> dict[int, int]:
    """The stored sizes of these groups."""
    ids = sorted({g for g in group_ids if g is not None})
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(DuplicateGroup.id, DuplicateGroup.size).where(DuplicateGroup.id.in_(ids))
        ).all()
    )


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
            self.wakeup.clear()
            with self.app.app_context():
                try:
                    while group_pending() == BATCH:
                        db.session.commit()
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
