"""The answer-progress tally (comments.models.AnswerProgress): how many comments a
consultation has per clause and per assigned officer, and how many of them are drafted and
answered. Every change goes through `move`: it reads how the rows it is about to change are
spread over the tally's cells (one GROUP BY over the selection: set-based, however large) and
shifts the counts, so that the workspace and the dashboard read a few rows, never the
comments. Only comments the grouping has taken in are counted (the grouping adds them with
their state at that moment, under the consultation's grouping lock, which `move` holds too)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from consult.comments.models import AnswerProgress
from consult.comments.models import Comment
from consult.extensions import db
from consult.feedback.answers import ANSWERED
from consult.feedback.answers import DRAFTED
from consult.feedback.answers import STATE
from consult.feedback.answers import UNANSWERED

__all__ = ["ANSWERED", "DRAFTED", "UNANSWERED", "count_in", "move", "progress_of"]

KEEP = object()  # `move`: leave the assignee as it is
_CELL = (
    sa.func.coalesce(Comment.clause_id, 0),
    sa.func.coalesce(Comment.assigned_to_id, 0),
    STATE,
)


def _spread(
    where: Iterable[sa.ColumnElement[bool]], state: sa.ColumnElement[str] = STATE
) -> Counter[tuple[int, int, str]]:
    cell = (*_CELL[:2], state)
    rows = db.session.execute(sa.select(*cell, sa.func.count()).where(*where).group_by(*cell)).all()
    return Counter({(clause, who, state): n for clause, who, state, n in rows})


def count_in(consultation_id: int, comment_ids: list[int]) -> None:
    """The grouping took these comments in: count them, with their state as they are now."""
    spread = Counter()
    for start in range(0, len(comment_ids), 5000):
        spread.update(_spread([Comment.id.in_(comment_ids[start : start + 5000])]))
    _apply(consultation_id, spread)


def move(
    consultation_id: int,
    where: list[sa.ColumnElement[bool]],
    *,
    state: str | None = None,
    assignee=KEEP,
    current: sa.ColumnElement[str] = STATE,
) -> int:
    """The counted comments matching `where` are about to get `state` and/or `assignee`
    (None: nobody): shift the tally, and say how many they are. Call it before the UPDATE, in
    the same transaction. `current`: their state now, when the caller knows a cheaper form
    (answers.state_in)."""
    before = _spread([*where, Comment.grouped_at.is_not(None)], current)
    delta: Counter[tuple[int, int, str]] = Counter()
    for (clause, who, old_state), n in before.items():
        new_who = who if assignee is KEEP else (assignee or 0)
        delta[(clause, who, old_state)] -= n
        delta[(clause, new_who, state or old_state)] += n
    _apply(consultation_id, delta)
    return sum(before.values())


def _apply(consultation_id: int, delta: Counter[tuple[int, int, str]]) -> None:
    cells: dict[tuple[int, int], list[int]] = {}
    for (clause, who, state), n in delta.items():
        if n:
            cell = cells.setdefault((clause, who), [0, 0, 0])
            cell[0] += n
            cell[1] += n if state == DRAFTED else 0
            cell[2] += n if state == ANSWERED else 0
    if not cells:
        return
    # An UPDATE of the cell, else an INSERT: not an upsert, since SQLite checks the CHECK
    # constraint on the row an upsert proposes (a negative delta) before the conflict.
    table = AnswerProgress.__table__
    for (clause, who), counts in sorted(cells.items()):
        cell = {"consultation_id": consultation_id, "clause_key": clause, "assignee_key": who}
        added = dict(zip(("comments", "drafted", "answered"), counts, strict=True))
        changed = db.session.execute(
            table.update()
            .where(*(table.c[name] == value for name, value in cell.items()))
            .values({name: table.c[name] + n for name, n in added.items()})
        ).rowcount
        if not changed:
            db.session.execute(table.insert().values({**cell, **added}))


@dataclass
class Tally:
    comments: int = 0
    drafted: int = 0
    answered: int = 0

    @property
    def unanswered(self) -> int:
        return self.comments - self.drafted - self.answered

    def add(self, row) -> None:
        self.comments += row.comments
        self.drafted += row.drafted
        self.answered += row.answered


@dataclass
class Progress:
    """A consultation's answering: in all, per clause id (0: the draft as a whole) and per
    assigned officer's id (0: not assigned)."""

    total: Tally
    by_clause: dict[int, Tally]
    by_officer: dict[int, Tally]


def progress_of(consultation_id: int) -> Progress:
    result = Progress(Tally(), {}, {})
    rows = db.session.scalars(
        sa.select(AnswerProgress).where(AnswerProgress.consultation_id == consultation_id)
    )
    for row in rows:
        result.total.add(row)
        result.by_clause.setdefault(row.clause_key, Tally()).add(row)
        result.by_officer.setdefault(row.assignee_key, Tally()).add(row)
    return result


def totals(consultation_ids: list[int]) -> dict[int, Tally]:
    """The dashboard's figures for many consultations in one statement."""
    t = AnswerProgress
    rows = db.session.execute(
        sa.select(
            t.consultation_id,
            sa.func.sum(t.comments),
            sa.func.sum(t.drafted),
            sa.func.sum(t.answered),
        )
        .where(t.consultation_id.in_(consultation_ids))
        .group_by(t.consultation_id)
    ).all()
    return {cid: Tally(int(n), int(d), int(a)) for cid, n, d, a in rows}


def waiting_for(officer_id: int, consultation_ids: list[int]) -> dict[int, int]:
    """Per consultation, the comments assigned to an officer without an answer yet (neither
    drafted nor confirmed): the dashboard's "mine, not yet answered", as the workspace's
    filter it links to lists them."""
    t = AnswerProgress
    rows = db.session.execute(
        sa.select(t.consultation_id, sa.func.sum(t.comments - t.drafted - t.answered))
        .where(t.consultation_id.in_(consultation_ids), t.assignee_key == officer_id)
        .group_by(t.consultation_id)
    ).all()
    return {cid: int(n) for cid, n in rows if n}
