"""Government meetings that public representatives attend: agenda, draws, invitations,
check-in, attendance, remarks and published outcomes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consult.accounts.models import Department
from consult.accounts.models import DepartmentOwned
from consult.catalogue.models import DecisionMatter
from consult.core.columns import Created
from consult.core.columns import SurrogateKey
from consult.core.columns import moment
from consult.core.columns import timestamp
from consult.core.columns import user_fk
from consult.core.constraints import filled_unless
from consult.core.constraints import known
from consult.core.constraints import not_blank
from consult.core.constraints import not_negative
from consult.extensions import db
from consult.representatives.models import Representative


class MeetingKind(enum.StrEnum):
    STANDING = "standing"  # 区政府常务会议
    EXECUTIVE = "executive"  # 区长办公会议 / executive meeting
    SYMPOSIUM = "symposium"
    HEARING = "hearing"
    OTHER = "other"


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Attendance(enum.StrEnum):
    ATTENDED = "attended"
    ABSENT = "absent"


class InvitationSource(enum.StrEnum):
    MANUAL = "manual"
    DRAW = "draw"
    SUBSTITUTE = "substitute"


KIND_VALUES = tuple(k.value for k in MeetingKind)
INVITATION_STATUS_VALUES = tuple(s.value for s in InvitationStatus)
ATTENDANCE_VALUES = tuple(a.value for a in Attendance)
SOURCE_VALUES = tuple(s.value for s in InvitationSource)


class Meeting(SurrogateKey, Created, DepartmentOwned, db.Model):
    __tablename__ = "meeting"

    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[moment] = mapped_column(index=True)
    ends_at: Mapped[moment]
    place: Mapped[str] = mapped_column(sa.String(200))
    seats: Mapped[int] = mapped_column(default=0)
    registration_deadline: Mapped[moment]
    # None: a meeting of the district government, organised by the government office.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    attendance_closed_at: Mapped[moment | None]
    outcome_published_at: Mapped[moment | None]
    outcome_summary: Mapped[str | None] = mapped_column(sa.Text)
    # The key of the venue code (meetings.rules): hex, never shown, never in the API.
    venue_secret: Mapped[str] = mapped_column(sa.String(64))

    department: Mapped[Department | None] = relationship(lazy="joined")
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", order_by="Invitation.id"
    )
    draws: Mapped[list[Draw]] = relationship(back_populates="meeting", order_by="Draw.id")
    remarks: Mapped[list[Remark]] = relationship(back_populates="meeting", order_by="Remark.id")

    __table_args__ = (
        known("kind", KIND_VALUES),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("registration_deadline <= starts_at", name="deadline_before_start"),
        not_negative("seats"),
        filled_unless(
            "outcome_published_at IS NULL", "outcome_summary", name="outcome_has_summary"
        ),
    )

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} {self.starts_at:%Y-%m-%d}>"

    def has_ended(self, now: datetime) -> bool:
        return now >= self.ends_at

    def is_upcoming(self, now: datetime) -> bool:
        return now < self.starts_at


class AgendaItem(SurrogateKey, db.Model):
    __tablename__ = "agenda_item"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    matter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision_matter.id"), index=True)
    decision: Mapped[str | None] = mapped_column(sa.Text)
    interpretation: Mapped[str | None] = mapped_column(sa.Text)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    matter: Mapped[DecisionMatter | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AgendaItem {self.meeting_id}#{self.position}>"


class Draw(SurrogateKey, db.Model):
    """A published, reproducible random draw: its seed, the pool it drew from, and the result."""

    __tablename__ = "draw"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    seed: Mapped[str] = mapped_column(sa.String(100))
    quotas: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    pool: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON)  # category → eligible ids
    excluded: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    result: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON)  # category → drawn ids, in order
    drawn_at: Mapped[timestamp]
    actor_id: Mapped[user_fk]

    meeting: Mapped[Meeting] = relationship(back_populates="draws")

    __table_args__ = (sa.CheckConstraint("length(seed) > 0", name="seed_not_blank"),)

    def __repr__(self) -> str:
        return f"<Draw {self.id} meeting={self.meeting_id} seed={self.seed!r}>"


class Invitation(SurrogateKey, db.Model):
    __tablename__ = "invitation"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("representative.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(20), default=InvitationSource.MANUAL.value)
    draw_id: Mapped[int | None] = mapped_column(sa.ForeignKey("draw.id"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitation.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=InvitationStatus.PENDING.value)
    invited_at: Mapped[timestamp]
    responded_at: Mapped[moment | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    checkin_code: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    checked_in_at: Mapped[moment | None]
    attendance: Mapped[str | None] = mapped_column(sa.String(20))

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    representative: Mapped[Representative] = relationship(lazy="joined")
    draw: Mapped[Draw | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "meeting_id", "representative_id", name="uq_invitation_meeting_representative"
        ),
        known("status", INVITATION_STATUS_VALUES),
        known("source", SOURCE_VALUES),
        known("attendance", ATTENDANCE_VALUES, optional=True),
        sa.CheckConstraint(
            "checked_in_at IS NULL OR status = 'accepted'", name="checkin_only_when_accepted"
        ),
        sa.CheckConstraint(
            "status <> 'accepted' OR checkin_code IS NOT NULL", name="accepted_has_code"
        ),
    )

    def __repr__(self) -> str:
        return f"<Invitation {self.id} meeting={self.meeting_id} rep={self.representative_id} {self.status}>"


class Remark(SurrogateKey, db.Model):
    """What a representative said at the meeting, published with the outcome."""

    __tablename__ = "remark"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id"), index=True)
    representative_id: Mapped[int] = mapped_column(sa.ForeignKey("representative.id"))
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_item.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id"))
    recorded_at: Mapped[timestamp]
    recorded_by_id: Mapped[user_fk]

    meeting: Mapped[Meeting] = relationship(back_populates="remarks")
    representative: Mapped[Representative] = relationship(lazy="joined")
    agenda_item: Mapped[AgendaItem | None] = relationship()

    __table_args__ = (not_blank("text"),)

    def __repr__(self) -> str:
        return f"<Remark {self.id} meeting={self.meeting_id}>"
