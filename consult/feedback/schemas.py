"""What the API takes and gives about feedback; limits from feedback.rules."""

from __future__ import annotations

from pydantic import Field

from consult.comments.models import DISPOSITION_VALUES
from consult.comments.models import SOURCE_VALUES
from consult.core import ids
from consult.core.records import record_of
from consult.core.schemas import Count
from consult.core.schemas import Day
from consult.core.schemas import Enum
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Nested
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import page_of
from consult.feedback import rules
from consult.feedback import selection
from consult.feedback.models import REPORT_STATUS_VALUES


class DispositionInput(Input):
    """An answer to a comment."""

    disposition: Enum(DISPOSITION_VALUES)
    reason: Text(rules.MAX_REASON) | None = Field(
        None, description="Required unless adopted: every comment not adopted gets a reason"
    )
    duplicate_of: Id | Text(ids.RECEIPT_TEXT_MAX) | None = Field(
        None, description="Comment id or receipt this one duplicates (not_applicable only)"
    )


class SelectionInput(Nested):
    """Which comments of the consultation: every field optional, all given must hold."""

    group_id: Id | None = Field(None, description="A duplicate group of this consultation")
    clause: Count | None = Field(None, description="A clause's number; 0: the draft as a whole")
    source: Enum(SOURCE_VALUES) | None = None
    state: Enum(selection.STATE_VALUES) | None = Field(
        None, description="unanswered, drafted (to confirm) or answered"
    )
    assignee: Count | None = Field(None, description="An officer's id; 0: not assigned")
    submitted_from: Day | None = Field(None, description="From this local date on")
    submitted_to: Day | None = Field(None, description="Up to this local date, included")
    q: Text(selection.MAX_QUERY) | None = Field(None, description="Text the comment contains")
    comment_ids: list[Id] | None = Field(
        None, min_length=1, max_length=selection.MAX_COMMENT_IDS, description="Given comments"
    )


class SelectionAnswerInput(Input):
    """One answer for every comment a selection matches."""

    selection: SelectionInput
    disposition: Enum(DISPOSITION_VALUES)
    reason: Text(rules.MAX_REASON) | None = Field(
        None, description="Required unless adopted: every comment not adopted gets a reason"
    )
    duplicate_of: Id | Text(ids.RECEIPT_TEXT_MAX) | None = Field(
        None, description="Comment id or receipt they all duplicate (not_applicable only)"
    )
    draft: bool = Field(False, description="Save as drafts, to be confirmed")


class AssignmentInput(Input):
    """Give the comments a selection matches to an officer of the lead department."""

    selection: SelectionInput
    officer_id: Id | None = Field(description="The officer; null takes the comments back")


class Updated(Schema):
    updated: Count


class FeedbackInput(Input):
    summary: Text(rules.MAX_SUMMARY, minimum=1) = Field(description="How the draft changed")


class Report(Schema):
    """A version of the feedback report."""

    version: Id
    status: Enum(REPORT_STATUS_VALUES)
    requested_at: Time
    finished_at: Time | None
    sha256: str | None
    pages: Count | None
    correction_note: str | None


ReportPage = page_of(Report)


def report_record(report) -> dict:
    return record_of(Report, report).record()
