"""What the API takes and gives about feedback; limits from feedback.rules."""

from __future__ import annotations

from pydantic import Field

from consult.comments.models import DISPOSITION_VALUES
from consult.core import ids
from consult.core.schemas import Count, Enum, Id, Input, Schema, Text, Time, page_of
from consult.feedback import rules
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
    return Report(
        version=report.version,
        status=report.status,
        requested_at=report.requested_at,
        finished_at=report.finished_at,
        sha256=report.sha256,
        pages=report.pages,
        correction_note=report.correction_note,
    ).record()
