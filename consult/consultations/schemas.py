"""What the API takes and gives about consultations; limits from consultations.rules."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from consult.consultations import rules
from consult.consultations.models import ACTIVITY_VALUES
from consult.consultations.models import ConsultationStatus
from consult.core.schemas import Count
from consult.core.schemas import Enum
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Moment
from consult.core.schemas import PageQuery
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import labelled
from consult.core.schemas import note
from consult.core.schemas import page_of

STATUS_VALUES = tuple(s.value for s in ConsultationStatus)
WINDOW = (
    f"The comment window (opens_at to closes_at) lasts at least "
    f"{rules.MIN_COMMENT_WINDOW.days} days; a deployment may require more."
)


class ConsultationInput(Input):
    """A consultation to open (or schedule)."""

    title: Text(rules.MAX_TITLE, minimum=1)
    draft: Text(rules.MAX_TEXT, minimum=1, description="The draft; 第一条 … lines become clauses")
    explanation: Text(rules.MAX_TEXT) | None = None
    contact: Text(
        rules.MAX_CONTACT,
        minimum=1,
        description="The department's public contact line for questions.",
    )
    opens_at: Moment
    closes_at: Moment = Field(description=WINDOW)


class ClosingChange(Input):
    """A new closing time, with the reason announced on the consultation page."""

    closes_at: Moment = Field(
        description="Extending is allowed and logged; shortening below the minimum window "
        f"({rules.MIN_COMMENT_WINDOW.days} days) is refused."
    )
    reason: Text(rules.MAX_REASON, minimum=1)


class ConsultationQuery(PageQuery):
    status: Enum(STATUS_VALUES) | None = Field(None, description="Status now")


class Clause(Schema):
    number: Id
    heading: str
    text: str
    anchor: str


class Document(Schema):
    id: Id
    filename: str
    content_type: str
    size: Count
    sha256: str


class WindowChange(Schema):
    old_closes_at: Time
    new_closes_at: Time
    reason: str | None
    changed_at: Time


class Activity(Schema):
    kind: Enum(ACTIVITY_VALUES)
    held_on: date
    place: str
    participants: Count
    minutes: str


class TimeLeft(Schema):
    """Until closing, rounded down; zero once closed."""

    days: Count
    hours: Count


class ConsultationFields(Schema):
    """What the API's answer and the open-data record share."""

    id: Id = labelled("编号", note("Number of the consultation"))
    title: str = labelled("标题", note("Title"))
    decision_id: Id = labelled("决策事项编号", note("The decision matter it belongs to"))
    decision_title: str = labelled("决策事项", note("Title of that matter"))
    lead_department: str = labelled("承办部门", note("Lead department"))
    status: Enum(STATUS_VALUES) = labelled("状态")
    opens_at: Time = labelled("开始时间", note("Comments accepted from"))
    closes_at: Time = labelled("截止时间", note("Comments accepted until (exclusive)"))
    comment_count: Count = labelled("意见数", note("Number of comments received"))
    contact: str = labelled(
        "咨询方式",
        note("The department's published contact for questions"),
    )
    preamble: str = labelled("前言", note("Preamble of the draft"))
    explanation: str = labelled("起草说明", note("Explanatory note"))
    clauses: list[Clause] = labelled("条款", note("Clauses: number, heading and text (JSON only)"))
    documents: list[Document] = labelled(
        "附件", note("Documents: file name, type, size, SHA-256 (JSON only)")
    )
    window_changes: list[WindowChange] = labelled(
        "期限调整", note("Changes of the closing time, with reasons (JSON only)")
    )
    activities: list[Activity] = labelled(
        "线下活动", note("Symposiums, hearings and field visits (JSON only)")
    )


class Consultation(ConsultationFields):
    """A public consultation: the draft, its window and what happened to it. Its `contact` is
    the organising department's published line for questions about the draft (official and
    public; never a resident's contact)."""

    time_left: TimeLeft


class ConsultationRecord(ConsultationFields):
    """A consultation in the open-data download: a snapshot of the data, not of the clock (no
    countdown), with the feedback once published."""

    feedback_published_at: Time | None = labelled(
        "反馈公布时间", note("When the feedback was published")
    )
    feedback_summary: str | None = labelled(
        "反馈说明", note("How the draft changed after the consultation")
    )


ConsultationPage = page_of(Consultation)
