"""What the API takes and gives about consultations; limits from consultations.rules."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from consult.consultations import rules
from consult.consultations.models import ACTIVITY_VALUES, ConsultationStatus
from consult.core.schemas import (
    Count,
    Enum,
    Id,
    Input,
    Moment,
    PageQuery,
    Schema,
    Text,
    Time,
    page_of,
)

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


class Consultation(Schema):
    """A public consultation: the draft, its window and what happened to it."""

    id: Id
    title: str
    decision_id: Id
    decision_title: str
    lead_department: str
    status: Enum(STATUS_VALUES)
    opens_at: Time
    closes_at: Time
    time_left: TimeLeft
    contact: str = Field(
        description="The organising department's published contact line for questions about "
        "the draft (official and public; never a resident's contact)."
    )
    preamble: str
    explanation: str
    clauses: list[Clause]
    documents: list[Document]
    window_changes: list[WindowChange]
    activities: list[Activity]
    comment_count: Count | None = Field(None, description="Comments received")


ConsultationPage = page_of(Consultation)
