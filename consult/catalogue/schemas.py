"""What the API takes and gives about the decision catalogue; limits from catalogue.rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from consult.catalogue import rules
from consult.catalogue.models import PROCEDURE_VALUES
from consult.catalogue.models import STATUS_VALUES
from consult.core.schemas import Day
from consult.core.schemas import Enum
from consult.core.schemas import Free
from consult.core.schemas import Id
from consult.core.schemas import Input
from consult.core.schemas import Int
from consult.core.schemas import PageQuery
from consult.core.schemas import Schema
from consult.core.schemas import Text
from consult.core.schemas import Time
from consult.core.schemas import labelled
from consult.core.schemas import note
from consult.core.schemas import page_of
from consult.interpretation.schemas import Interpretation
from consult.interpretation.schemas import InterpretationInput

COMPLETION_VALUES = (
    rules.Completion.IN_PROGRESS,
    rules.Completion.OVERDUE,
    rules.Completion.DECIDED_ON_TIME,
    rules.Completion.DECIDED_LATE,
    rules.Completion.WITHDRAWN,
)
Year = Int(rules.YEAR_MIN, rules.YEAR_MAX, description="Catalogue year")
PlannedTime = Text(
    rules.MAX_PLANNED_TIME,
    minimum=1,
    description="A month or a quarter of the catalogue year: 2026-07, 2026-Q3 (also 2026年7月, "
    "2026年第三季度)",
    examples=["2026-07", "2026-Q3"],
)
Procedures = Annotated[
    dict[Enum(PROCEDURE_VALUES), bool] | list[Enum(PROCEDURE_VALUES)],
    Field(
        description="Statutory procedures required: {kind: true/false}, or the list of the "
        "kinds required; kinds left out are not required."
    ),
]
Reason = Text(
    rules.MAX_REASON,
    description="Required once the catalogue is published: the change is a public adjustment.",
)


class DecisionInput(Input):
    """A matter to add to a year's catalogue."""

    year: Year
    title: Text(rules.MAX_TITLE, minimum=1)
    summary: Text(rules.MAX_SUMMARY) | None = None
    department_id: Id | None = Field(None, description="Lead department")
    lead_department_id: Id | None = Field(None, description="Same as department_id")
    planned_time: PlannedTime
    hearing: bool = False
    procedures: Procedures | None = None
    reason: Reason | None = None


class DecisionPatch(Input):
    """Either catalogue fields (an adjustment, with a reason once published) or a status change
    in a request of its own."""

    title: Text(rules.MAX_TITLE, minimum=1) | None = None
    summary: Text(rules.MAX_SUMMARY) | None = None
    department_id: Id | None = None
    lead_department_id: Id | None = None
    planned_time: PlannedTime | None = None
    hearing: bool | None = None
    procedures: Procedures | None = None
    reason: Reason | None = None
    status: Enum(STATUS_VALUES) | None = None
    decision_date: Day | None = Field(None, description="With status decided")
    decision_document_url: Text(rules.MAX_URL) | None = Field(
        None, description="With status decided: http(s) link to the published decision"
    )
    interpretation: InterpretationInput | None = Field(
        None,
        description="With status decided (required): the policy interpretation published "
        "together with the decision",
    )


class Postponement(Input):
    """Move the matter into the next year's catalogue: its planned time there and why."""

    planned_time: PlannedTime
    reason: Reason


class DecisionQuery(PageQuery):
    year: (
        Int(
            rules.YEAR_MIN,
            rules.YEAR_MAX,
            description="Catalogue year; every published year if left out",
        )
        | None
    ) = None
    department: Id | None = Field(None, description="Lead department id")
    status: Enum(STATUS_VALUES) | None = Field(None, description="Decision status")
    hearing: bool | None = Field(None, description="Whether a hearing is held")
    q: Text(rules.MAX_QUERY) | None = Field(
        None,
        description="Text to find in title or summary, in every catalogue year unless `year` "
        "is given. Chinese is matched by pairs of characters (停车位 finds 停车设施 through "
        "停车), Latin letters and digits as whole words, case-insensitively; Traditional "
        "characters (停車) find the Simplified text. Matches come best first: more of the "
        "query's pairs, in the title rather than the summary, then the newest year. Up to "
        f"{rules.MAX_TERMS} distinct pairs and words count; only punctuation finds nothing.",
    )


class Department(Schema):
    id: Id
    name: str
    short_name: str


class Procedure(Schema):
    kind: Enum(PROCEDURE_VALUES)
    required: bool
    done_on: date | None


class Decision(Schema):
    """A matter of the published decision catalogue."""

    id: Id = labelled("编号", note("Number of the matter on this site"))
    code: str = labelled("事项编号", note("Catalogue number, year and position (2026-03)"))
    year: int = labelled("年度", note("Catalogue year"))
    title: str = labelled("决策事项", note("Title of the matter"))
    summary: str = labelled("摘要", note("Summary"))
    lead_department: Department = labelled("承办部门", note("Lead department"))
    planned_time: str = labelled(
        "计划决策时间", note("Planned time: a month (2026-07) or quarter (2026-Q3)")
    )
    planned_precision: Enum(("month", "quarter"))
    hearing: bool = labelled("是否听证", note("Whether a hearing is held (true/false)"))
    status: Enum(STATUS_VALUES) = labelled("状态")
    completion: Enum(COMPLETION_VALUES) = labelled("完成情况")
    decision_date: date | None = labelled("决策日期", note("Date of the decision"))
    decision_document_url: str | None = labelled("决策文件", note("Link to the decision document"))
    withdrawal_reason: str | None = labelled("撤回理由", note("Why the matter was withdrawn"))
    procedures: list[Procedure] = labelled(
        "法定程序", note("Statutory procedures required, and when each was done")
    )
    updated_at: Time = labelled("更新时间", note("Last change"))


DecisionPage = page_of(Decision)


class Adjustment(Schema):
    id: Id
    kind: Enum(rules.ADJUSTMENT_KINDS)
    made_at: Time
    actor: str | None
    changes: list[Free(description="One changed field: its old and new value.")]
    reason: str | None


class TimelineEntry(Schema):
    at: Time
    action: str
    details: Free(description="What happened; depends on the action.")


class DecisionDetail(Decision):
    """A matter with its adjustments and its public history, from its listing on."""

    adjustments: list[Adjustment]
    interpretations: list[Interpretation] = Field(
        description="The policy interpretation published with the decision, then the follow-ups"
    )
    timeline: list[TimelineEntry]
