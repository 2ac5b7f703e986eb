"""What the API takes and gives about comments; limits from comments.rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from consult.comments import rules
from consult.comments.models import DISPOSITION_VALUES
from consult.comments.models import HIDE_REASON_VALUES
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import STATUS_VALUES
from consult.core.schemas import Count
from consult.core.schemas import Enum
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Int
from consult.core.schemas import Moment
from consult.core.schemas import PageQuery
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import labelled
from consult.core.schemas import note
from consult.core.schemas import page_of

ClauseNumber = Annotated[Id | None, Field(description="Clause number, or null for the whole draft")]
Contact = Text(rules.CONTACT_MAX)
CONTACT = dict(
    description="Private: a phone number (at least five digits) or an email address, for the "
    "department only. Never published, never returned by the API.",
    json_schema_extra={"writeOnly": True},
)


class CommentInput(Input):
    """A resident's comment."""

    author_name: Text(rules.NAME_MAX, minimum=1, description="Shown only if show_name")
    show_name: bool = False
    contact: Contact | None = Field(None, **CONTACT)
    body: Text(
        rules.BODY_MAX,
        minimum=rules.BODY_MIN,
        description=f"{rules.BODY_MIN} to {rules.BODY_MAX} characters, leading and trailing "
        "spaces not counted",
    )
    clause: ClauseNumber = None
    consent: bool = Field(description="Must be true: the author agrees to the rules of comment.")


class OfflineCommentInput(Input):
    """A comment received offline, entered by staff."""

    source: Enum(rules.OFFLINE_SOURCES)
    activity_id: Id | None = Field(
        None, description="The symposium, hearing or field visit it came from"
    )
    received_at: Moment | None = Field(
        None, description="When it arrived (default: now); within the comment window"
    )
    clause: ClauseNumber = None
    author_name: Text(rules.NAME_MAX, minimum=1)
    show_name: bool = False
    contact: Contact | None = Field(None, **CONTACT)
    body: Text(rules.BODY_MAX, minimum=rules.BODY_MIN)


class HideInput(Input):
    reason: Enum(HIDE_REASON_VALUES)
    note: Text(rules.NOTE_MAX) | None = None


class CommentQuery(PageQuery):
    group: Id | None = Field(
        None,
        description="Only the published members of this duplicate group (its "
        "`duplicate_group`); `total` is then the group's size",
    )


class CommentReceipt(Schema):
    """The receipt number."""

    receipt: str
    submitted_at: Time


class Comment(Schema):
    """A published comment. No contact, no IP, no account (rule 6)."""

    receipt: str
    submitted_at: Time
    source: Enum(SOURCE_VALUES)
    clause: Id | None
    author: str | None = Field(description="Only if the author chose so")
    body: str
    duplicate_group: Id | None
    duplicate_count: Count | None = Field(
        description="How many comments the group holds, this one included"
    )


CommentPage = page_of(Comment)


class CommentRecord(Schema):
    """A comment in the open-data download: the published ones and, once the feedback is
    published, every one with its answer (a withheld one without its text or name)."""

    receipt: str = labelled("回执编号", note("Receipt number of the comment"))
    consultation_id: Id = labelled("征求意见编号", note("The consultation"))
    submitted_at: Time = labelled("提交时间", note("When it was submitted or received"))
    source: Enum(SOURCE_VALUES) = labelled("渠道")
    clause: Id | None = labelled(
        "条款", note("Number of the clause it addresses (empty: the whole draft)")
    )
    author: str | None = labelled("署名", note("Name, only where the author chose to show it"))
    body: str | None = labelled("意见内容", note("Text of the comment (empty if withheld)"))
    status: Enum(STATUS_VALUES) = labelled(
        "状态", note("published, hidden (withheld by moderation) or received")
    )
    hidden_reason: Enum(HIDE_REASON_VALUES) | None = labelled("屏蔽理由")
    duplicate_group: Id | None = labelled(
        "相同意见组", note("Group of identical or near-identical comments")
    )
    duplicate_count: Count | None = labelled("组内意见数", note("Number of comments in that group"))
    disposition: Enum(DISPOSITION_VALUES) | None = labelled("采纳情况")
    disposition_reason: str | None = labelled("理由", note("The department's reason"))


class Receipt(Schema):
    """What the holder of a receipt number may see. The disposition is null until the
    department publishes its feedback."""

    receipt: str
    consultation_id: Id
    consultation_title: str
    submitted_at: Time
    source: Enum(SOURCE_VALUES)
    clause: Id | None
    status: Enum(STATUS_VALUES)
    hidden_reason: Enum(HIDE_REASON_VALUES) | None
    duplicate_group: Id | None
    duplicate_count: Int(1) | None
    disposition: Enum(DISPOSITION_VALUES) | None
    disposition_reason: str | None
