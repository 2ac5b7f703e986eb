"""Comment state changes and queries: submission, offline entry, moderation, receipts,
duplicate groups. Never commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import User
from consult.comments import rules
from consult.comments.models import (
    HIDE_REASON_VALUES,
    Comment,
    CommentSource,
    CommentStatus,
    DuplicateGroup,
)
from consult.consultations import services as consultations
from consult.consultations.models import Clause, Consultation, OfflineActivity
from consult.core import audit, files, ids
from consult.core.errors import Forbidden, NotFound, RuleViolation
from consult.core.forms import MAX_DB_INT
from consult.core.time import local_zone, now_utc
from consult.extensions import db

log = logging.getLogger(__name__)

ATTACHMENT_KINDS = {
    files.KIND_PDF,
    files.KIND_PNG,
    files.KIND_JPEG,
    files.KIND_GIF,
    files.KIND_WEBP,
}
# Near-duplicate search: band candidates looked at, texts compared, and members compared per
# duplicate group.
_CANDIDATE_LIMIT = 50
_COMPARE_LIMIT = 10
_PER_GROUP = 3


def _premoderated() -> bool:
    return bool(has_app_context() and current_app.config.get("COMMENTS_PREMODERATED"))


def _clause_id(consultation: Consultation, clause: Any) -> int | None:
    if clause in (None, "", 0, "0"):
        return None
    try:
        number = int(clause)
    except (TypeError, ValueError):
        raise RuleViolation("clause", _l("Unknown clause.")) from None
    found = (
        db.session.scalar(
            sa.select(Clause.id).where(
                Clause.consultation_id == consultation.id, Clause.number == number
            )
        )
        if 0 < number <= MAX_DB_INT
        else None
    )
    if found is None:
        raise RuleViolation("clause", _l("Unknown clause."))
    return found


def _receipt_year(now: datetime) -> int:
    zone = local_zone(current_app.config["TIMEZONE"]) if has_app_context() else local_zone()
    return now.astimezone(zone).year


@dataclass
class CommentDraft:
    """A comment checked against every rule and ready to store: what `check_comment` decided
    from reads alone, and `store_comment` writes (re-checking what may have changed)."""

    consultation_id: int
    closes_at: datetime | None  # the window to re-check at storing; None: no window rule
    now: datetime
    body: str
    fingerprint: str
    mins: tuple[int, ...]  # the MinHash (rules.minhash)
    bands: tuple[int, int, int, int]
    match: tuple[int, int | None] | None  # (comment id, its group) of the duplicate found
    fields: dict[str, Any]
    attachment: files.CheckedFile | None = None


def _draft(
    consultation: Consultation,
    body: str,
    now: datetime,
    *,
    closes_at: datetime | None,
    attachment: files.CheckedFile | None = None,
    **fields: Any,
) -> CommentDraft:
    normalised = rules.normalise(body)
    shingle_set = rules.shingles(normalised)
    draft = CommentDraft(
        consultation_id=consultation.id,
        closes_at=closes_at,
        now=now,
        body=body,
        fingerprint=rules.fingerprint(normalised),
        mins=(mins := rules.minhash(shingle_set)),
        bands=rules.minhash_bands(mins),
        match=None,
        fields=fields,
        attachment=attachment,
    )
    draft.match = _duplicate_of(draft, shingle_set)
    return draft


def store_comment(draft: CommentDraft) -> Comment:
    """Write a checked comment: its attachment, its duplicate group, and the comment with a
    new receipt number.

    It may run in a later transaction than `check_comment` (see core.transactions): the window
    and the duplicate's group are read again here, so that a consultation closed or a group
    formed in between is respected."""
    if draft.closes_at is not None:
        closes_at = db.session.scalar(
            sa.select(Consultation.closes_at).where(Consultation.id == draft.consultation_id)
        )
        if closes_at is None or draft.now >= closes_at:
            raise _closed(closes_at or draft.closes_at)
    fields = dict(draft.fields)
    if draft.attachment is not None:
        stored = consultations.store_file(draft.attachment, now=draft.now)
        db.session.flush()
        fields["attachment_id"] = stored.id
    comment = Comment(
        consultation_id=draft.consultation_id,
        body=draft.body,
        submitted_at=draft.now,
        fingerprint=draft.fingerprint,
        band0=draft.bands[0],
        band1=draft.bands[1],
        band2=draft.bands[2],
        band3=draft.bands[3],
        minhash=rules.sketch(draft.mins),
        duplicate_group_id=_group_for(draft),
        **fields,
    )
    # A receipt collision is astronomically rare; retry inside a savepoint all the same.
    for _attempt in range(5):
        comment.receipt = ids.new_receipt(_receipt_year(draft.now))
        try:
            with db.session.begin_nested():
                db.session.add(comment)
                db.session.flush()
            break
        except IntegrityError:
            if (
                db.session.scalar(sa.select(Comment.id).where(Comment.receipt == comment.receipt))
                is None
            ):
                raise
    else:  # pragma: no cover
        raise RuntimeError("could not allocate a receipt number")
    return comment


def _group_for(draft: CommentDraft) -> int | None:
    """The duplicate group the new comment joins: its match's, made now if the match has none
    (read again here: another submission may have grouped it since the check)."""
    if draft.match is None:
        return None
    match_id = draft.match[0]
    group_id = db.session.scalar(
        sa.select(Comment.duplicate_group_id).where(Comment.id == match_id)
    )
    if group_id is None:
        group = DuplicateGroup(consultation_id=draft.consultation_id, created_at=draft.now)
        db.session.add(group)
        db.session.flush()
        db.session.execute(
            sa.update(Comment).where(Comment.id == match_id).values(duplicate_group_id=group.id)
        )
        group_id = group.id
    return group_id


_BAND_CANDIDATES = sa.union(
    *(
        sa.select(
            Comment.id, Comment.duplicate_group_id, Comment.fingerprint, Comment.minhash
        ).where(
            Comment.consultation_id == sa.bindparam("consultation_id"),
            column == sa.bindparam(f"band{i}"),
        )
        for i, column in enumerate((Comment.band0, Comment.band1, Comment.band2, Comment.band3))
    )
).subquery()
# Built once. One lookup per band, each by its index (an OR of the four scans on SQLite); an
# identical text has the same bands, so the lookup also finds exact copies.
_CANDIDATES = (
    sa.select(
        _BAND_CANDIDATES.c.id,
        _BAND_CANDIDATES.c.duplicate_group_id,
        _BAND_CANDIDATES.c.fingerprint,
        _BAND_CANDIDATES.c.minhash,
    )
    .order_by(_BAND_CANDIDATES.c.id.desc())
    .limit(_CANDIDATE_LIMIT)
)


def _duplicate_of(draft: CommentDraft, shingle_set: set[str]) -> tuple[int, int | None] | None:
    """An identical recent comment, else the most similar near-identical one.

    A campaign's copies all share bands, so the candidates are mostly members of one group:
    its most recent members stand for it (_PER_GROUP), which keeps the text comparisons per
    submission few whatever the campaign's size."""
    rows = db.session.execute(
        _CANDIDATES,
        {
            "consultation_id": draft.consultation_id,
            **{f"band{i}": value for i, value in enumerate(draft.bands)},
        },
    ).all()
    for row in rows:
        if row.fingerprint == draft.fingerprint:
            return row.id, row.duplicate_group_id
    chosen: list[int] = []
    per_group: dict[int, int] = {}
    for row in rows:
        if not rules.may_be_near_duplicate(draft.mins, row.minhash):
            continue
        if row.duplicate_group_id is not None:
            seen = per_group.get(row.duplicate_group_id, 0)
            if seen >= _PER_GROUP:
                continue
            per_group[row.duplicate_group_id] = seen + 1
        chosen.append(row.id)
        if len(chosen) >= _COMPARE_LIMIT:
            break
    if not chosen:
        return None
    best, match = 0.0, None
    for row in db.session.execute(
        sa.select(Comment.id, Comment.body, Comment.duplicate_group_id)
        .where(Comment.id.in_(chosen))
        .order_by(Comment.id.desc())
    ):
        score = rules.jaccard(shingle_set, rules.shingles(rules.normalise(row.body)))
        if score >= rules.DUPLICATE_THRESHOLD and score > best:
            best, match = score, (row.id, row.duplicate_group_id)
    return match


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
    joined to it (a submission needs its window and clauses; a page shown again loads the
    rest as it goes)."""
    consultation = db.session.get(
        Consultation, consultation_id, options=[sa.orm.lazyload(Consultation.matter)]
    )
    if consultation is None:
        raise NotFound(_l("No such consultation."))
    return consultation


def check_comment(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    now: datetime | None = None,
    ip: str | None = None,
    user: User | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> CommentDraft:
    """Check a resident's online comment against every rule, by the server's clock (rule 2),
    and find its duplicate; reads only. `store_comment` writes it."""
    now = now or now_utc()
    if not consultation.is_open_at(now):
        if now < consultation.opens_at:
            raise RuleViolation(None, _l("This consultation is not open yet."), code="not_open")
        raise _closed(consultation.closes_at)
    name = rules.clean_name(data.get("author_name"))
    body = rules.clean_body(data.get("body"))
    contact = rules.clean_contact(data.get("contact"))
    clause_id = _clause_id(consultation, data.get("clause"))
    if data.get("consent") is not True:
        raise RuleViolation("consent", _l("Please agree to the publication rules."))
    show_name = data.get("show_name")
    if not isinstance(show_name, bool):
        raise RuleViolation("show_name", _l("Say whether your name may be shown."))
    upload = None
    if attachment is not None:
        upload = files.check_upload(
            attachment[0], attachment[1], ATTACHMENT_KINDS, rules.MAX_ATTACHMENT_BYTES, "attachment"
        )
    return _draft(
        consultation,
        body,
        now,
        closes_at=consultation.closes_at,
        attachment=upload,
        clause_id=clause_id,
        source=CommentSource.ONLINE.value,
        author_name=name,
        show_name=show_name,
        contact=contact,
        consent=True,
        submitter_ip=(ip or None) and ip[:45],
        user_id=getattr(user, "id", None) if user is not None and user.is_authenticated else None,
        status=(CommentStatus.RECEIVED if _premoderated() else CommentStatus.PUBLISHED).value,
    )


def submit_comment(consultation: Consultation, data: dict[str, Any], **options: Any) -> Comment:
    """A resident comments online, with or without an account: `check_comment` (same options:
    now, ip, user, attachment), then `store_comment`. Returns the comment with its receipt.

    The web and API handlers call the two halves in separate transactions (the check inside
    `core.transactions.read_phase()`), so that SQLite's write lock is held only for the
    writes."""
    return store_comment(check_comment(consultation, data, **options))


def _local_text(moment: datetime) -> str:
    zone = local_zone(current_app.config["TIMEZONE"]) if has_app_context() else local_zone()
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def enter_offline_comment(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    actor: User | None,
    now: datetime | None = None,
) -> Comment:
    """Staff enter a comment gathered offline (symposium, hearing, field visit, 12345 hotline,
    letter, mailbox, meeting). It gets a receipt and feedback like an online one."""
    if actor is not None and not consultations.may_manage(actor, consultation):
        raise Forbidden(_l("You can only act for your own department."))
    now = now or now_utc()
    source = data.get("source")
    if source not in rules.OFFLINE_SOURCES:
        raise RuleViolation("source", _l("Choose where the comment came from."))
    received_at = data.get("received_at") or now
    if not isinstance(received_at, datetime) or received_at.tzinfo is None:
        raise RuleViolation("received_at", _l("Enter a date and time."))
    # A remark at a government meeting counts while the comments are still being answered;
    # everything else must have arrived while the window was open.
    late_allowed = source == CommentSource.MEETING
    if received_at < consultation.opens_at or (
        received_at >= consultation.closes_at and not late_allowed
    ):
        raise RuleViolation(
            "received_at", _l("Only comments received while the consultation was open count.")
        )
    if received_at > now:
        raise RuleViolation("received_at", _l("The time received cannot be in the future."))
    if consultation.feedback_published_at is not None:
        raise RuleViolation(None, _l("The feedback on this consultation has been published."))
    activity_id = data.get("activity_id")
    if activity_id not in (None, "", 0):
        activity = (
            db.session.get(OfflineActivity, int(activity_id))
            if str(activity_id).isdigit() and int(activity_id) <= MAX_DB_INT
            else None
        )
        if activity is None or activity.consultation_id != consultation.id:
            raise RuleViolation("activity_id", _l("Unknown activity."))
        if activity.kind != source:
            raise RuleViolation("activity_id", _l("The activity's kind does not match the source."))
        activity_id = activity.id
    else:
        activity_id = None
    name = rules.clean_name(data.get("author_name") or "")
    body = rules.clean_body(data.get("body"))
    contact = rules.clean_contact(data.get("contact"))
    clause_id = _clause_id(consultation, data.get("clause"))
    # The offline rules were checked above in this same transaction: no window to re-check.
    draft = _draft(
        consultation,
        body,
        received_at,
        closes_at=None,
        clause_id=clause_id,
        source=source,
        author_name=name,
        show_name=bool(data.get("show_name")),
        contact=contact,
        consent=bool(data.get("consent", False)),
        activity_id=activity_id,
        entered_by_id=getattr(actor, "id", None),
        status=CommentStatus.PUBLISHED.value,
    )
    comment = store_comment(draft)
    audit.record(comment, "entered", actor=actor, now=now, details={"source": source})
    return comment


def hide_comment(
    comment: Comment,
    reason: str,
    note: str | None = None,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> Comment:
    """Withhold a comment from the public with a recorded reason. Nothing is deleted (rule 5)."""
    if actor is not None and not consultations.may_manage(actor, comment.consultation):
        raise Forbidden(_l("You can only act for your own department."))
    if reason not in HIDE_REASON_VALUES:
        raise RuleViolation("reason", _l("Choose a moderation reason."))
    if note is not None and not isinstance(note, str):
        raise RuleViolation("note", _l("Enter text."))
    note = (note or "").strip()[:1000] or None
    now = now or now_utc()
    comment.status = CommentStatus.HIDDEN.value
    comment.hidden_reason = reason
    comment.hidden_note = note
    comment.hidden_at = now
    comment.hidden_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(comment, "hidden", actor=actor, now=now, details={"reason": reason})
    return comment


def publish_comment(
    comment: Comment, *, actor: User | None, now: datetime | None = None
) -> Comment:
    """Publish a received comment, or restore a hidden one."""
    if actor is not None and not consultations.may_manage(actor, comment.consultation):
        raise Forbidden(_l("You can only act for your own department."))
    if comment.status == CommentStatus.PUBLISHED:
        return comment
    was_hidden = comment.status == CommentStatus.HIDDEN
    comment.status = CommentStatus.PUBLISHED.value
    comment.hidden_reason = comment.hidden_note = None
    comment.hidden_at = None
    comment.hidden_by_id = None
    db.session.flush()
    audit.record(comment, "restored" if was_hidden else "published", actor=actor, now=now)
    return comment


# --- queries -----------------------------------------------------------------------------


def find_by_receipt(number: str) -> Comment:
    receipt = ids.normalise_receipt(number)
    comment = (
        db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt)) if receipt else None
    )
    if comment is None:
        raise NotFound(_l("No comment has this receipt number. Check the number and try again."))
    return comment


def public_comments(consultation: Consultation) -> sa.Select:
    return (
        sa.select(Comment)
        .where(
            Comment.consultation_id == consultation.id, Comment.status == CommentStatus.PUBLISHED
        )
        .order_by(Comment.submitted_at, Comment.id)
    )


def count_comments(consultation_ids: list[int]) -> dict[int, int]:
    if not consultation_ids:
        return {}
    rows = db.session.execute(
        sa.select(Comment.consultation_id, sa.func.count())
        .where(Comment.consultation_id.in_(consultation_ids))
        .group_by(Comment.consultation_id)
    ).all()
    return {cid: n for cid, n in rows}


def group_sizes(consultation: Consultation) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Comment.duplicate_group_id, sa.func.count())
        .where(Comment.consultation_id == consultation.id, Comment.duplicate_group_id.is_not(None))
        .group_by(Comment.duplicate_group_id)
    ).all()
    return {gid: n for gid, n in rows}


def public_comment_record(comment: Comment, group_size: int | None = None) -> dict[str, Any]:
    """A comment's public fields (rule 6: no contact, no IP, no account)."""
    return {
        "receipt": comment.receipt,
        "submitted_at": comment.submitted_at.isoformat(),
        "source": comment.source,
        "clause": comment.clause.number if comment.clause else None,
        "author": comment.public_name,
        "body": comment.body,
        "duplicate_group": comment.duplicate_group_id,
        "duplicate_count": group_size,
    }


def receipt_record(comment: Comment) -> dict[str, Any]:
    """What anyone holding the receipt number may see about the comment's progress."""
    record = {
        "receipt": comment.receipt,
        "consultation_id": comment.consultation_id,
        "consultation_title": comment.consultation.title,
        "submitted_at": comment.submitted_at.isoformat(),
        "source": comment.source,
        "clause": comment.clause.number if comment.clause else None,
        "status": comment.status,
        "hidden_reason": comment.hidden_reason if comment.is_hidden else None,
        "disposition": None,
        "disposition_reason": None,
    }
    # Answers become public together, when the department publishes its feedback.
    if comment.consultation.feedback_published_at is not None:
        record["disposition"] = comment.disposition
        record["disposition_reason"] = comment.disposition_reason
    return record
