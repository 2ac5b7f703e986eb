"""Which comments of a consultation the workspace lists, and an answer or an assignment
applies to: one selection for the web page's filters, the API's `selection` and the services,
checked here (unknown fields and values are refused with the field's name).

A page of the workspace is read in id order from one index (the consultation's, or the
narrower one a filter has: unanswered, a clause, a group, an officer), looking at no more than
SCAN_WINDOW index entries: a filter that the index cannot answer (a text, a source, dates) is
applied to that window only, and the page says how far it looked and offers to go on. So a
page costs the same at a thousand comments and at a million, whatever the filter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Role
from consult.accounts.models import User
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import Comment
from consult.comments.models import DuplicateGroup
from consult.consultations.models import Clause
from consult.consultations.models import Consultation
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.i18n import to_simplified
from consult.core.time import configured_zone_name
from consult.core.time import from_local
from consult.extensions import db
from consult.feedback import answers
from consult.feedback.answers import ANSWERED
from consult.feedback.answers import DRAFTED
from consult.feedback.answers import UNANSWERED

STATE_VALUES = (UNANSWERED, DRAFTED, ANSWERED)
STATE_LABELS = {
    UNANSWERED: _l("Not yet answered"),
    DRAFTED: _l("Drafted, to confirm"),
    ANSWERED: _l("Answered"),
}
FIELDS = (
    "group_id",
    "clause",
    "source",
    "state",
    "assignee",
    "submitted_from",
    "submitted_to",
    "q",
    "comment_ids",
)
MAX_QUERY = 100
MAX_COMMENT_IDS = 500  # ticked boxes: a page's worth; larger sets are selected by filter
SCAN_WINDOW = 20_000
PER_PAGE = 50
GROUPS_PER_PAGE = 10
NOBODY = 0  # `assignee`: not assigned to anyone


@dataclass(frozen=True)
class Selection:
    group_id: int | None = None
    clause: int | None = None  # the clause's number; 0: the draft as a whole
    source: str | None = None
    state: str | None = None
    assignee: int | None = None  # an officer's id; NOBODY: not assigned
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str | None = None
    comment_ids: tuple[int, ...] | None = field(default=None)

    def record(self) -> dict[str, Any]:
        """As the audit log and the API show it: only the fields given."""
        out = {}
        for key, value in asdict(self).items():
            if value is None:
                continue
            out[key] = value.isoformat() if isinstance(value, date) else value
            if key == "comment_ids":
                out[key] = list(value)
        return out

    @property
    def is_empty(self) -> bool:
        return not self.record()


def parse(data: Any, consultation: Consultation) -> Selection:
    """A selection from the API's JSON or the web page's query: every field optional, none
    unknown; a group, a clause or an officer must be the consultation's own."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise RuleViolation("selection", _l("The selection must be an object of filters."))
    for key in data:
        if key not in FIELDS:
            raise RuleViolation(f"selection.{key}", _l("Unknown filter."))
    given = {k: v for k, v in data.items() if v not in (None, "")}

    def whole(key: str, minimum: int = 1) -> int | None:
        return values.whole(given.get(key), f"selection.{key}", minimum=minimum, required=False)

    group_id = whole("group_id")
    if group_id is not None:
        group = db.session.get(DuplicateGroup, group_id)
        if group is None or group.consultation_id != consultation.id:
            raise RuleViolation("selection.group_id", _l("No such group in this consultation."))
    clause = whole("clause", minimum=0)
    if clause and _clause_id(consultation, clause) is None:
        raise RuleViolation("selection.clause", _l("No such clause in this consultation."))
    source = _choice(given.get("source"), SOURCE_VALUES, "selection.source")
    state = _choice(given.get("state"), STATE_VALUES, "selection.state")
    assignee = whole("assignee", minimum=0)
    if assignee:
        officer = db.session.get(User, assignee)
        if officer is None or not may_answer_for(officer, consultation):
            raise RuleViolation(
                "selection.assignee", _l("Not an officer of this consultation's department.")
            )
    start = values.day(given.get("submitted_from"), "selection.submitted_from", required=False)
    end = values.day(given.get("submitted_to"), "selection.submitted_to", required=False)
    if start and end and end < start:
        raise RuleViolation("selection.submitted_to", _l("The end comes before the start."))
    q = values.search_query(given.get("q"), MAX_QUERY) or None
    ids = given.get("comment_ids")
    if ids is not None:
        if not isinstance(ids, list | tuple) or not ids or len(ids) > MAX_COMMENT_IDS:
            raise RuleViolation(
                "selection.comment_ids",
                _l("Give from 1 to %(n)d comment ids.", n=MAX_COMMENT_IDS),
            )
        ids = tuple(sorted({values.whole(i, "selection.comment_ids", minimum=1) for i in ids}))
    return Selection(group_id, clause, source, state, assignee, start, end, q, ids)


def from_args(args: Mapping[str, Any], consultation: Consultation) -> Selection:
    """The workspace's filter form (a GET query): the same fields, ticked ids comma-separated."""
    data = {k: args.get(k) for k in FIELDS if k != "comment_ids" and args.get(k) not in (None, "")}
    raw = args.getlist("comment_ids") if hasattr(args, "getlist") else []
    ids = [v for part in raw for v in str(part).split(",") if v.strip()]
    if ids:
        data["comment_ids"] = ids
    return parse(data, consultation)


def _choice(value: Any, allowed: tuple[str, ...], field_name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise RuleViolation(field_name, _l("Unknown value."))
    return value


def may_answer_for(officer: User, consultation: Consultation) -> bool:
    """Who comments may be assigned to: the active officers of the lead department."""
    return (
        officer.active
        and officer.role == Role.OFFICER
        and officer.department_id == consultation.matter.department_id
    )


def officers_of(consultation: Consultation) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.role == Role.OFFICER,
                User.active,
                User.department_id == consultation.matter.department_id,
            )
            .order_by(User.display_name, User.id)
        )
    )


def _clause_id(consultation: Consultation, number: int) -> int | None:
    return db.session.scalar(
        sa.select(Clause.id).where(
            Clause.consultation_id == consultation.id, Clause.number == number
        )
    )


def _day_start(day: date) -> datetime:
    return from_local(datetime.combine(day, time()), configured_zone_name())


def criteria(consultation: Consultation, sel: Selection) -> tuple[list, list]:
    """(indexed, other): the conditions an index answers, and those checked row by row."""
    c = Comment
    indexed: list[sa.ColumnElement[bool]] = []
    other: list[sa.ColumnElement[bool]] = []
    if sel.comment_ids is not None or sel.group_id is not None:
        # Read from the group's (or the ids') own index: the consultation is then checked row
        # by row, as an expression (`+ 0`) that no database mistakes for the better index.
        other.append(c.consultation_id + 0 == consultation.id)
    else:
        indexed.append(c.consultation_id == consultation.id)
    if sel.comment_ids is not None:
        indexed.append(c.id.in_(sel.comment_ids))
    if sel.group_id is not None:
        indexed.append(c.duplicate_group_id == sel.group_id)
    if sel.clause is not None:
        clause_id = _clause_id(consultation, sel.clause) if sel.clause else None
        indexed.append(c.clause_id == clause_id if clause_id else c.clause_id.is_(None))
    if sel.assignee is not None:
        indexed.append(
            c.assigned_to_id.is_(None)
            if sel.assignee == NOBODY
            else c.assigned_to_id == sel.assignee
        )
    if sel.state == UNANSWERED:
        # Without an answer of its own (an index), nor its group's (a probe per entry).
        indexed.append(c.disposition.is_(None))
        other.append(sa.not_(answers.GROUP_ANSWERED))
    elif sel.state is not None:
        other.append(answers.IN_STATE[sel.state])
    if sel.source is not None:
        other.append(c.source == sel.source)
    if sel.submitted_from is not None:
        other.append(c.submitted_at >= _day_start(sel.submitted_from))
    if sel.submitted_to is not None:
        other.append(c.submitted_at < _day_start(sel.submitted_to + timedelta(days=1)))
    if sel.q:
        forms = {sel.q, to_simplified(sel.q)}
        other.append(sa.or_(*(c.body.contains(f, autoescape=True) for f in sorted(forms))))
    return indexed, other


def where(consultation: Consultation, sel: Selection) -> list[sa.ColumnElement[bool]]:
    indexed, other = criteria(consultation, sel)
    return indexed + other


@dataclass
class CommentPage:
    comments: list[Comment]
    next_after: int | None  # the cursor of the next page, None at the end
    scanned_to: int | None  # set when the window ran out before the page filled


def comments_page(
    consultation: Consultation, sel: Selection, after: int = 0, per_page: int = PER_PAGE
) -> CommentPage:
    indexed, other = criteria(consultation, sel)
    window = (
        sa.select(Comment.id)
        .where(*indexed, Comment.id > after)
        .order_by(Comment.id)
        .limit(SCAN_WINDOW)
    )
    if not other:
        window = window.limit(per_page + 1)
    ids = window.subquery()
    # Joined in the window's order, so that the database stops at the page's last comment
    # (an IN over the window made PostgreSQL read all 20,000 of its rows first).
    stmt = (
        sa.select(Comment)
        .select_from(ids)
        .join(Comment, Comment.id == ids.c.id)
        .where(*other)
        .order_by(ids.c.id)
        .limit(per_page + 1)
    )
    found = list(db.session.scalars(stmt))
    if len(found) > per_page:
        return CommentPage(found[:per_page], found[per_page - 1].id, None)
    if other:
        # Fewer than a page in the window: was the window full (more to look at)?
        last = db.session.scalar(sa.select(sa.func.max(ids.c.id)))
        full = last is not None and (
            db.session.scalar(sa.select(sa.func.count()).select_from(ids)) >= SCAN_WINDOW
        )
        if full:
            return CommentPage(found, last, last)
    return CommentPage(found, None, None)


@dataclass
class GroupEntry:
    group: DuplicateGroup
    text: str
    unanswered: int


def groups_page(consultation: Consultation, page: int = 1) -> tuple[list[GroupEntry], bool]:
    """The consultation's groups, largest first, a page of them, each with its first member's
    text and how many of its members still wait for an answer."""
    page = max(1, min(page, 10_000))
    groups = list(
        db.session.scalars(
            sa.select(DuplicateGroup)
            .where(DuplicateGroup.consultation_id == consultation.id, DuplicateGroup.size > 1)
            .order_by(DuplicateGroup.size.desc(), DuplicateGroup.id)
            .offset((page - 1) * GROUPS_PER_PAGE)
            .limit(GROUPS_PER_PAGE + 1)
        )
    )
    more = len(groups) > GROUPS_PER_PAGE
    groups = groups[:GROUPS_PER_PAGE]
    ids = [g.id for g in groups]
    # Each group's first member, found in its index (a GROUP BY would read every member).
    first = (
        sa.select(Comment.body)
        .where(Comment.duplicate_group_id == DuplicateGroup.id)
        .order_by(Comment.id)
        .limit(1)
        .correlate(DuplicateGroup)
        .scalar_subquery()
    )
    texts = dict(
        db.session.execute(
            sa.select(DuplicateGroup.id, first).where(DuplicateGroup.id.in_(ids))
        ).all()
    )
    # A group without an answer waits for the members without one of their own (few have
    # one, and an index lists them); an answered group's members all have one.
    open_ids = [g.id for g in groups if g.disposition is None]
    own = dict(
        db.session.execute(
            sa.select(Comment.duplicate_group_id, sa.func.count())
            .where(Comment.duplicate_group_id.in_(open_ids), answers.OWN)
            .group_by(Comment.duplicate_group_id)
        ).all()
    )
    entries = [
        GroupEntry(
            g, texts.get(g.id, ""), 0 if g.disposition is not None else g.size - own.get(g.id, 0)
        )
        for g in groups
    ]
    return entries, more
