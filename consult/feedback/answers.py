"""A comment's answer in SQL: its own (the comment's columns), else its duplicate group's.

A campaign of 900,000 copies is answered by writing its group's row once (feedback.services
answer_selection), so every statement that reads or filters answers goes through these
expressions instead of the comment's columns. Two forms: correlated EXISTS conditions, which
fit any statement (an UPDATE too) and which the databases run as a primary-key probe per row;
and the columns of an outer join to the group, for the reads that stream many rows (the
report, the CSV, open data)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup

UNANSWERED, DRAFTED, ANSWERED = "unanswered", "drafted", "answered"

OWN = Comment.disposition.is_not(None)
_G = DuplicateGroup.__table__.alias("answering_group")


def _group_answer(*more: sa.ColumnElement[bool]) -> sa.Exists:
    return sa.exists().where(
        _G.c.id == Comment.duplicate_group_id, _G.c.disposition.is_not(None), *more
    )


GROUP_ANSWERED = _group_answer()
GROUP_DRAFTED = _group_answer(_G.c.answer_draft)
GROUP_CONFIRMED = _group_answer(sa.not_(_G.c.answer_draft))

IS_UNANSWERED = sa.and_(sa.not_(OWN), sa.not_(GROUP_ANSWERED))
IS_DRAFTED = sa.or_(sa.and_(OWN, Comment.answer_draft), sa.and_(sa.not_(OWN), GROUP_DRAFTED))
IS_ANSWERED = sa.or_(
    sa.and_(OWN, sa.not_(Comment.answer_draft)), sa.and_(sa.not_(OWN), GROUP_CONFIRMED)
)
IN_STATE = {UNANSWERED: IS_UNANSWERED, DRAFTED: IS_DRAFTED, ANSWERED: IS_ANSWERED}


def _blank(column) -> sa.ColumnElement[bool]:
    """Empty once spaces, tabs and line breaks are taken out (SQL's trim takes spaces only,
    so a reason of a tab passes the CHECK; only a row written behind the service's back has
    one)."""
    text = sa.func.coalesce(column, "")
    for ch in ("\t", "\n", "\r"):
        text = sa.func.replace(text, sa.literal(ch), sa.literal(""))
    return sa.func.trim(text) == ""


# An answer that is not "adopted" and has no reason (rule 3): the service never writes one.
NO_REASON = sa.or_(
    sa.and_(OWN, Comment.disposition != "adopted", _blank(Comment.disposition_reason)),
    sa.and_(
        sa.not_(OWN), _group_answer(_G.c.disposition != "adopted", _blank(_G.c.disposition_reason))
    ),
)


STATE = sa.case(
    (sa.and_(OWN, Comment.answer_draft), DRAFTED),
    (OWN, ANSWERED),
    (GROUP_DRAFTED, DRAFTED),
    (GROUP_ANSWERED, ANSWERED),
    else_=UNANSWERED,
)


def group_state(group: DuplicateGroup) -> str:
    if group.disposition is None:
        return UNANSWERED
    return DRAFTED if group.answer_draft else ANSWERED


def state_in(group: DuplicateGroup) -> sa.ColumnElement[str]:
    """STATE for the members of `group`, its state known: no probe of the group per row (a
    900,000-member group is counted in a second, not in five)."""
    return sa.case(
        (sa.and_(OWN, Comment.answer_draft), DRAFTED),
        (OWN, ANSWERED),
        else_=sa.literal(group_state(group)),
    )


def drafted_in(group: DuplicateGroup) -> sa.ColumnElement[bool]:
    """IS_DRAFTED for the members of `group`, its state known."""
    own = sa.and_(OWN, Comment.answer_draft)
    return sa.or_(own, sa.not_(OWN)) if group_state(group) == DRAFTED else own


# The outer-join form: `joined(select(...))` and these columns.
GROUP = aliased(DuplicateGroup, name="comment_group")


def joined(stmt: sa.Select) -> sa.Select:
    """`stmt` (a select from comment) with each comment's group beside it."""
    return stmt.select_from(sa.outerjoin(Comment, GROUP, GROUP.id == Comment.duplicate_group_id))


def _pick(own, group):
    return sa.case((OWN, own), else_=group)


DISPOSITION = _pick(Comment.disposition, GROUP.disposition)
REASON = _pick(Comment.disposition_reason, GROUP.disposition_reason)
# An answer that gives a reason, in the joined form (counted when the feedback is published,
# for the responsiveness figures' share of answers with one).
REASON_GIVEN = sa.not_(_blank(REASON))
DRAFT = _pick(Comment.answer_draft, sa.func.coalesce(GROUP.answer_draft, sa.false()))
