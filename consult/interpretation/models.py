"""Interpretations of decisions, policy specialists, and residents' questions."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import Department
from consult.accounts.models import DepartmentOwned
from consult.accounts.models import User
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterOwned
from consult.comments.models import BandKeyed
from consult.comments.models import PublicSubmission
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import filled
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.core.constraints import not_negative
from consult.core.constraints import partial_index
from consult.extensions import db


class InterpretationKind(enum.StrEnum):
    INITIAL = "initial"  # published together with the decision
    FOLLOW_UP = "follow_up"  # 二次解读、跟踪解读: later, on new questions


class InterpretationForm(enum.StrEnum):
    TEXT = "text"  # 文字解读
    ILLUSTRATED = "illustrated"  # 图解
    VIDEO = "video"  # 视频、访谈
    PRESS_CONFERENCE = "press_conference"  # 新闻发布会


class QuestionStatus(enum.StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"


KIND_VALUES = tuple(k.value for k in InterpretationKind)
FORM_VALUES = tuple(f.value for f in InterpretationForm)


class Interpretation(SurrogateKey, DepartmentOwned, db.Model):
    """The interpretation of a decision: the one published with it, or a follow-up."""

    __tablename__ = "interpretation"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # Which forms it takes (rules.FORM_LABELS), in the order given: text, illustrated, ...
    forms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The graphic, the video or interview, or the press conference's page.
    link: Mapped[str | None] = mapped_column(sa.String(500))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    published_on: Mapped[date] = mapped_column(sa.Date)
    published_at: Mapped[timestamp]
    published_by_id: Mapped[user_fk]

    matter: Mapped[DecisionMatter] = relationship()
    department: Mapped[Department] = relationship(lazy="joined")

    __table_args__ = (
        known("kind", KIND_VALUES),
        not_blank("title"),
        not_blank("body"),
        # One interpretation is published with the decision; the rest follow it.
        partial_index(
            "uq_interpretation_initial", "matter_id", where="kind = 'initial'", unique=True
        ),
    )

    def __repr__(self) -> str:
        return f"<Interpretation {self.id} matter={self.matter_id} {self.kind}>"


class PolicySpecialist(SurrogateKey, DepartmentOwned, db.Model):
    """A department's policy specialist (政策专员): a staff account named to answer residents'
    questions on the department's decisions, and what they answer for. Ending the role keeps
    the row, so that the answers they gave still say who gave them."""

    __tablename__ = "policy_specialist"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    remit: Mapped[str] = mapped_column(sa.String(300))
    named_at: Mapped[timestamp]
    named_by_id: Mapped[user_fk]
    ended_at: Mapped[moment | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")

    __table_args__ = (
        not_blank("remit"),
        # A person holds the role once at a time.
        partial_index(
            "uq_policy_specialist_current", "user_id", where="ended_at IS NULL", unique=True
        ),
    )

    def __repr__(self) -> str:
        return f"<PolicySpecialist {self.id} user={self.user_id} dept={self.department_id}>"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class QuestionGroup(SurrogateKey, db.Model):
    """Questions on one matter that repeat each other (same or near-same text), found as
    duplicate comments are (comments.rules: fingerprint, MinHash band keys, Jaccard)."""

    __tablename__ = "question_group"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[timestamp]

    __table_args__ = (not_negative("size"),)

    def __repr__(self) -> str:
        return f"<QuestionGroup {self.id} matter={self.matter_id} size={self.size}>"


class QuestionBand(BandKeyed, db.Model):
    """An LSH band key of a matter's questions and the first question that had it: near copies
    are looked up here by the key, as comments' are in comment_band."""

    __tablename__ = "question_band"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"))

    def __repr__(self) -> str:
        return f"<QuestionBand {self.key} question={self.question_id}>"


class Question(SurrogateKey, MatterOwned, PublicSubmission, db.Model):
    """A resident's question on a decision (一号答), answered in public by a policy specialist
    of the lead department."""

    __tablename__ = "question"

    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"))
    # The last day of the answering period (working days, counted when it was asked).
    due_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default=QuestionStatus.PUBLISHED.value)
    # The answer, published with the question.
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[moment | None]
    answered_by_id: Mapped[user_fk] = mapped_column()
    # Grouping: the normalised text's fingerprint, and the group of its repeats.
    fingerprint: Mapped[str] = mapped_column(sa.String(40))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_group.id"), index=True)

    matter: Mapped[DecisionMatter] = relationship(lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    group: Mapped[QuestionGroup | None] = relationship()

    __table_args__ = (
        known("status", QuestionStatus),
        *PublicSubmission.checks(),
        sa.CheckConstraint(
            "(answered_at IS NULL) = (answer IS NULL) AND (answer IS NULL OR "
            + filled("answer")
            + ")",
            name="answer_has_time",
        ),
        # A matter's questions in the order asked, and the exact copies of a text.
        sa.Index("ix_question_matter", "matter_id", "submitted_at", "id"),
        sa.Index("ix_question_fingerprint", "matter_id", "fingerprint"),
        # What is waiting for an answer, by its due day (the overdue list).
        partial_index("ix_question_waiting", "due_on", where="answered_at IS NULL"),
    )

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.receipt} {self.status}>"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
