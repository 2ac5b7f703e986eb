"""What each story file may say, checked when it is read: unknown keys, wrong types, dates that
do not parse and names that point nowhere are errors that name the file and the entry."""

from __future__ import annotations

import string
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import PlainValidator
from pydantic import model_validator

from consult.accounts.models import ROLE_VALUES
from consult.accounts.models import Role
from consult.catalogue.models import PROCEDURE_VALUES
from consult.catalogue.models import STATUS_VALUES
from consult.comments.models import DISPOSITION_VALUES
from consult.comments.models import HIDE_REASON_VALUES
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import CommentSource
from consult.comments.rules import IMPORT_SOURCES
from consult.consultations.models import ACTIVITY_VALUES
from consult.demo.story.when import When
from consult.demo.story.when import check_years
from consult.demo.story.when import hhmm
from consult.demo.story.when import parse
from consult.meetings.models import KIND_VALUES
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import REP_STATUS_VALUES


def _one_of(values: tuple[str, ...]) -> Any:
    def check(value: str) -> str:
        if value not in values:
            raise ValueError(f"{value!r} is not one of {', '.join(values)}")
        return value

    return Annotated[str, AfterValidator(check)]


def _time(value: str) -> str:
    hhmm(value)
    return value


def _announcement(text: str) -> str:
    check_years(text.replace("{date}", ""))
    return text


Day = Annotated[When, PlainValidator(lambda value: parse(value, moment=False))]
Moment = Annotated[When, PlainValidator(lambda value: parse(value, moment=True))]
HHMM = Annotated[str, AfterValidator(_time)]
Text = Annotated[str, AfterValidator(check_years)]  # may name years: {Y}, {Y+1}, {Y-1}
Procedure = _one_of(PROCEDURE_VALUES)
CategoryName = _one_of(CATEGORY_VALUES)
RoleName = _one_of(ROLE_VALUES)
StatusName = _one_of(STATUS_VALUES)
ActivityName = _one_of(ACTIVITY_VALUES)
HideReasonName = _one_of(HIDE_REASON_VALUES)
SourceName = _one_of(tuple(s for s in SOURCE_VALUES if s != CommentSource.MEETING))
ImportSourceName = _one_of(IMPORT_SOURCES)
MeetingKindName = _one_of(KIND_VALUES)
RepresentativeStatusName = _one_of(REP_STATUS_VALUES)
DispositionName = _one_of(DISPOSITION_VALUES)


class Entry(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, arbitrary_types_allowed=True
    )


# --- accounts.toml -------------------------------------------------------------------------


class Department(Entry):
    name: str
    short_name: str


class Account(Entry):
    key: str
    email: str
    display_name: str
    role: RoleName
    department: str | None = None
    department_head: bool = False  # heads the department: shares the answering out

    @model_validator(mode="after")
    def _head_is_an_officer(self) -> Account:
        if self.department_head and self.role != Role.OFFICER:
            raise ValueError("only an officer heads a department (department_head)")
        return self


class Accounts(Entry):
    made: Moment
    departments: list[Department] = Field(min_length=1)
    users: list[Account] = Field(min_length=1)

    @model_validator(mode="after")
    def _the_office_first(self) -> Accounts:
        first = self.users[0]
        if first.role != Role.ADMIN or first.department != self.departments[0].short_name:
            raise ValueError(
                "the first user is the administrator of the first department (the government "
                "office): the system makes both before anyone else"
            )
        return self


# --- catalogue.toml ------------------------------------------------------------------------


class Hours(Entry):
    """The time of day the story's catalogue steps happen on the day it names."""

    listed: HHMM
    published: HHMM
    adjusted: HHMM
    consulting: HHMM
    procedure: HHMM
    deliberating: HHMM
    decided: HHMM
    withdrawn: HHMM


class Dated(Entry):
    on: Day
    reason: Text


class Adjustment(Entry):
    """One change to a published matter, by the government office or the department's own
    officer, with its public reason."""

    by: Literal["admin", "officer"]
    reason: Text
    planned_time: Text | None = None
    hearing: bool | None = None
    department: str | None = None  # short name of the new department
    postpone: Text | None = None  # the planned time in the next year's catalogue

    @model_validator(mode="after")
    def _one_change(self) -> Adjustment:
        changes = [self.planned_time, self.hearing, self.department, self.postpone]
        if sum(change is not None for change in changes) != 1:
            raise ValueError(
                "an adjustment changes one of planned_time, hearing, department, postpone"
            )
        return self


class MatterAdjustment(Adjustment):
    on: Day


class Matter(Entry):
    title: Text
    department: str
    planned: Text
    hearing: bool
    summary: Text
    procedures: list[Procedure] = Field(min_length=1)
    consultation: str | None = None  # its key in consultations.toml: the matter reaches
    # "consulting" when that consultation opens, not by a status change
    listed: Day | None = None  # entered in the draft catalogue (before publication)
    added: Dated | None = None  # or: added after publication, with the reason
    consulting: Day | None = None
    deliberating: Day | None = None
    decided: Day | None = None
    withdrawn: Dated | None = None
    adjustments: list[MatterAdjustment] = []

    @model_validator(mode="after")
    def _listed_or_added(self) -> Matter:
        if (self.listed is None) == (self.added is None):
            raise ValueError("a matter is either listed (before publication) or added (after)")
        if self.decided and not self.deliberating:
            raise ValueError("a decision needs deliberation first")
        if self.consulting and self.consultation:
            raise ValueError("a matter with a consultation reaches 'consulting' when it opens")
        return self


class Year(Entry):
    year: int  # counted from this year: -1 last year, 0 this year, 1 next year
    published: Day | None = None  # None: a draft catalogue
    matters: list[Matter]


class Catalogue(Entry):
    decision_document: str  # the address of a decision's document; str.format fields:
    # day (the decision date), year, number (the matter's)
    hours: Hours
    years: list[Year]


# --- consultations.toml --------------------------------------------------------------------


class At(Entry):
    """A moment in a consultation: days after its opening day, and the time of day."""

    day: int
    at: HHMM


class Extension(At):
    closes: At
    announcement: Annotated[str, AfterValidator(_announcement)]  # {date}: the new closing day


class Gathering(At):
    """A symposium, hearing or field visit held for the consultation (`day` and `at`), and
    when the officer recorded it."""

    key: str
    kind: ActivityName
    place: str
    participants: int
    recorded: At
    minutes: Text


class CrowdDraw(Entry):
    days: int  # the comments of the consultation's first `days` days (crowd.toml)
    seed: int


class Followup(At):
    """The matter's next step, by the department unless an adjustment says otherwise."""

    adjust: Adjustment | None = None
    procedure: Procedure | None = None  # done on that day
    status: StatusName | None = None

    @model_validator(mode="after")
    def _one_step(self) -> Followup:
        if sum(x is not None for x in (self.adjust, self.procedure, self.status)) != 1:
            raise ValueError("a follow-up is one of adjust, procedure, status")
        return self


class Consultation(Entry):
    key: str
    title: Text
    opens: Moment
    created: At  # the officer prepares it before it opens
    closes: At
    contact: str
    crowd: CrowdDraw | None = None
    draft: Text
    explanation: Text
    extension: Extension | None = None
    gatherings: list[Gathering] = []
    followups: list[Followup] = []


class Consultations(Entry):
    consultations: list[Consultation]


# --- comments.toml -------------------------------------------------------------------------


class Hidden(At):
    reason: HideReasonName
    note: str


class Comment(At):
    """One comment: online, or gathered offline and entered by the officer."""

    name: str
    body: Text | None = None
    campaign: str | None = None  # or: a campaign's text (`campaigns`), between
    before: str = ""  # a line of one's own
    after: str = ""  # and a closing
    clause: int | None = None
    show: bool = True  # the author agreed to show their name
    contact: str | None = None  # private
    source: SourceName = "online"
    activity: str | None = None  # key of the consultation's gathering it came from
    entered: At | None = None  # offline: when the officer entered it
    hidden: Hidden | None = None
    account: str | None = None  # submitted while signed in with this demo account

    @model_validator(mode="after")
    def _consistent(self) -> Comment:
        if (self.body is None) == (self.campaign is None):
            raise ValueError("a comment has a body or a campaign")
        if self.body is not None and (self.before or self.after):
            raise ValueError("before and after go with a campaign")
        if (self.source == "online") != (self.entered is None):
            raise ValueError("an offline comment needs `entered` (and an online one has none)")
        if self.activity is not None and self.source not in ACTIVITY_VALUES:
            raise ValueError("only a symposium, hearing or field visit has an activity")
        return self


def _placeholders(allowed: set[str]) -> Any:
    def check(text: str) -> str:
        fields = {name for _t, name, _s, _c in string.Formatter().parse(text) if name is not None}
        if not fields <= allowed:
            raise ValueError(f"{text!r}: name only {sorted(allowed)} in braces")
        return text

    return Annotated[str, AfterValidator(check)]


RowWords = _placeholders({"e"})  # {e}: one of the estates
CellWords = _placeholders({"m", "d"})


class BrokenCell(Entry):
    """A cell of an uploaded file typed wrong: the row refuses, and so does the file."""

    row: int = Field(ge=2)  # as a spreadsheet numbers it: the header is row 1
    column: Literal["submitted_at", "body", "clause", "author_name"]
    value: CellWords  # {m}, {d}: the month and day the row was received


class Upload(At):
    """A file of comments staff upload in the browser (day and at: counted from the
    consultation's opening day), checked, then imported on the go-ahead; one with `broken`
    cells is refused with a problem for each, and nothing is imported."""

    consultation: str
    by: str  # the demo account
    filename: str  # {m}: the month most of its rows were received in
    source: ImportSourceName  # every row's (the export's 渠道 column)
    rows: int = Field(ge=1, le=1000)
    seed: int
    first_day: int = Field(ge=0)  # the rows were received from this day of the window
    broken: list[BrokenCell] = []
    confirmed: At | None = None  # the go-ahead (a refused file has none)

    @model_validator(mode="after")
    def _consistent(self) -> Upload:
        if not self.filename.endswith((".xlsx", ".csv")):
            raise ValueError("an uploaded file is an .xlsx or a .csv")
        if self.first_day >= self.day:
            raise ValueError("the rows were received before the file was uploaded (first_day)")
        if self.broken and self.confirmed is not None:
            raise ValueError("a file with broken cells is refused: it has no go-ahead")
        if not self.broken and self.confirmed is None:
            raise ValueError("a file without problems is imported: give its go-ahead")
        if self.confirmed is not None and (self.confirmed.day, self.confirmed.at) < (
            self.day,
            self.at,
        ):
            raise ValueError("the go-ahead comes after the upload")
        for cell in self.broken:
            if cell.row > self.rows + 1:
                raise ValueError(f"row {cell.row}: the file has {self.rows} rows after its header")
        if len({cell.row for cell in self.broken}) != len(self.broken):
            raise ValueError("one broken cell a row")
        return self


class RowTopic(Entry):
    """What callers and writers say about one clause (0: the draft as a whole): what they
    report and what they ask for, drawn in pairs."""

    clause: int = Field(ge=0)
    weight: int = Field(default=1, ge=1)
    reports: list[RowWords] = Field(min_length=1)
    asks: list[RowWords] = Field(min_length=1)


class RowWordsOf(Entry):
    """The words the rows of an uploaded file are drawn from (consult/demo/uploads.py)."""

    surnames: str = Field(min_length=1)
    titles: list[str] = Field(min_length=1)  # 先生, 女士: the hotline writes no full names
    estates: list[str] = Field(min_length=1)
    openings: dict[ImportSourceName, list[RowWords]]  # how an entry of each source starts
    ask: dict[ImportSourceName, str]  # between the report and the ask: "诉求："
    details: list[RowWords] = [""]  # what the person adds, before the ask
    also: str = ""  # before a second ask (half the rows have one)
    topics: list[RowTopic] = Field(min_length=1)
    extra_columns: list[str] = []  # columns of the export the import does not read
    handled_by: str = ""  # the extra columns' 承办单位


class Uploads(Entry):
    words: RowWordsOf
    files: list[Upload] = []


class Comments(Entry):
    campaigns: dict[str, str] = {}
    uploads: Uploads | None = None
    by_consultation: dict[str, list[Comment]]

    def body(self, comment: Comment) -> str:
        if comment.body is not None:
            return comment.body
        return comment.before + self.campaigns[comment.campaign] + comment.after


# --- meetings.toml -------------------------------------------------------------------------


class Drawn(Entry):
    """The `nth` representative the meeting's draw picked in `drawn` (a category)."""

    drawn: CategoryName
    nth: int = Field(default=1, ge=1)


Who = str | Drawn  # a representative's name, or the one a draw picked


class AgendaItem(Entry):
    title: Text
    matter: str | None = None  # the start of a matter's title
    matter_year: int = 0  # its catalogue, counted from this year


class Draw(Entry):
    seed: Text
    quotas: dict[CategoryName, int]


class Reply(Entry):
    at: Moment
    who: Who  # "*": everyone whose invitation is still pending
    accept: bool
    reason: str | None = None


class Arrival(Entry):
    at: Moment
    who: Who


class MeetingRemark(Entry):
    who: Who
    item: int | None = None  # agenda position from 1; None: the meeting as a whole
    text: Text


class OutcomeItem(Entry):
    decision: Text
    interpretation: Text | None = None


class Outcome(Entry):
    published: Moment
    summary: Text
    items: list[OutcomeItem]  # one per agenda item


class Meeting(Entry):
    key: str
    kind: MeetingKindName
    title: Text
    place: str
    department: str | None = None  # short name of the organising department; None: the
    # district government
    organiser: str  # the demo account that schedules and runs it
    created: Moment
    starts: Moment
    ends: Moment
    deadline: Moment
    seats: int
    agenda: list[AgendaItem] = Field(min_length=1)
    invited: list[str] = []  # by hand, right after scheduling
    draw: Draw | None = None  # after the invitations
    replies: list[Reply] = []
    no_shows: list[Who] = []
    arrivals: list[Arrival] = []  # a meeting under way: who has checked in so far
    remarks: list[MeetingRemark] = []
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Meeting:
        if self.outcome and len(self.outcome.items) != len(self.agenda):
            raise ValueError("the outcome has one item per agenda item")
        for remark in self.remarks:
            if remark.item is not None and not 1 <= remark.item <= len(self.agenda):
                raise ValueError(f"a remark on agenda item {remark.item}, which is not there")
        return self


class Meetings(Entry):
    meetings: list[Meeting]


# --- representatives.toml ------------------------------------------------------------------


class Person(Entry):
    """One member of the pool. `phone` and `email` are private (rule 6)."""

    name: str
    category: CategoryName
    affiliation: str
    interests: str
    phone: str
    email: str | None = None
    account: str | None = None  # the demo account linked to this representative
    term_ends: Day | None = None  # a shorter term


class StatusChange(Entry):
    on: Moment
    name: str
    status: RepresentativeStatusName
    reason: str


class Conflict(Entry):
    recorded: Moment
    name: str
    matter: str  # the start of a title in this year's catalogue
    note: str


class Rejection(Entry):
    on: Moment
    reason: str


class Application(Entry):
    submitted: Moment
    account: str | None = None  # signed in; else made on the public form, with name and email
    name: str | None = None
    email: str | None = None
    category: CategoryName
    affiliation: str
    interests: str
    statement: str
    phone: str
    rejected: Rejection | None = None

    @model_validator(mode="after")
    def _who(self) -> Application:
        if (self.account is None) != (self.name is not None and self.email is not None):
            raise ValueError("an application has an account, or else a name and an email")
        return self

    def data(self) -> dict[str, Any]:
        return self.model_dump(exclude={"submitted", "account", "rejected"}, exclude_none=True)


class Term(Entry):
    start: Day
    end: Day


class Pool(Entry):
    built: Moment
    term: Term
    people: list[Person]
    status_changes: list[StatusChange] = []
    conflicts: list[Conflict] = []
    applications: list[Application] = []


# --- feedback.toml -------------------------------------------------------------------------


class Answer(Entry):
    disposition: DispositionName
    reason: str | None = None


class Drafts(Entry):
    consultation: str
    by: str  # the demo account
    answers: list[Answer]
    draft: bool = False  # 拟办: saved as drafts, waiting for confirmation


class Selection(Entry):
    """Which comments of a consultation a step takes (the workspace's filters): `group` names
    a campaign (its key in comments.toml, or its name in crowd.toml), whose duplicate group it
    is; `assignee` a demo account, or "nobody"."""

    group: str | None = None
    clause: int | None = Field(default=None, ge=0)
    source: SourceName | None = None
    state: Literal["unanswered", "drafted", "answered"] | None = None
    assignee: str | None = None
    q: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _not_everything(self) -> Selection:
        if not self.model_fields_set:
            raise ValueError("a selection names at least one filter")
        return self


class Step(At):
    """A step in answering a consultation's comments (day and at: counted from its opening
    day), by a demo account."""

    consultation: str
    by: str
    selection: Selection


class Assignment(Step):
    to: str  # the officer; "nobody" takes them back


class SetAnswer(Step):
    """One answer for every comment a selection matches (answer_selection)."""

    disposition: DispositionName
    reason: str | None = None
    draft: bool = False  # 拟办: to be confirmed


class Feedback(Entry):
    hidden_reason: str
    published_summary: str
    published: list[str]
    partly_answered: list[str]
    answers: list[Answer] = Field(min_length=1)
    drafts: list[Drafts] = []
    # The answering of open consultations, shared out and under way.
    assignments: list[Assignment] = []
    set_answers: list[SetAnswer] = []
    confirmations: list[Step] = []  # drafted answers a selection matches, confirmed


# --- crowd.toml ----------------------------------------------------------------------------


Share = Annotated[float, Field(ge=0, le=1)]


def _words(text: str) -> str:
    fields = {
        name for _text, name, _spec, _conv in string.Formatter().parse(text) if name is not None
    }
    if not fields <= {"e", "n"}:
        raise ValueError(f"{text!r}: a crowd's text names {{e}} (an estate) or {{n}} (a number)")
    return text


Words = Annotated[str, AfterValidator(_words)]  # may name {e} (an estate) and {n} (a number)


class Campaign(Entry):
    name: str
    count: int
    personal: Share  # the share that open with a line of their own
    shown: Share  # the share that show the writer's name
    clause: int
    text: str
    openings: list[Words] = Field(min_length=1)


class Topic(Entry):
    article: str
    clause: int
    topic: str
    remarks: list[Words] = Field(min_length=1)


class Own(Entry):
    count: int
    shown: Share
    articles: list[int] = Field(min_length=1)  # how many articles a comment remarks on
    selves: list[Words] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)


class Hotline(Entry):
    calls: int  # in each of the two imports
    at: HHMM
    clause: int
    titles: list[str] = Field(min_length=1)
    text: str
    openings: list[Words] = Field(min_length=1)


class Crowd(Entry):
    surnames: str = Field(min_length=1)
    given_names: list[str] = Field(min_length=1)
    estates: list[str] = Field(min_length=1)
    closings: list[str] = Field(min_length=1)
    campaigns: list[Campaign]
    own: Own
    hotline: Hotline


# --- interpretations.toml ------------------------------------------------------------------

FormName = _one_of(("text", "illustrated", "video", "press_conference"))


class Explained(Entry):
    title: Text
    body: Text
    forms: list[FormName] = []
    link: str | None = None


class FollowUpInterpretation(Explained):
    on: Moment


class AskedQuestion(Entry):
    """A resident's question on a featured matter and what became of it."""

    at: Moment
    author: Text
    show_name: bool = True
    contact: str | None = None
    body: Text
    answer: Text | None = None
    answered: Moment | None = None
    whole_group: bool = False  # the answer goes to its repeats still waiting too
    hidden: HideReasonName | None = None  # withheld by the department's officer, an hour later

    @model_validator(mode="after")
    def _answered_when(self) -> AskedQuestion:
        if (self.answer is None) != (self.answered is None):
            raise ValueError("an answer comes with the moment it was given")
        return self


class Featured(Entry):
    """A decided matter told in full: its interpretation, follow-ups, who answers, questions."""

    matter: Text  # the start of its title in catalogue.toml
    year: int  # its catalogue year, counted from this year
    specialist: str  # the key of the officer (accounts.toml) named its department's specialist
    remit: Text
    interpretation: Explained
    follow_ups: list[FollowUpInterpretation] = []
    questions: list[AskedQuestion] = []


class Interpretations(Entry):
    # Every other decided matter's interpretation, from its catalogue entry (str.format
    # fields: title, summary, department).
    default_title: str
    default_body: str
    featured: list[Featured]
