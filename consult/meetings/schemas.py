"""What the API takes and gives about meetings; limits from meetings.rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from consult.core.schemas import Count
from consult.core.schemas import Enum
from consult.core.schemas import Free
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Int
from consult.core.schemas import Moment
from consult.core.schemas import PageQuery
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import labelled
from consult.core.schemas import left_out_if_none
from consult.core.schemas import note
from consult.core.schemas import page_of
from consult.meetings import rules
from consult.meetings.models import ATTENDANCE_VALUES
from consult.meetings.models import INVITATION_STATUS_VALUES
from consult.meetings.models import KIND_VALUES
from consult.meetings.models import SOURCE_VALUES as INVITATION_SOURCES
from consult.representatives.models import CATEGORY_VALUES

WHEN_VALUES = ("upcoming", "past")


class AgendaInput(Input):
    title: Text(rules.MAX_TITLE) | None = Field(
        None, description="Defaults to the decision matter's title"
    )
    decision_id: Id | None = None


class MeetingInput(Input):
    """A meeting to schedule."""

    kind: Enum(KIND_VALUES)
    title: Text(rules.MAX_TITLE, minimum=1)
    place: Text(rules.MAX_PLACE, minimum=1)
    starts_at: Moment
    ends_at: Moment = Field(description="After starts_at")
    registration_deadline: Moment = Field(description="Before starts_at")
    seats: Int(0, rules.MAX_SEATS) = 0
    department_id: Id | None = Field(
        None, description="The organising department; null: the district government"
    )
    agenda: list[AgendaInput] = []


Quotas = Annotated[
    dict[Enum(CATEGORY_VALUES), Int(0, rules.MAX_QUOTA)],
    Field(description="Seats drawn per representative category", min_length=1),
]


class DrawInput(Input):
    """A draw by lot: published, so anyone can re-run it."""

    model_config = {
        "json_schema_extra": {
            "example": {"seed": "2026-03-02-standing-1", "quotas": {"npc_deputy": 2, "expert": 1}}
        }
    }

    seed: Text(rules.MAX_SEED) | None = Field(
        None, description="Published with the result; drawn at random when left out"
    )
    quotas: Quotas


class CheckInInput(Input):
    code: Text(rules.MAX_CODE, minimum=1)


class VenueCheckInInput(Input):
    code: Text(rules.MAX_CODE, minimum=1) = Field(description="The code on the venue screen")


class InvitationResponseInput(Input):
    accept: bool
    reason: Text(rules.MAX_DECLINE_REASON) | None = Field(
        None, description="Why not (private: shown to the organiser only)"
    )


class MeetingQuery(PageQuery):
    when: Enum(WHEN_VALUES) | None = Field(None, description="Upcoming or past only")


class AgendaItem(Schema):
    """Decision and interpretation are null until the outcome is published."""

    position: Id
    title: str
    decision_id: Id | None
    decision: str | None
    interpretation: str | None


class Meeting(Schema):
    """A government meeting that representatives attend."""

    id: Id = labelled("编号", note("Number of the meeting"))
    kind: Enum(KIND_VALUES) = labelled("类型")
    title: str = labelled("会议名称", note("Title"))
    starts_at: Time = labelled("开始时间", note("Start"))
    ends_at: Time = labelled("结束时间", note("End"))
    place: str = labelled("地点", note("Place"))
    seats: Count = labelled("代表名额", note("Seats for public representatives"))
    registration_deadline: Time = labelled("报名截止", note("Deadline to accept an invitation"))
    organiser: str | None = labelled(
        "组织部门", note("Organising department (empty: the district government)")
    )
    agenda: list[AgendaItem] = labelled(
        "议程", note("Agenda items, each with its decision and interpretation once published")
    )
    outcome_published_at: Time | None = labelled(
        "结果公布时间", note("When the outcome was published")
    )


class MeetingRecord(Meeting):
    """A meeting in the open-data download."""

    outcome_summary: str | None = labelled("会议结果", note("Summary of the outcome"))
    attendance_recorded_at: Time | None = labelled(
        "出席登记时间", note("When attendance was recorded")
    )


class AttendanceRecord(Schema):
    """An invitation to a meeting whose attendance has been recorded (open data)."""

    meeting_id: Id = labelled("会议编号", note("The meeting"))
    meeting_title: str = labelled("会议名称", note("Title of the meeting"))
    meeting_starts_at: Time = labelled("会议时间", note("Start of the meeting"))
    representative_id: Id = labelled("代表编号", note("The representative"))
    representative_name: str = labelled("代表姓名", note("Name of the representative"))
    category: Enum(CATEGORY_VALUES) = labelled("类别")
    invited_by: Enum(INVITATION_SOURCES) = labelled("邀请方式")
    status: Enum(INVITATION_STATUS_VALUES) = labelled("答复")
    attendance: Enum(ATTENDANCE_VALUES) | None = labelled("出席情况")


MeetingPage = page_of(Meeting)

IdsByCategory = Free(list[Id], description="Representative ids by category.")


class Exclusion(Schema):
    id: Id
    reason: Enum(("conflict_of_interest", "already_invited"))
    matters: list[Id] | None = left_out_if_none(description="With conflict_of_interest only")


class DrawRecord(Schema):
    seed: str
    quotas: Free(Count, description="Seats drawn per category.")
    pool: IdsByCategory
    excluded: list[Exclusion]
    result: IdsByCategory
    drawn_at: Time


class Draw(DrawRecord):
    """A published, reproducible random draw."""

    id: Id


class Invited(Schema):
    representative_id: Id
    name: str
    category: Enum(CATEGORY_VALUES)
    source: Enum(INVITATION_SOURCES)
    status: Enum(INVITATION_STATUS_VALUES)
    attendance: Enum(ATTENDANCE_VALUES) | None


class Remark(Schema):
    representative: str
    agenda_position: Id | None
    text: str


class MeetingDetail(Meeting):
    """A meeting with its draws, invitations and, once published, its outcome."""

    outcome_summary: str | None
    draws: list[DrawRecord]
    invited: list[Invited]
    remarks: list[Remark]


class CheckIn(Schema):
    """Checked in."""

    invitation_id: Id
    representative: str
    checked_in_at: Time


class InvitationReply(Schema):
    """The answer to an invitation."""

    id: Id
    meeting_id: Id
    status: Enum(INVITATION_STATUS_VALUES)
    responded_at: Time
    checkin_code: str | None = left_out_if_none(
        description="The invitee's own check-in code, answered to the invitee only, after "
        "accepting.",
    )
