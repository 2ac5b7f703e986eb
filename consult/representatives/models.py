"""The public-representative pool (社会公众代表库): people, applications, conflicts of interest."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import User
from consult.catalogue.models import DecisionMatter
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import filled
from consult.core.constraints import filled_unless
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.extensions import db


class Category(enum.StrEnum):
    NPC_DEPUTY = "npc_deputy"
    CPPCC_MEMBER = "cppcc_member"
    EXPERT = "expert"
    ENTREPRENEUR = "entrepreneur"
    MEDIA = "media"
    NEW_SOCIAL_STRATA = "new_social_strata"
    SUPERVISOR = "supervisor"
    OTHER = "other"


class RepresentativeStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


CATEGORY_VALUES = tuple(c.value for c in Category)
REP_STATUS_VALUES = tuple(s.value for s in RepresentativeStatus)


class Representative(SurrogateKey, db.Model):
    __tablename__ = "representative"

    name: Mapped[str] = mapped_column(sa.String(50))
    category: Mapped[str] = mapped_column(sa.String(30), index=True)
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    term_start: Mapped[date] = mapped_column(sa.Date)
    term_end: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default=RepresentativeStatus.ACTIVE.value)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    # Private (rule 6): never on the roster, the API, an export or a feed.
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[timestamp]

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        known("category", CATEGORY_VALUES),
        known("status", REP_STATUS_VALUES),
        sa.CheckConstraint("term_end > term_start", name="term_positive"),
        not_blank("name"),
    )

    def __repr__(self) -> str:
        return f"<Representative {self.id} {self.category} {self.status}>"

    def status_on(self, day: date) -> str:
        """Terms end by themselves: past its end date a representative is 'ended'."""
        if self.status == RepresentativeStatus.ACTIVE and day > self.term_end:
            return RepresentativeStatus.ENDED
        return self.status

    def serves_on(self, day: date) -> bool:
        return (
            self.status == RepresentativeStatus.ACTIVE and self.term_start <= day <= self.term_end
        )


class RepresentativeApplication(SurrogateKey, db.Model):
    """A resident asks to join the pool; the government office decides, with a reason if no.

    Signed in, the account is the applicant; without an account the form takes a name and an
    email address (private), and approval opens an account for that address."""

    __tablename__ = "representative_application"

    receipt: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # Without an account: who applies and where to write (private, rule 6).
    name: Mapped[str | None] = mapped_column(sa.String(50))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    category: Mapped[str] = mapped_column(sa.String(30))
    affiliation: Mapped[str] = mapped_column(sa.String(200), default="")
    interests: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    statement: Mapped[str] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(20), default=ApplicationStatus.PENDING.value)
    submitted_at: Mapped[timestamp]
    decided_at: Mapped[moment | None]
    decided_by_id: Mapped[user_fk]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    representative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("representative.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        known("category", CATEGORY_VALUES),
        known("status", ApplicationStatus),
        sa.CheckConstraint(
            f"user_id IS NOT NULL OR ({filled('name')} AND email IS NOT NULL)",
            name="applicant_known",
        ),
        filled_unless("status <> 'rejected'", "decision_reason", name="rejection_has_reason"),
    )

    def __repr__(self) -> str:
        return f"<RepresentativeApplication {self.id} {self.status}>"

    @property
    def applicant_name(self) -> str:
        return self.user.display_name if self.user is not None else (self.name or "")

    @property
    def applicant_email(self) -> str | None:
        return self.user.email if self.user is not None else self.email


class ConflictOfInterest(SurrogateKey, db.Model):
    """A representative may not be drawn for a meeting that decides this matter."""

    __tablename__ = "conflict_of_interest"

    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("representative.id"), index=True)
    matter_id: Mapped[int] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_at: Mapped[timestamp]
    recorded_by_id: Mapped[user_fk]

    representative: Mapped[Representative] = relationship()
    matter: Mapped[DecisionMatter] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "representative_id", "matter_id", name="uq_conflict_of_interest_rep_matter"
        ),
    )

    def __repr__(self) -> str:
        return f"<ConflictOfInterest rep={self.representative_id} matter={self.matter_id}>"
