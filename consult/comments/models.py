"""Comments with their receipts, moderation state and duplicate groups."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import User
from consult.consultations.models import Clause
from consult.consultations.models import Consultation
from consult.consultations.models import OfflineActivity
from consult.consultations.models import StoredFile
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import counts_within
from consult.core.constraints import filled_unless
from consult.core.constraints import known
from consult.core.constraints import not_negative
from consult.core.constraints import partial_index
from consult.extensions import db


class CommentSource(enum.StrEnum):
    ONLINE = "online"
    SYMPOSIUM = "symposium"
    HEARING = "hearing"
    FIELD_VISIT = "field_visit"
    HOTLINE = "hotline"
    LETTER = "letter"
    MAILBOX = "mailbox"
    MEETING = "meeting"


class CommentStatus(enum.StrEnum):
    RECEIVED = "received"
    PUBLISHED = "published"
    HIDDEN = "hidden"


class Disposition(enum.StrEnum):
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    NOT_ADOPTED = "not_adopted"
    NOT_APPLICABLE = "not_applicable"


class HideReason(enum.StrEnum):
    ABUSIVE = "abusive"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"


SOURCE_VALUES = tuple(s.value for s in CommentSource)
STATUS_VALUES = tuple(s.value for s in CommentStatus)
HIDE_REASON_VALUES = tuple(r.value for r in HideReason)
DISPOSITION_VALUES = tuple(d.value for d in Disposition)


class AnsweredMixin:
    """An answer (rule 3): a disposition, a reason unless it is adopted, when and by whom, and
    whether it is a draft (拟办) to confirm. A comment has its own; a group has one for its
    members that have none (a campaign of 900,000 copies is answered by one row, not 900,000:
    feedback.answers reads a comment's answer as its own, else its group's)."""

    disposition: Mapped[str | None] = mapped_column(sa.String(20))
    disposition_reason: Mapped[str | None] = mapped_column(sa.Text)
    disposed_at: Mapped[moment | None]
    disposed_by_id: Mapped[user_fk]
    # A drafted answer (拟办) waits for confirmation; the feedback is published only when every
    # comment's answer is confirmed.
    answer_draft: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class Answer(NamedTuple):
    """A comment's answer as it is read (`Comment.answer`): its own, or its group's (shared)."""

    disposition: str
    reason: str | None
    draft: bool
    at: datetime | None
    by_id: int | None
    shared: bool

    @classmethod
    def of(cls, holder: AnsweredMixin, *, shared: bool) -> Answer:
        return cls(
            holder.disposition,  # type: ignore[arg-type]
            holder.disposition_reason,
            bool(holder.answer_draft),
            holder.disposed_at,
            holder.disposed_by_id,
            shared,
        )


def _answer_checks() -> tuple[sa.CheckConstraint, ...]:
    return (
        known("disposition", DISPOSITION_VALUES, optional=True),
        filled_unless(
            "disposition IS NULL OR disposition = 'adopted'",
            "disposition_reason",
            name="reason_if_not_adopted",
        ),
        sa.CheckConstraint("disposition IS NOT NULL OR NOT answer_draft", name="draft_is_answer"),
    )


class PublicSubmission:
    """What a resident sends in to be published (a comment, a question on a decision): its
    receipt, the author's name (shown only if they ask), the text and when it came.

    `contact` and `submitter_ip` are private: never on a public page, the API, an export, a
    feed or a PDF (rule 6). Moderation hides, never deletes (rule 5): the `hidden_*` columns
    say why, when and by whom, while the model's `status` is 'hidden'."""

    receipt: Mapped[str] = mapped_column(sa.String(20), unique=True)
    author_name: Mapped[str] = mapped_column(sa.String(50))
    show_name: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[timestamp]
    contact: Mapped[str | None] = mapped_column(sa.String(100))
    submitter_ip: Mapped[str | None] = mapped_column(sa.String(45))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(20))
    hidden_note: Mapped[str | None] = mapped_column(sa.Text)
    hidden_at: Mapped[moment | None]
    hidden_by_id: Mapped[user_fk]

    @staticmethod
    def checks() -> tuple[sa.CheckConstraint, ...]:
        """The rules of a submission's table (which has a `status`)."""
        return (
            sa.CheckConstraint(
                "status <> 'hidden' OR (hidden_reason IS NOT NULL AND hidden_at IS NOT NULL)",
                name="hidden_has_reason",
            ),
            known("hidden_reason", HIDE_REASON_VALUES, optional=True),
            sa.CheckConstraint("length(body) > 0", name="body_not_empty"),
        )

    @property
    def is_hidden(self) -> bool:
        return self.status == CommentStatus.HIDDEN  # type: ignore[attr-defined]

    @property
    def public_name(self) -> str | None:
        """The name shown publicly, or None for an anonymous submission."""
        return self.author_name if self.show_name else None


class DuplicateGroup(SurrogateKey, AnsweredMixin, db.Model):
    """Comments with identical or near-identical text (a form-letter campaign).

    Its size is stored, kept by the grouping (comments.grouping), so that no page counts a
    campaign of a million copies to show "与其他N条意见内容相同". Its answer, once given, is
    the answer of every member without one of its own."""

    __tablename__ = "duplicate_group"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    created_at: Mapped[timestamp]
    size: Mapped[int] = mapped_column(default=0)
    published: Mapped[int] = mapped_column(default=0)  # of them, published (the listed ones)

    comments: Mapped[list[Comment]] = relationship(
        back_populates="duplicate_group", order_by="Comment.id"
    )

    __table_args__ = (not_negative("size"), *_answer_checks())

    def __repr__(self) -> str:
        return f"<DuplicateGroup {self.id} consultation={self.consultation_id} size={self.size}>"


class BandKeyed:
    """A side table of LSH band keys (rules.band_keys), each with the first row that had it,
    in which near copies are looked up by the key. The primary key (the owner's id, then the
    key) is the lookup: on SQLite the rows live in it (no rowid table beside)."""

    key: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = {"sqlite_with_rowid": False}


class CommentBand(BandKeyed, db.Model):
    """An LSH band key (rules.band_keys) of a consultation's comments and the first comment
    that had it: the indexed side table in which near copies are looked up. A key is stored
    once, so a lookup reads at most rules.BANDS rows however large a campaign grows; each new
    wording of a campaign letter adds only the keys its own words make."""

    __tablename__ = "comment_band"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id"))

    def __repr__(self) -> str:
        return f"<CommentBand {self.key} comment={self.comment_id}>"


class CommentText(db.Model):
    """One distinct text of a consultation's comments (by the fingerprint of its normalised
    form) and the first comment that had it: an exact copy is found here by its key, and a
    campaign of a million identical letters is one row."""

    __tablename__ = "comment_text"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comment.id"))

    # The primary key is the lookup: on SQLite the rows live in it (no rowid table beside).
    __table_args__ = {"sqlite_with_rowid": False}

    def __repr__(self) -> str:
        return f"<CommentText {self.fingerprint[:8]} comment={self.comment_id}>"


class CommentTally(db.Model):
    """A consultation's comment counts, kept by the grouping as it takes each comment in and by
    moderation, so that pages, the API and exports never count a million rows."""

    __tablename__ = "comment_tally"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), primary_key=True)
    comments: Mapped[int] = mapped_column(default=0)  # every status
    published: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[int] = mapped_column(default=0)

    __table_args__ = (counts_within("comments", "published", "hidden"),)

    def __repr__(self) -> str:
        return f"<CommentTally consultation={self.consultation_id} {self.comments}>"


class AnswerProgress(db.Model):
    """How far the answering of a consultation has come, per clause and per assigned officer:
    kept by the grouping (as it takes comments in) and by every change of an answer or an
    assignment (feedback.answers), so that the workspace and the dashboard never count a
    million rows. `clause_key` and `assignee_key` are 0 for none (a primary key has no NULL)."""

    __tablename__ = "answer_progress"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), primary_key=True)
    clause_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    assignee_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    comments: Mapped[int] = mapped_column(default=0)
    drafted: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)  # confirmed answers

    __table_args__ = (counts_within("comments", "drafted", "answered"),)

    def __repr__(self) -> str:
        return f"<AnswerProgress {self.consultation_id}/{self.clause_key}/{self.assignee_key}>"


class Comment(SurrogateKey, PublicSubmission, AnsweredMixin, db.Model):
    __tablename__ = "comment"

    # Indexed with the id (ix_comment_consultation: exports in keyset order) and first in the
    # other indexes below.
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"))
    clause_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clause.id"))
    source: Mapped[str] = mapped_column(sa.String(20), default=CommentSource.ONLINE.value)
    consent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=CommentStatus.PUBLISHED.value)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id"))
    # Offline comments: where they came from and who entered them.
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offline_activity.id"))
    entered_by_id: Mapped[user_fk]
    # Duplicate grouping (comments.grouping): when the comment was grouped, a moment after it
    # was stored (NULL until then).
    grouped_at: Mapped[moment | None]
    # Indexed with status and id (ix_comment_group): a group's page read from the index.
    duplicate_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("duplicate_group.id"))
    # Feedback (rule 3, AnsweredMixin): every comment ends with an answer, its own or its
    # group's; an own answer of "not applicable" may name the comment it repeats.
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id"))
    # The officer who answers it (assigned by the office or the department's head).
    assigned_to_id: Mapped[user_fk] = mapped_column()

    consultation: Mapped[Consultation] = relationship()
    clause: Mapped[Clause | None] = relationship(lazy="joined")
    attachment: Mapped[StoredFile | None] = relationship()
    activity: Mapped[OfflineActivity | None] = relationship()
    duplicate_group: Mapped[DuplicateGroup | None] = relationship(back_populates="comments")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    duplicate_of: Mapped[Comment | None] = relationship(
        remote_side="Comment.id", foreign_keys=[duplicate_of_id]
    )
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])

    __table_args__ = (
        known("source", SOURCE_VALUES),
        known("status", STATUS_VALUES),
        *PublicSubmission.checks(),
        sa.CheckConstraint("source <> 'online' OR consent", name="online_needs_consent"),
        *_answer_checks(),
        sa.CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_duplicate_of_itself"
        ),
        sa.Index("ix_comment_consultation", "consultation_id", "id"),
        sa.Index("ix_comment_group", "duplicate_group_id", "status", "id"),
        # The comments waiting to be grouped: a small index however many are grouped.
        partial_index("ix_comment_ungrouped", "consultation_id", "id", where="grouped_at IS NULL"),
        # A consultation's comments in their listed order (oldest first), with the status so
        # that a page of published ones is found in the index alone, however deep.
        sa.Index("ix_comment_listing", "consultation_id", "submitted_at", "id", "status"),
        # The feedback workspace's filters at a million comments (feedback.selection): each
        # page reads one of these in id order, never the whole consultation.
        partial_index(
            "ix_comment_unanswered", "consultation_id", "id", where="disposition IS NULL"
        ),
        sa.Index("ix_comment_clause", "consultation_id", "clause_id", "id"),
        sa.Index("ix_comment_members", "duplicate_group_id", "id"),
        partial_index(
            "ix_comment_assignee",
            "assigned_to_id",
            "consultation_id",
            "id",
            where="assigned_to_id IS NOT NULL",
        ),
        # The members of a group with an answer of their own (few, as a rule): the group's
        # answer is read by the others (feedback.answers).
        partial_index(
            "ix_comment_group_answered", "duplicate_group_id", where="disposition IS NOT NULL"
        ),
    )

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.receipt} {self.source} {self.status}>"

    @property
    def answer(self) -> Answer | None:
        """Its answer: its own, else its group's (None: not answered yet)."""
        if self.disposition is not None:
            return Answer.of(self, shared=False)
        group = self.duplicate_group
        if group is not None and group.disposition is not None:
            return Answer.of(group, shared=True)
        return None


class ImportStatus(enum.StrEnum):
    CHECKING = "checking"  # uploaded; the rows are being read and checked (a job)
    CHECKED = "checked"  # every row can be imported: the preview waits for the go-ahead
    REFUSED = "refused"  # rows (or the file) have problems: nothing was imported
    IMPORTING = "importing"  # confirmed; the comments are being stored (a job)
    IMPORTED = "imported"
    FAILED = "failed"  # the job stopped on an error of the platform's own: nothing imported


IMPORT_WORKING = (ImportStatus.CHECKING.value, ImportStatus.IMPORTING.value)


class CommentImport(SurrogateKey, db.Model):
    """A file of comments gathered offline (the 12345 hotline's export, letters typed in),
    uploaded by staff to a consultation: checked in a job, previewed with each row's
    problems, then imported all or nothing (comments.imports). The file itself waits in the
    storage (core.storage) under `storage_key`."""

    __tablename__ = "comment_import"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id"), index=True)
    uploaded_by_id: Mapped[user_fk] = mapped_column()
    confirmed_by_id: Mapped[user_fk] = mapped_column()
    filename: Mapped[str] = mapped_column(sa.String(150))
    kind: Mapped[str] = mapped_column(sa.String(10))  # csv | xlsx, as the content showed
    encoding: Mapped[str | None] = mapped_column(sa.String(20))  # of a CSV file
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100))
    # The source given to rows that name none (NULL: every row names its own).
    default_source: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default=ImportStatus.CHECKING.value)
    # Which run of a job may write its outcome: a run started again (a worker that stopped)
    # takes the next number, and an older run that wakes up finds it changed and stops.
    attempt: Mapped[int] = mapped_column(default=1)
    rows_total: Mapped[int | None] = mapped_column()  # known (or estimated) once reading starts
    rows_checked: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)  # rows with problems
    # Each listed problem: {"row", "field", "msgid", "params"}, translated when shown.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    preview: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    sources: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    ignored_columns: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    imported_count: Mapped[int | None] = mapped_column()
    first_receipt: Mapped[str | None] = mapped_column(sa.String(20))
    last_receipt: Mapped[str | None] = mapped_column(sa.String(20))
    failure: Mapped[str | None] = mapped_column(sa.Text)  # the platform's error, for staff
    created_at: Mapped[timestamp]
    # Set by every step of a job: a page can tell a job that works from one that stopped.
    updated_at: Mapped[timestamp]
    checked_at: Mapped[moment | None]
    imported_at: Mapped[moment | None]

    consultation: Mapped[Consultation] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])

    __table_args__ = (
        known("status", ImportStatus),
        sa.CheckConstraint("kind IN ('csv', 'xlsx')", name="kind_known"),
        sa.CheckConstraint(
            "status <> 'imported' OR (imported_count IS NOT NULL AND imported_at IS NOT NULL)",
            name="imported_has_count",
        ),
        known("default_source", SOURCE_VALUES, optional=True),
    )

    def __repr__(self) -> str:
        return f"<CommentImport {self.id} consultation={self.consultation_id} {self.status}>"

    @property
    def is_working(self) -> bool:
        return self.status in IMPORT_WORKING
