"""What the API takes and gives about interpretations and questions; limits from
interpretation.rules (and comments.rules for the asker's name and contact)."""

from __future__ import annotations

from pydantic import Field

from consult.comments.models import HIDE_REASON_VALUES
from consult.comments.schemas import CONTACT
from consult.core.schemas import Count
from consult.core.schemas import Day
from consult.core.schemas import Enum
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Int
from consult.core.schemas import Nested
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import labelled
from consult.core.schemas import note
from consult.interpretation import rules
from consult.interpretation.models import FORM_VALUES
from consult.interpretation.models import KIND_VALUES

STATE_VALUES = ("waiting", "overdue", "answered", "answered_late", "hidden")
STATE = (
    "waiting (within the answering period), overdue (unanswered after it), answered, "
    "answered_late (answered after it), hidden (withheld by moderation)"
)


class InterpretationInput(Nested):
    """A policy interpretation: published with the decision, or as a follow-up."""

    title: Text(rules.MAX_TITLE, minimum=1)
    body: Text(rules.MAX_BODY, minimum=1, description="The interpretation's text")
    forms: list[Enum(FORM_VALUES)] = Field(
        default_factory=list,
        max_length=len(FORM_VALUES),
        description="Forms it takes besides the text (text is always one); illustrated, "
        "video and press_conference need a link",
    )
    link: Text(rules.MAX_URL) | None = Field(
        None,
        description="http(s) link to the graphic, the video or interview, or the press conference",
    )
    department_id: Id | None = Field(
        None, description="The department that interprets (default: the lead department)"
    )


class Interpretation(Schema):
    id: Id = labelled("编号", note("Number of the interpretation on this site"))
    matter_id: Id = labelled("决策事项编号", note("The decision matter it interprets"))
    kind: Enum(KIND_VALUES) = labelled(
        "类型", note("initial (published with the decision) or follow_up")
    )
    title: str = labelled("标题", note("Title"))
    body: str = labelled("解读内容", note("Text of the interpretation"))
    forms: list[Enum(FORM_VALUES)] = labelled(
        "解读形式", note("text, illustrated, video (or interview), press_conference")
    )
    link: str | None = labelled("链接", note("Link to the graphic, video or press conference"))
    department: str = labelled("解读部门", note("Department that interprets"))
    published_on: Day = labelled("发布日期", note("Date published"))
    published_at: Time = labelled("发布时间", note("When it was published"))


class QuestionInput(Input):
    """A resident's question (一号答): no account needed."""

    author_name: Text(rules.NAME_MAX, minimum=1, description="Shown only if show_name")
    show_name: bool = False
    contact: Text(rules.CONTACT_MAX) | None = Field(None, **CONTACT)
    body: Text(
        rules.QUESTION_MAX,
        minimum=rules.QUESTION_MIN,
        description=f"{rules.QUESTION_MIN} to {rules.QUESTION_MAX} characters, leading and "
        "trailing spaces not counted",
    )
    consent: bool = Field(description="Must be true: the asker agrees to publication.")


class QuestionTaken(Schema):
    """The receipt number to follow the question by."""

    receipt: str
    submitted_at: Time


class AnswerInput(Input):
    answer: Text(
        rules.ANSWER_MAX,
        minimum=rules.ANSWER_MIN,
        description=f"{rules.ANSWER_MIN} to {rules.ANSWER_MAX} characters",
    )
    whole_group: bool = Field(
        False, description="Give the same answer to the question's repeats still waiting"
    )


class HideInput(Input):
    reason: Enum(HIDE_REASON_VALUES)
    note: Text(rules.NOTE_MAX) | None = None


class Question(Schema):
    """A published question and its answer. No contact, no IP (rule 6)."""

    id: Id = labelled("编号", note("Number of the question on this site"))
    receipt: str = labelled("回执编号", note("Receipt number of the question"))
    matter_id: Id = labelled("决策事项编号", note("The decision matter asked about"))
    submitted_at: Time = labelled("提问时间", note("When it was asked"))
    author: str | None = labelled("署名", note("Name, only where the asker chose to show it"))
    body: str | None = labelled("问题", note("Text of the question (empty if withheld)"))
    due_on: Day = labelled("答复期限", note("Last day of the answering period (working days)"))
    state: Enum(STATE_VALUES) = labelled("状态", note(STATE))
    answer: str | None = labelled("答复", note("The specialist's answer"))
    answered_at: Time | None = labelled("答复时间", note("When it was answered"))
    answered_by: str | None = labelled("答复人", note("The policy specialist who answered"))
    group: Id | None = labelled("相同问题组", note("Group of questions that repeat each other"))
    group_size: Count | None = labelled("组内问题数", note("Number of questions in that group"))


class QuestionReceipt(Schema):
    """What the holder of a receipt number may see."""

    id: Id
    receipt: str
    matter_id: Id
    matter_title: str
    submitted_at: Time
    due_on: Day
    state: Enum(STATE_VALUES) = Field(description=STATE)
    body: str | None
    hidden_reason: Enum(HIDE_REASON_VALUES) | None
    answer: str | None
    answered_at: Time | None
    answered_by: str | None
    group: Id | None
    group_size: Int(1) | None


class Responsiveness(Schema):
    """How promptly one department answered, in one year."""

    year: int = labelled("年度", note("Calendar year"))
    department: str = labelled("部门", note("Department"))
    questions_received: Count = labelled("收到问题", note("Questions received in the year"))
    questions_answered: Count = labelled("已答复问题", note("Of them, answered"))
    median_days_to_answer: float | None = labelled(
        "答复用时中位数（工作日）", note("Median working days from question to answer")
    )
    questions_overdue: Count = labelled(
        "逾期问题", note("Of them, answered late or still unanswered after the period")
    )
    comments_received: Count = labelled(
        "收到意见", note("Comments on consultations that closed in the year")
    )
    comments_answered: Count = labelled(
        "已反馈意见", note("Of them, answered in published feedback")
    )
    share_with_reasons: float | None = labelled(
        "附理由比例", note("Share of the answered comments whose answer gives a reason")
    )
    median_days_to_feedback: float | None = labelled(
        "反馈用时中位数（天）", note("Median days from a consultation's closing to its feedback")
    )
