"""Comment state changes and queries: submission, offline entry, moderation, receipts,
duplicate groups. Never commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Actor
from consult.accounts.models import User
from consult.accounts.models import require_manager
from consult.comments import grouping
from consult.comments import rules
from consult.comments import schemas
from consult.comments.models import HIDE_REASON_VALUES
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import Comment
from consult.comments.models import CommentSource
from consult.comments.models import CommentStatus
from consult.comments.models import DuplicateGroup
from consult.consultations import services as consultations
from consult.consultations.models import Clause
from consult.consultations.models import Consultation
from consult.consultations.models import OfflineActivity
from consult.core import audit
from consult.core import files
from consult.core import ids
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.core.errors import Violations
from consult.core.errors import found
from consult.core.forms import MAX_DB_INT
from consult.core.paging import Page
from consult.core.records import record_of
from consult.core.time import configured_zone
from consult.core.time import now_utc
from consult.core.time import require_aware
from consult.extensions import db

log = logging.getLogger(__name__)

ATTACHMENT_KINDS = {
    files.KIND_PDF,
    files.KIND_PNG,
    files.KIND_JPEG,
    files.KIND_GIF,
    files.KIND_WEBP,
}
# Records of an import written per statement.
IMPORT_CHUNK = 2000
NO_SUCH_RECEIPT = _l("No comment has this receipt number. Check the number and try again.")


def _premoderated() -> bool:
    return bool(has_app_context() and current_app.config.get("COMMENTS_PREMODERATED"))


def _clause_number(clause: Any) -> int | None:
    """The clause number a comment names (None: the draft as a whole). Whether the
    consultation has that clause is checked where the comment is stored."""
    if clause in (None, "", 0, "0"):
        return None
    if isinstance(clause, bool | float):
        raise RuleViolation("clause", _l("Unknown clause."))
    try:
        number = int(clause)
    except (TypeError, ValueError):
        raise RuleViolation("clause", _l("Unknown clause.")) from None
    if not 0 < number <= MAX_DB_INT:
        raise RuleViolation("clause", _l("Unknown clause."))
    return number


def _receipt_year(now: datetime) -> int:
    return now.astimezone(configured_zone()).year


@dataclass
class CommentDraft:
    """A comment checked against every rule that needs no database, ready to store:
    `store_comment` writes it in one INSERT that is itself guarded by the rules that do (the
    window, the clause), so nothing can change between the check and the write."""

    consultation_id: int
    now: datetime
    window: bool  # whether the INSERT requires the window open at `now` (rule 2)
    clause: int | None
    fields: dict[str, Any]
    attachment: files.CheckedFile | None = None


@dataclass(frozen=True)
class StoredComment:
    receipt: str
    submitted_at: datetime


# The columns a submission writes; consultation_id and clause_id come from the guarded SELECT.
_WRITTEN = (
    "receipt",
    "source",
    "author_name",
    "show_name",
    "body",
    "consent",
    "submitted_at",
    "status",
    "contact",
    "submitter_ip",
    "user_id",
    "attachment_id",
    "activity_id",
    "entered_by_id",
)
_FIELD_DEFAULTS = {name: None for name in _WRITTEN} | {"show_name": False, "consent": False}
_INSERTS: dict[tuple[bool, bool], sa.Insert] = {}


def _insert_statement(window: bool, clause: bool) -> sa.Insert:
    """INSERT INTO comment … SELECT … FROM consultation [JOIN clause] WHERE id = :consultation
    [AND the window is open at :now] AND no comment has the receipt: no row is written unless
    the consultation (and its clause) exist and accept comments at that moment. A receipt
    already taken writes nothing either, and is drawn again. (Two submissions drawing the same
    number at the same instant, one in 10¹² on PostgreSQL, would meet the unique constraint.
    ON CONFLICT would spare even that, but the dialects' INSERTs carrying it are compiled
    anew for every statement: ~2 ms a submission.)"""
    cache_key = (window, clause)
    if cache_key not in _INSERTS:
        table = Comment.__table__
        values = [sa.bindparam(name, type_=table.c[name].type) for name in _WRITTEN]
        taken = sa.exists().where(
            table.c.receipt == sa.bindparam("receipt", type_=table.c.receipt.type)
        )
        source = sa.select(Consultation.id, *values).where(
            Consultation.id == sa.bindparam("consultation_id", type_=sa.Integer), ~taken
        )
        names = ["consultation_id", *_WRITTEN]
        if clause:
            source = source.add_columns(Clause.id).join(
                Clause,
                sa.and_(
                    Clause.consultation_id == Consultation.id,
                    Clause.number == sa.bindparam("clause", type_=sa.Integer),
                ),
            )
            names.append("clause_id")
        if window:
            source = source.where(
                Consultation.is_open_at(sa.bindparam("now", type_=Comment.submitted_at.type))
            )
        # RETURNING says whether a row was written (psycopg's rowcount does not, here).
        _INSERTS[cache_key] = sa.insert(table).from_select(names, source).returning(table.c.id)
    return _INSERTS[cache_key]


def store_comment(draft: CommentDraft) -> StoredComment:
    """Write a checked comment with a new receipt number: one INSERT, guarded by the window
    (for an online comment) and the clause, so a consultation closed or shortened since the
    check is respected. Raises RuleViolation (or NotFound) when the guard refuses it.

    The comment is stored without its duplicate group: see comments.grouping."""
    fields = _FIELD_DEFAULTS | draft.fields
    if draft.attachment is not None:
        stored = consultations.store_file(draft.attachment, now=draft.now)
        db.session.flush()
        fields["attachment_id"] = stored.id
    stmt = _insert_statement(draft.window, draft.clause is not None)
    params = {
        **fields,
        "consultation_id": draft.consultation_id,
        "submitted_at": draft.now,
        "now": draft.now,
        "clause": draft.clause,
    }
    year = _receipt_year(draft.now)
    for _attempt in range(5):
        params["receipt"] = ids.new_receipt(year)
        if db.session.execute(stmt, params).first() is not None:
            return StoredComment(params["receipt"], draft.now)
        _explain_refusal(draft)  # raises, unless the receipt was taken
    raise RuntimeError("could not allocate a receipt number")  # pragma: no cover


def _explain_refusal(draft: CommentDraft) -> None:
    """Why the guarded INSERT wrote nothing: the window, the clause, or (returning) a receipt
    number already taken."""
    consultation = consultation_for_comment(draft.consultation_id)
    if draft.window:
        violation = window_violation(consultation, draft.now)
        if violation is not None:
            raise violation
    if draft.clause is not None and (
        db.session.scalar(
            sa.select(Clause.id).where(
                Clause.consultation_id == consultation.id, Clause.number == draft.clause
            )
        )
        is None
    ):
        raise RuleViolation("clause", _l("Unknown clause."))


def window_violation(consultation: Consultation, now: datetime) -> RuleViolation | None:
    """Rule 2 as a resident is told it: not open yet, or closed (None while it is open)."""
    if consultation.is_open_at(now):
        return None
    if now < consultation.opens_at:
        return RuleViolation(None, _l("This consultation is not open yet."), code="not_open")
    return _closed(consultation.closes_at)


def _closed(closes_at: datetime) -> RuleViolation:
    return RuleViolation(
        None,
        _l(
            "This consultation closed at %(when)s; comments can no longer be submitted.",
            when=_local_text(closes_at),
        ),
        code="closed",
    )


def consultation_for_comment(consultation_id: int) -> Consultation:
    """The consultation a comment is sent to, without the catalogue entry that is otherwise
    joined to it (a refused submission's page loads the rest as it goes)."""
    return found(
        db.session.get(
            Consultation, consultation_id, options=[sa.orm.lazyload(Consultation.matter)]
        ),
        _l("No such consultation."),
    )


def _online_fields(
    data: Any, *, ip: str | None = None, user: User | None = None, found: Violations | None = None
) -> dict:
    """A resident's own fields of an online comment, checked (rules 6 and the text rules).
    Every field at fault is reported (into `found`, when given)."""
    if not isinstance(data, dict):
        raise RuleViolation(None, _l("Enter text."))
    own = found is None
    found = found or Violations()
    body = found.check(rules.clean_body, data.get("body"))
    name = found.check(rules.clean_name, data.get("author_name"))
    contact = found.check(rules.clean_contact, data.get("contact"))
    if data.get("consent") is not True:
        found.found.append(RuleViolation("consent", _l("Please agree to the publication rules.")))
    show_name = data.get("show_name")
    if not isinstance(show_name, bool):
        found.found.append(RuleViolation("show_name", _l("Say whether your name may be shown.")))
    if own:
        found.raise_any()
    return {
        "source": CommentSource.ONLINE.value,
        "author_name": name,
        "show_name": show_name,
        "contact": contact,
        "body": body,
        "consent": True,
        "submitter_ip": (ip or None) and ip[:45],
        "user_id": getattr(user, "id", None)
        if user is not None and user.is_authenticated
        else None,
        "status": (CommentStatus.RECEIVED if _premoderated() else CommentStatus.PUBLISHED).value,
    }


def check_comment(
    consultation: Consultation | int,
    data: dict[str, Any],
    *,
    now: datetime | None = None,
    ip: str | None = None,
    user: User | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> CommentDraft:
    """Check a resident's online comment: its text, name, contact, consent and attachment,
    without reading the database. `store_comment` writes it, checking the window by the
    server's clock (rule 2) and the clause in the same statement."""
    now = now or now_utc()
    if isinstance(consultation, Consultation):
        violation = window_violation(consultation, now)
        if violation is not None:
            raise violation
        consultation_id = consultation.id
    else:
        consultation_id = consultation
    found = Violations()
    clause = found.check(_clause_number, data.get("clause")) if isinstance(data, dict) else None
    fields = _online_fields(data, ip=ip, user=user, found=found)
    upload = None
    if attachment is not None:
        upload = found.check(
            files.check_upload,
            attachment[0],
            attachment[1],
            ATTACHMENT_KINDS,
            rules.MAX_ATTACHMENT_BYTES,
            "attachment",
        )
    found.raise_any()
    return CommentDraft(consultation_id, now, True, clause, fields, upload)


def refusal(consultation: Consultation, violation: RuleViolation, now: datetime) -> RuleViolation:
    """What to tell a resident whose comment was refused: that the consultation is not open,
    if so, before anything about the text."""
    return window_violation(consultation, now) or violation


def _stored(stored: StoredComment) -> Comment:
    return db.session.scalars(sa.select(Comment).where(Comment.receipt == stored.receipt)).one()


def submit_comment(consultation: Consultation, data: dict[str, Any], **options: Any) -> Comment:
    """A resident comments online, with or without an account: `check_comment` (same options:
    now, ip, user, attachment), `store_comment`, then the comment is grouped with its copies in
    the same transaction. Returns the comment with its receipt.

    The web and API handlers call the first two and commit, and leave the grouping to
    `grouping.after_commit()`: the request then writes one row."""
    stored = store_comment(check_comment(consultation, data, **options))
    grouping.group_all(consultation.id)
    return _stored(stored)


def _local_text(moment: datetime) -> str:
    return moment.astimezone(configured_zone()).strftime("%Y-%m-%d %H:%M:%S")


def _received_in_window(consultation: Consultation, source: str, received_at: Any, now: datetime):
    """When an offline comment arrived: within the window (a remark at a government meeting
    also while the comments are still being answered), and not in the future."""
    if not isinstance(received_at, datetime) or received_at.tzinfo is None:
        raise RuleViolation("received_at", _l("Enter a date and time."))
    late_allowed = source == CommentSource.MEETING
    if received_at < consultation.opens_at or (
        received_at >= consultation.closes_at and not late_allowed
    ):
        raise RuleViolation(
            "received_at", _l("Only comments received while the consultation was open count.")
        )
    if received_at > now:
        raise RuleViolation("received_at", _l("The time received cannot be in the future."))
    return received_at


def _activity_id(consultation: Consultation, source: str, activity_id: Any, activities=None):
    if activity_id in (None, "", 0):
        return None
    number = int(activity_id) if str(activity_id).isdigit() else 0
    activity = None
    if 0 < number <= MAX_DB_INT:
        # An import looks its activities up in the consultation's, loaded once.
        activity = (
            activities.get(number)
            if activities is not None
            else db.session.get(OfflineActivity, number)
        )
    if activity is None or activity.consultation_id != consultation.id:
        raise RuleViolation("activity_id", _l("Unknown activity."))
    if activity.kind != source:
        raise RuleViolation("activity_id", _l("The activity's kind does not match the source."))
    return activity.id


def _offline_fields(
    consultation: Consultation,
    data: Any,
    received_at: Any,
    *,
    actor: Actor,
    now: datetime,
    activities: dict | None = None,
) -> dict:
    """The fields of a comment gathered offline, checked."""
    if not isinstance(data, dict):
        raise RuleViolation(None, _l("Enter text."))
    source = data.get("source")
    if source not in rules.OFFLINE_SOURCES:
        raise RuleViolation("source", _l("Choose where the comment came from."))
    received_at = _received_in_window(consultation, source, received_at, now)
    activity_id = _activity_id(consultation, source, data.get("activity_id"), activities)
    show_name, consent = data.get("show_name", False), data.get("consent", False)
    if not isinstance(show_name, bool):
        raise RuleViolation("show_name", _l("Say whether your name may be shown."))
    if not isinstance(consent, bool):
        raise RuleViolation("consent", _l("Say whether the author agreed to the rules."))
    body = rules.clean_body(data.get("body"))
    return {
        "source": source,
        "author_name": rules.clean_name(data.get("author_name") or ""),
        "show_name": show_name,
        "contact": rules.clean_contact(data.get("contact")),
        "body": body,
        "consent": consent,
        "activity_id": activity_id,
        "entered_by_id": getattr(actor, "id", None),
        "status": CommentStatus.PUBLISHED.value,
        "submitted_at": received_at,
    }


def _feedback_not_published(consultation: Consultation) -> None:
    if consultation.feedback_published_at is not None:
        raise RuleViolation(None, _l("The feedback on this consultation has been published."))


def enter_offline_comment(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Comment:
    """Staff enter a comment gathered offline (symposium, hearing, field visit, 12345 hotline,
    letter, mailbox, meeting). It gets a receipt and feedback like an online one, and is
    grouped with its copies at once."""
    require_manager(actor, consultation)
    now = now or now_utc()
    if not isinstance(data, dict):
        raise RuleViolation(None, _l("Enter text."))
    fields = _offline_fields(
        consultation, data, data.get("received_at") or now, actor=actor, now=now
    )
    _feedback_not_published(consultation)
    clause = _clause_number(data.get("clause"))
    received_at = fields.pop("submitted_at")
    # The offline rules were checked above in this same transaction: no window in the INSERT.
    stored = store_comment(CommentDraft(consultation.id, received_at, False, clause, fields))
    grouping.group_all(consultation.id)
    comment = _stored(stored)
    audit.record(comment, "entered", actor=actor, now=now, details={"source": fields["source"]})
    return comment


# --- bulk intake ---------------------------------------------------------------------------


def _import_record(
    consultation: Consultation,
    record: Any,
    *,
    actor: Actor,
    now: datetime,
    clauses: dict[int, int],
    activities: dict,
) -> dict:
    """One record of an import as the row to insert (every rule checked)."""
    if not isinstance(record, dict):
        raise RuleViolation(None, _l("Each record must be an object with the comment's fields."))
    source = record.get("source")
    if not isinstance(source, str) or source not in SOURCE_VALUES:
        raise RuleViolation("source", _l("Choose where the comment came from."))
    submitted_at = record.get("submitted_at")
    if source == CommentSource.ONLINE:
        submitted_at = require_aware(submitted_at, "submitted_at")
        if not consultation.is_open_at(submitted_at):
            raise RuleViolation(
                "submitted_at",
                _l("An online comment must have been sent while the consultation was open."),
            )
        if submitted_at > now:
            raise RuleViolation("submitted_at", _l("The time received cannot be in the future."))
        fields = _online_fields(record)
        fields["status"] = CommentStatus.PUBLISHED.value
        fields["submitted_at"] = submitted_at
    else:
        try:
            fields = _offline_fields(
                consultation, record, submitted_at, actor=actor, now=now, activities=activities
            )
        except RuleViolation as exc:
            if exc.field == "received_at":
                exc.field = "submitted_at"
            raise
    clause = _clause_number(record.get("clause"))
    fields["clause_id"] = None
    if clause is not None:
        if clause not in clauses:
            raise RuleViolation("clause", _l("Unknown clause."))
        fields["clause_id"] = clauses[clause]
    fields["entered_by_id"] = getattr(actor, "id", None)
    return fields


def _checked_records(
    consultation: Consultation, records: Iterable[Any], *, actor: Actor, now: datetime
) -> tuple[list[dict], list[RuleViolation]]:
    """The rows an import would insert, and the refusal of each record that breaks a rule
    (with its index, from 0)."""
    require_manager(actor, consultation)
    _feedback_not_published(consultation)
    if isinstance(records, str | bytes | dict) or not isinstance(records, Iterable):
        raise RuleViolation(None, _l("Give a list of records."))
    clauses = dict(
        db.session.execute(
            sa.select(Clause.number, Clause.id).where(Clause.consultation_id == consultation.id)
        ).all()
    )
    activities = {a.id: a for a in consultation.activities}
    rows: list[dict] = []
    refused: list[RuleViolation] = []
    for index, record in enumerate(records):
        try:
            rows.append(
                _import_record(
                    consultation,
                    record,
                    actor=actor,
                    now=now,
                    clauses=clauses,
                    activities=activities,
                )
            )
        except RuleViolation as exc:
            exc.index = index
            refused.append(exc)
    return rows, refused


def check_import(
    consultation: Consultation,
    records: Iterable[Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[RuleViolation]:
    """What `import_comments` would refuse of these records, each refusal with its record's
    index (an empty list: it would take them all), without storing anything: the preview of
    an upload checks its rows with it, a few thousand at a time."""
    return _checked_records(consultation, records, actor=actor, now=now or now_utc())[1]


def import_comments(
    consultation: Consultation,
    records: Iterable[Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[str]:
    """Store many comments at once (the 12345 hotline's export, letters, another platform's
    comments): each record is what `submit_comment` or `enter_offline_comment` takes, plus
    `source` and `submitted_at` (aware). Every record is checked first; if any is refused,
    nothing is stored and `RuleViolations` lists each refusal with its record's index (from
    0). Otherwise each gets a receipt (returned in order), all are grouped with their copies
    in this transaction, and one audit event records the import."""
    now = now or now_utc()
    rows, refused = _checked_records(consultation, records, actor=actor, now=now)
    if refused:
        raise RuleViolations(refused)
    if not rows:
        raise RuleViolation(None, _l("There is nothing to import."))
    receipts = _insert_many(consultation.id, rows)
    grouping.group_all(consultation.id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    audit.record(
        consultation,
        "comments_imported",
        actor=actor,
        now=now,
        details={"count": len(rows), "sources": counts},
    )
    return receipts


def _insert_many(consultation_id: int, rows: list[dict]) -> list[str]:
    """Insert the rows in chunks, each with a receipt number no other comment has."""
    table = Comment.__table__
    receipts: list[str] = []
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        numbers = _free_receipts([_receipt_year(row["submitted_at"]) for row in chunk])
        values = []
        for row, number in zip(chunk, numbers, strict=True):
            values.append(
                _FIELD_DEFAULTS | row | {"consultation_id": consultation_id, "receipt": number}
            )
        db.session.execute(sa.insert(table), values)
        receipts.extend(numbers)
    return receipts


def _free_receipts(years: list[int]) -> list[str]:
    numbers = [ids.new_receipt(year) for year in years]
    while True:
        taken = set(
            db.session.scalars(sa.select(Comment.receipt).where(Comment.receipt.in_(numbers)))
        )
        repeated = len(set(numbers)) != len(numbers)
        if not taken and not repeated:
            return numbers
        seen: set[str] = set()
        for i, number in enumerate(numbers):
            if number in taken or number in seen:
                numbers[i] = ids.new_receipt(years[i])
            seen.add(numbers[i])


def hide_comment(
    comment: Comment,
    reason: str,
    note: str | None = None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Comment:
    """Withhold a comment from the public with a recorded reason. Nothing is deleted (rule 5)."""
    require_manager(actor, comment.consultation)
    now = now or now_utc()
    before = comment.status
    withhold(comment, reason, note, actor=actor, now=now)
    grouping.count_status_change(comment.id, comment.consultation_id, before, comment.status)
    audit.record(comment, "hidden", actor=actor, now=now, details={"reason": reason})
    return comment


def withhold(record: Any, reason: Any, note: Any, *, actor: Actor, now: datetime) -> None:
    """Moderation's one step for what residents write (a comment, a question): withheld from
    the public with a recorded reason and note, never deleted (rule 5). The caller checks
    who may, and writes its own audit event."""
    if reason not in HIDE_REASON_VALUES:
        raise RuleViolation("reason", _l("Choose a moderation reason."))
    record.hidden_note = values.optional_text(note, "note", rules.NOTE_MAX)
    record.status = CommentStatus.HIDDEN.value
    record.hidden_reason, record.hidden_at = reason, now
    record.hidden_by_id = getattr(actor, "id", None)
    db.session.flush()


def release(record: Any) -> None:
    """Shown again (or for the first time): the moderation fields cleared."""
    record.status = CommentStatus.PUBLISHED.value
    record.hidden_reason = record.hidden_note = record.hidden_at = record.hidden_by_id = None
    db.session.flush()


def publish_comment(comment: Comment, *, actor: Actor, now: datetime | None = None) -> Comment:
    """Publish a received comment, or restore a hidden one."""
    require_manager(actor, comment.consultation)
    if comment.status == CommentStatus.PUBLISHED:
        return comment
    before = comment.status
    was_hidden = comment.status == CommentStatus.HIDDEN
    release(comment)
    grouping.count_status_change(comment.id, comment.consultation_id, before, comment.status)
    audit.record(comment, "restored" if was_hidden else "published", actor=actor, now=now)
    return comment


# --- queries -----------------------------------------------------------------------------


def find_by_receipt(number: str) -> Comment:
    receipt = ids.normalise_receipt(number)
    comment = (
        db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt)) if receipt else None
    )
    return found(comment, NO_SUCH_RECEIPT)


def public_comments(consultation: Consultation) -> sa.Select:
    return (
        sa.select(Comment)
        .where(
            Comment.consultation_id == consultation.id, Comment.status == CommentStatus.PUBLISHED
        )
        .order_by(Comment.submitted_at, Comment.id)
    )


def comments_page(
    consultation: Consultation,
    page: int,
    per_page: int,
    *,
    every_status: bool = False,
    last_if_past_end: bool = False,
) -> Page:
    """One page of a consultation's published comments (or of all of them, `every_status`),
    oldest first, with the stored total: the page's ids are read from ix_comment_listing alone
    and only its rows are loaded. A page number past the end gives the last page with
    `last_if_past_end` (a stale link), else an empty one."""
    counts = tally(consultation)
    total = counts["comments"] if every_status else counts["published"]
    ids = sa.select(Comment.id).where(Comment.consultation_id == consultation.id)
    if not every_status:
        ids = ids.where(Comment.status == CommentStatus.PUBLISHED)
    order = (Comment.submitted_at, Comment.id)
    return _page_of(ids, order, Page(page=page, per_page=per_page, total=total), last_if_past_end)


def group_page(group: DuplicateGroup, page: int, per_page: int) -> Page:
    """One page of a duplicate group's published members, oldest first, read from
    ix_comment_group; the total is the group's stored count of published members."""
    ids = sa.select(Comment.id).where(
        Comment.duplicate_group_id == group.id, Comment.status == CommentStatus.PUBLISHED
    )
    result = Page(page=page, per_page=per_page, total=group.published)
    return _page_of(ids, (Comment.id,), result, last_if_past_end=True)


def _page_of(ids: sa.Select, order: tuple, result: Page, last_if_past_end: bool) -> Page:
    """Fill a page: its ids from an index, read from whichever end is nearer (the cost of
    an offset is the rows it skips, so no page skips more than half of them), then its
    rows."""
    if last_if_past_end and result.pages and result.page > result.pages:
        result.page = result.pages
    start = result.offset
    end = min(start + result.per_page, result.total)
    if start > result.total // 2 and end > start:
        backwards = ids.order_by(*(c.desc() for c in order))
        chosen = list(db.session.scalars(backwards.limit(end - start).offset(result.total - end)))
        chosen.reverse()
    else:
        chosen = list(db.session.scalars(ids.order_by(*order).limit(result.per_page).offset(start)))
    if chosen:
        result.items = list(
            db.session.scalars(sa.select(Comment).where(Comment.id.in_(chosen)).order_by(*order))
        )
    return result


def count_comments(consultation_ids: list[int]) -> dict[int, int]:
    """Each consultation's number of comments (every status), as the grouping has counted
    them: stored, not counted (a comment joins the count when it is grouped)."""
    return {cid: t.comments for cid, t in grouping.tallies(consultation_ids).items()}


def tally(consultation: Consultation) -> dict[str, int]:
    """A consultation's comments: all, published, withheld by moderation, awaiting it."""
    found = grouping.tallies([consultation.id]).get(consultation.id)
    comments, published, hidden = (
        (found.comments, found.published, found.hidden) if found else (0, 0, 0)
    )
    return {
        "comments": comments,
        "published": published,
        "hidden": hidden,
        "received": comments - published - hidden,
    }


def group_sizes(comments: Iterable[Comment]) -> dict[int, int]:
    """The stored sizes of the duplicate groups of these comments (a page of them)."""
    return grouping.group_sizes(c.duplicate_group_id for c in comments)


def public_comment_record(comment: Comment, group_size: int | None = None) -> dict[str, Any]:
    """A comment's public fields (schemas.Comment; rule 6: no contact, no IP, no account)."""
    return record_of(
        schemas.Comment,
        comment,
        clause=comment.clause.number if comment.clause else None,
        author=comment.public_name,
        duplicate_group=comment.duplicate_group_id,
        duplicate_count=group_size,
    ).record()


def receipt_record(comment: Comment) -> dict[str, Any]:
    """What anyone holding the receipt number may see about the comment's progress
    (schemas.Receipt). Answers become public together, when the department publishes its
    feedback."""
    answer = comment.answer if comment.consultation.feedback_published_at is not None else None
    return schemas.Receipt(
        receipt=comment.receipt,
        consultation_id=comment.consultation_id,
        consultation_title=comment.consultation.title,
        submitted_at=comment.submitted_at,
        source=comment.source,
        clause=comment.clause.number if comment.clause else None,
        status=comment.status,
        hidden_reason=comment.hidden_reason if comment.is_hidden else None,
        duplicate_group=comment.duplicate_group_id,
        duplicate_count=comment.duplicate_group.size if comment.duplicate_group else None,
        disposition=answer.disposition if answer else None,
        disposition_reason=answer.reason if answer else None,
    ).record()
