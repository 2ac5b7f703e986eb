"""Open data: the /open-data page and bulk downloads of every public dataset, CSV and JSON.

Each record is built by the domain's own `public_*` function, so a download shows exactly
what the API and the pages show, and the queries name their columns so that contact
details, IP addresses, phone numbers and emails are never even read (rule 6).

Downloads stream: rows are read in keyset-paginated batches of `BATCH`, each in an
application context of its own that is closed before the batch is sent, so memory stays
flat however large the table and no database connection is held while the client reads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import load_only, selectinload

from consult.catalogue import services as catalogue_services
from consult.catalogue.models import DecisionMatter
from consult.comments import services as comment_services
from consult.comments.models import Comment, CommentStatus, CommentTally
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation
from consult.core import http
from consult.core.forms import db_int
from consult.core.time import local_zone, now_utc
from consult.extensions import db
from consult.meetings import services as meeting_services
from consult.meetings.models import Invitation, Meeting
from consult.representatives.models import Representative
from consult.site import freshness

bp = Blueprint("opendata", __name__)

BATCH = 500
FORMATS = ("csv", "json")
LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "东湖区人民政府 Donghu District People's Government",
}
Key = tuple | None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any
    description: Any
    frequency: Any
    # (JSON field, Chinese column label, meaning); CSV columns are the fields listed here.
    # A meaning that is only the list of code values ("a | b | c") is not translated.
    fields: tuple[tuple[str, str, Any], ...]
    count: Callable[[], int]
    last_modified: Callable[[], datetime | None]
    # fetch(after, limit, now) -> (records, key of the last record)
    fetch: Callable[[Key, int, datetime], tuple[list[dict[str, Any]], Key]]
    # A record as spreadsheet cells (nested values flattened); the JSON keeps the record.
    cells: Callable[[dict[str, Any]], dict[str, Any]] = dict


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


# --- catalogue -------------------------------------------------------------------------------


def _catalogue_query():
    return catalogue_services.search_matters().options(selectinload(DecisionMatter.procedures))


def _fetch_catalogue(after: Key, limit: int, now: datetime):
    stmt = _catalogue_query()
    if after is not None:
        year, number = after
        stmt = stmt.where(
            sa.or_(
                DecisionMatter.year < year,
                sa.and_(DecisionMatter.year == year, DecisionMatter.number > number),
            )
        )
    matters = list(db.session.scalars(stmt.limit(limit)))
    today = now.astimezone(local_zone(current_app.config["TIMEZONE"])).date()
    records = [catalogue_services.public_record(m, today=today) for m in matters]
    return records, ((matters[-1].year, matters[-1].number) if matters else None)


def _catalogue_cells(rec: dict[str, Any]) -> dict[str, Any]:
    procedures = "\n".join(
        f"{p['kind']}: {p['done_on'] or '-'}" for p in rec["procedures"] if p["required"]
    )
    return {**rec, "lead_department": rec["lead_department"]["name"], "procedures": procedures}


# --- consultations ---------------------------------------------------------------------------


def _fetch_consultations(after: Key, limit: int, now: datetime):
    stmt = (
        sa.select(Consultation)
        .options(
            selectinload(Consultation.clauses),
            selectinload(Consultation.documents),
            selectinload(Consultation.window_changes),
            selectinload(Consultation.activities),
        )
        .order_by(Consultation.id)
    )
    if after is not None:
        stmt = stmt.where(Consultation.id > after[0])
    items = list(db.session.scalars(stmt.limit(limit)))
    counts = comment_services.count_comments([c.id for c in items])
    records = []
    for c in items:
        rec = consultation_services.public_record(c, now, counts.get(c.id, 0))
        # A bulk file is a snapshot of the data, not of the clock: no countdown in it.
        rec.pop("time_left", None)
        published = c.feedback_published_at
        rec["feedback_published_at"] = published.isoformat() if published else None
        rec["feedback_summary"] = c.feedback_summary if published else None
        records.append(rec)
    return records, ((items[-1].id,) if items else None)


# --- comments --------------------------------------------------------------------------------

# The columns read; contact and submitter_ip are not among them, and raiseload makes any
# attempt to touch an unread column fail loudly instead of quietly querying it.
_COMMENT_COLUMNS = (
    Comment.id,
    Comment.consultation_id,
    Comment.clause_id,
    Comment.receipt,
    Comment.source,
    Comment.author_name,
    Comment.show_name,
    Comment.body,
    Comment.submitted_at,
    Comment.status,
    Comment.hidden_reason,
    Comment.duplicate_group_id,
    Comment.disposition,
    Comment.disposition_reason,
)


def _public_comments(stmt):
    # Before the feedback, the published comments (as on the page); after it, every comment
    # with its answer, a withheld one without its text or name.
    return stmt.join(Consultation, Comment.consultation_id == Consultation.id).where(
        sa.or_(
            Comment.status == CommentStatus.PUBLISHED.value,
            Consultation.feedback_published_at.is_not(None),
        )
    )


def _comments_query():
    return (
        _public_comments(sa.select(Comment, Consultation.feedback_published_at))
        .options(load_only(*_COMMENT_COLUMNS, raiseload=True))
        .order_by(Comment.consultation_id, Comment.id)
    )


def _public_comment_count(consultation_id: int | None = None) -> int:
    """How many comments the download lists, from the stored counts: the published ones, and
    every one once the feedback is published."""
    stmt = sa.select(
        sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (Consultation.feedback_published_at.is_not(None), CommentTally.comments),
                    else_=CommentTally.published,
                )
            ),
            0,
        )
    ).join(Consultation, Consultation.id == CommentTally.consultation_id)
    if consultation_id is not None:
        stmt = stmt.where(CommentTally.consultation_id == consultation_id)
    return int(db.session.scalar(stmt) or 0)


def _comment_record(comment: Comment, feedback_published: bool, size: int | None) -> dict:
    public = comment_services.public_comment_record(comment, size)
    hidden = comment.is_hidden
    return {
        "receipt": public["receipt"],
        "consultation_id": comment.consultation_id,
        "submitted_at": public["submitted_at"],
        "source": public["source"],
        "clause": public["clause"],
        "author": None if hidden else public["author"],
        "body": None if hidden else public["body"],
        "status": comment.status,
        "hidden_reason": comment.hidden_reason if hidden else None,
        "duplicate_group": public["duplicate_group"],
        "duplicate_count": public["duplicate_count"],
        # Answers become public together, when the department publishes its feedback.
        "disposition": comment.disposition if feedback_published else None,
        "disposition_reason": comment.disposition_reason if feedback_published else None,
    }


def _fetch_comments(after: Key, limit: int, now: datetime, consultation_id: int | None = None):
    # Each batch reads ranges of ix_comment_consultation: the rest of the consultation it
    # stopped in, then the next ones (a single keyset condition with an OR, or a row-value
    # comparison, made SQLite read that consultation from its first comment every batch).
    rows = []
    if after is not None:
        rows = _comment_rows(
            Comment.consultation_id == after[0], Comment.id > after[1], limit=limit
        )
    if len(rows) < limit and (consultation_id is None or after is None):
        following = (
            Comment.consultation_id == consultation_id
            if consultation_id is not None
            else Comment.consultation_id > (after[0] if after is not None else -1)
        )
        rows += _comment_rows(following, limit=limit - len(rows))
    sizes = comment_services.group_sizes(c for c, _ in rows)
    records = [
        _comment_record(c, published is not None, sizes.get(c.duplicate_group_id))
        for c, published in rows
    ]
    last = rows[-1][0] if rows else None
    return records, ((last.consultation_id, last.id) if last else None)


def _comment_rows(*criteria, limit: int) -> list:
    return db.session.execute(_comments_query().where(*criteria).limit(limit)).all()


# --- meetings --------------------------------------------------------------------------------


def _fetch_meetings(after: Key, limit: int, now: datetime):
    stmt = sa.select(Meeting).options(selectinload(Meeting.agenda)).order_by(Meeting.id)
    if after is not None:
        stmt = stmt.where(Meeting.id > after[0])
    items = list(db.session.scalars(stmt.limit(limit)))
    records = []
    for m in items:
        rec = meeting_services.public_record(m, now)
        published = m.outcome_published_at is not None
        rec["outcome_summary"] = m.outcome_summary if published else None
        rec["attendance_recorded_at"] = (
            m.attendance_closed_at.isoformat() if m.attendance_closed_at else None
        )
        records.append(rec)
    return records, ((items[-1].id,) if items else None)


def _meeting_cells(rec: dict[str, Any]) -> dict[str, Any]:
    agenda = "\n".join(
        f"{a['position']}. {a['title']}" + (f" — {a['decision']}" if a["decision"] else "")
        for a in rec["agenda"]
    )
    return {**rec, "agenda": agenda}


# --- attendance ------------------------------------------------------------------------------


def _attendance_query():
    # Named columns only: the representative's phone and email are never read.
    return (
        sa.select(
            Invitation.id,
            Invitation.meeting_id,
            Meeting.title,
            Meeting.starts_at,
            Invitation.representative_id,
            Representative.name,
            Representative.category,
            Invitation.source,
            Invitation.status,
            Invitation.attendance,
        )
        .join(Meeting, Invitation.meeting_id == Meeting.id)
        .join(Representative, Invitation.representative_id == Representative.id)
        .where(Meeting.attendance_closed_at.is_not(None))
        .order_by(Invitation.meeting_id, Invitation.id)
    )


def _fetch_attendance(after: Key, limit: int, now: datetime):
    stmt = _attendance_query()
    if after is not None:
        meeting_id, invitation_id = after
        stmt = stmt.where(
            sa.or_(
                Invitation.meeting_id > meeting_id,
                sa.and_(Invitation.meeting_id == meeting_id, Invitation.id > invitation_id),
            )
        )
    rows = db.session.execute(stmt.limit(limit)).all()
    records = [
        {
            "meeting_id": r.meeting_id,
            "meeting_title": r.title,
            "meeting_starts_at": r.starts_at.isoformat(),
            "representative_id": r.representative_id,
            "representative_name": r.name,
            "category": r.category,
            "invited_by": r.source,
            "status": r.status,
            "attendance": r.attendance,
        }
        for r in rows
    ]
    return records, ((rows[-1].meeting_id, rows[-1].id) if rows else None)


# --- the datasets ----------------------------------------------------------------------------

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="catalogue",
            title=_l("Decision catalogue"),
            description=_l(
                "Every matter of every published annual catalogue of major administrative "
                "decisions: what is decided, by which department, when, whether a hearing is "
                "held, and how far it has come."
            ),
            frequency=_l("Live: every change to the catalogue appears at once."),
            fields=(
                ("id", "编号", _l("Number of the matter on this site")),
                ("code", "事项编号", _l("Catalogue number, year and position (2026-03)")),
                ("year", "年度", _l("Catalogue year")),
                ("title", "决策事项", _l("Title of the matter")),
                ("summary", "摘要", _l("Summary")),
                ("lead_department", "承办部门", _l("Lead department")),
                (
                    "planned_time",
                    "计划决策时间",
                    _l("Planned time: a month (2026-07) or quarter (2026-Q3)"),
                ),
                ("hearing", "是否听证", _l("Whether a hearing is held (true/false)")),
                ("status", "状态", "planned | consulting | deliberating | decided | withdrawn"),
                (
                    "completion",
                    "完成情况",
                    "in_progress | overdue | decided_on_time | decided_late | withdrawn",
                ),
                ("decision_date", "决策日期", _l("Date of the decision")),
                ("decision_document_url", "决策文件", _l("Link to the decision document")),
                ("withdrawal_reason", "撤回理由", _l("Why the matter was withdrawn")),
                (
                    "procedures",
                    "法定程序",
                    _l("Statutory procedures required, and when each was done"),
                ),
                ("updated_at", "更新时间", _l("Last change")),
            ),
            count=lambda: _count(catalogue_services.search_matters()),
            last_modified=lambda: freshness.catalogue(),
            fetch=_fetch_catalogue,
            cells=_catalogue_cells,
        ),
        Dataset(
            name="consultations",
            title=_l("Public consultations"),
            description=_l(
                "Every call for comments: the draft decision and its clauses, the comment "
                "window and any change to it, documents, offline activities, the number of "
                "comments and, once published, the summary of the feedback."
            ),
            frequency=_l("Live: new consultations and changes appear at once."),
            fields=(
                ("id", "编号", _l("Number of the consultation")),
                ("title", "标题", _l("Title")),
                ("decision_id", "决策事项编号", _l("The decision matter it belongs to")),
                ("decision_title", "决策事项", _l("Title of that matter")),
                ("lead_department", "承办部门", _l("Lead department")),
                ("status", "状态", "scheduled | open | closed | feedback_published"),
                ("opens_at", "开始时间", _l("Comments accepted from")),
                ("closes_at", "截止时间", _l("Comments accepted until (exclusive)")),
                ("comment_count", "意见数", _l("Number of comments received")),
                ("contact", "咨询方式", _l("The department's published contact for questions")),
                ("preamble", "前言", _l("Preamble of the draft")),
                ("explanation", "起草说明", _l("Explanatory note")),
                ("clauses", "条款", _l("Clauses: number, heading and text (JSON only)")),
                ("documents", "附件", _l("Documents: file name, type, size, SHA-256 (JSON only)")),
                (
                    "window_changes",
                    "期限调整",
                    _l("Changes of the closing time, with reasons (JSON only)"),
                ),
                ("activities", "线下活动", _l("Symposiums, hearings and field visits (JSON only)")),
                ("feedback_published_at", "反馈公布时间", _l("When the feedback was published")),
                (
                    "feedback_summary",
                    "反馈说明",
                    _l("How the draft changed after the consultation"),
                ),
            ),
            count=lambda: _count(sa.select(Consultation.id)),
            last_modified=lambda: freshness.consultations(countdown=False),
            fetch=_fetch_consultations,
        ),
        Dataset(
            name="comments",
            title=_l("Comments and their answers"),
            description=_l(
                "Published comments on every consultation and, once a department has "
                "published its feedback, every comment with its disposition and the reason. "
                "A comment withheld by moderation is listed without its text or name, with the "
                "reason it was withheld. Contact details and IP addresses are never included."
            ),
            frequency=_l("Live: comments appear once published, answers with the feedback."),
            fields=(
                ("receipt", "回执编号", _l("Receipt number of the comment")),
                ("consultation_id", "征求意见编号", _l("The consultation")),
                ("submitted_at", "提交时间", _l("When it was submitted or received")),
                (
                    "source",
                    "渠道",
                    "online | symposium | hearing | field_visit | hotline | letter | mailbox | meeting",
                ),
                (
                    "clause",
                    "条款",
                    _l("Number of the clause it addresses (empty: the whole draft)"),
                ),
                ("author", "署名", _l("Name, only where the author chose to show it")),
                ("body", "意见内容", _l("Text of the comment (empty if withheld)")),
                ("status", "状态", _l("published, hidden (withheld by moderation) or received")),
                ("hidden_reason", "屏蔽理由", "abusive | personal_data | spam | off_topic"),
                (
                    "duplicate_group",
                    "相同意见组",
                    _l("Group of identical or near-identical comments"),
                ),
                ("duplicate_count", "组内意见数", _l("Number of comments in that group")),
                (
                    "disposition",
                    "采纳情况",
                    "adopted | partly_adopted | not_adopted | not_applicable",
                ),
                ("disposition_reason", "理由", _l("The department's reason")),
            ),
            count=lambda: _public_comment_count(),
            last_modified=lambda: freshness.comments(),
            fetch=_fetch_comments,
        ),
        Dataset(
            name="meetings",
            title=_l("Government meetings"),
            description=_l(
                "Meetings attended by public representatives: time, place, organiser, agenda "
                "and, once published, the decision and its policy interpretation on each item."
            ),
            frequency=_l("Live: meetings appear when scheduled, outcomes when published."),
            fields=(
                ("id", "编号", _l("Number of the meeting")),
                ("kind", "类型", "standing | executive | symposium | hearing | other"),
                ("title", "会议名称", _l("Title")),
                ("starts_at", "开始时间", _l("Start")),
                ("ends_at", "结束时间", _l("End")),
                ("place", "地点", _l("Place")),
                ("seats", "代表名额", _l("Seats for public representatives")),
                ("registration_deadline", "报名截止", _l("Deadline to accept an invitation")),
                (
                    "organiser",
                    "组织部门",
                    _l("Organising department (empty: the district government)"),
                ),
                (
                    "agenda",
                    "议程",
                    _l("Agenda items, each with its decision and interpretation once published"),
                ),
                ("outcome_published_at", "结果公布时间", _l("When the outcome was published")),
                ("outcome_summary", "会议结果", _l("Summary of the outcome")),
                ("attendance_recorded_at", "出席登记时间", _l("When attendance was recorded")),
            ),
            count=lambda: _count(sa.select(Meeting.id)),
            last_modified=lambda: freshness.latest(freshness._audit("meeting", "department")),
            fetch=_fetch_meetings,
            cells=_meeting_cells,
        ),
        Dataset(
            name="attendance",
            title=_l("Attendance of public representatives"),
            description=_l(
                "For each meeting whose attendance has been recorded, every invitation: who was "
                "invited, how (by name, drawn by lot, or as a substitute), the answer and whether "
                "they attended. No phone numbers or email addresses."
            ),
            frequency=_l("Live: added when a meeting's attendance is recorded."),
            fields=(
                ("meeting_id", "会议编号", _l("The meeting")),
                ("meeting_title", "会议名称", _l("Title of the meeting")),
                ("meeting_starts_at", "会议时间", _l("Start of the meeting")),
                ("representative_id", "代表编号", _l("The representative")),
                ("representative_name", "代表姓名", _l("Name of the representative")),
                (
                    "category",
                    "类别",
                    "npc_deputy | cppcc_member | expert | entrepreneur | media | new_social_strata | supervisor | other",
                ),
                ("invited_by", "邀请方式", "manual | draw | substitute"),
                ("status", "答复", "pending | accepted | declined"),
                ("attendance", "出席情况", "attended | absent"),
            ),
            count=lambda: _count(_attendance_query()),
            last_modified=lambda: freshness._audit("meeting", "invitation", "representative"),
            fetch=_fetch_attendance,
        ),
    )
}


# --- output ----------------------------------------------------------------------------------


def _records(app: Flask, dataset: Dataset, now: datetime) -> Iterator[list[dict[str, Any]]]:
    """Batches of records, each read in an application context (and session) of its own."""
    after: Key = None
    while True:
        with app.app_context():
            records, after = dataset.fetch(after, BATCH, now)
        if not records:
            return
        yield records
        if len(records) < BATCH:
            return


# A spreadsheet runs a cell that starts like a formula; anyone can write a comment, so such
# text is kept as text with a leading apostrophe (OWASP's advice on CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_fields(dataset: Dataset) -> list[tuple[str, str, Any]]:
    # Nested lists other than the agenda do not fit a spreadsheet; they are in the JSON.
    nested = {"clauses", "documents", "window_changes", "activities"}
    return [f for f in dataset.fields if f[0] not in nested]


def _csv(app: Flask, dataset: Dataset, now: datetime) -> Iterator[bytes]:
    fields = _csv_fields(dataset)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{label} {key}" for key, label, _ in fields])
    # The BOM makes Excel read the file as UTF-8, so the Chinese is not garbled.
    yield "\ufeff".encode() + out.getvalue().encode("utf-8")
    for records in _records(app, dataset, now):
        out.seek(0)
        out.truncate()
        for rec in records:
            cells = dataset.cells(rec)
            writer.writerow([_cell(cells.get(key)) for key, _, _ in fields])
        yield out.getvalue().encode("utf-8")


def _json(app: Flask, dataset: Dataset, now: datetime, title: str) -> Iterator[bytes]:
    head = {"dataset": dataset.name, "title": title, "licence": LICENCE}
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [\n').encode("utf-8")
    total = 0
    for records in _records(app, dataset, now):
        chunk = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
        yield ((",\n" if total else "") + chunk).encode("utf-8")
        total += len(records)
    yield f'\n], "total": {total}}}\n'.encode()


@bp.get("/open-data")
def index():
    datasets = [
        {
            "d": d,
            "count": d.count(),
            "last_modified": d.last_modified(),
            "csv_fields": {f[0] for f in _csv_fields(d)},
        }
        for d in DATASETS.values()
    ]
    return render_template("site/open_data.html", datasets=datasets, licence=LICENCE)


@bp.get(
    "/open-data/<any(catalogue, consultations, comments, meetings, attendance):name>.<any(csv, json):fmt>"
)
def download(name: str, fmt: str):
    """A dataset as CSV or JSON; the comments also of one consultation (?consultation=ID)."""
    dataset = DATASETS[name]
    now = now_utc()
    filename = f"donghu-{name}.{fmt}"
    if name == "comments" and "consultation" in request.args:
        consultation_id = request.args.get("consultation", type=db_int)
        if consultation_id is None or db.session.get(Consultation, consultation_id) is None:
            abort(404)
        dataset = replace(
            dataset,
            count=partial(_public_comment_count, consultation_id),
            last_modified=partial(freshness.comments, consultation_id),
            fetch=partial(_fetch_comments, consultation_id=consultation_id),
        )
        filename = f"donghu-comments-{consultation_id}.{fmt}"
    last_modified = dataset.last_modified()
    etag = http.etag_for("open-data", filename, last_modified, dataset.count())
    unchanged = http.not_modified(etag=etag, last_modified=last_modified)
    if unchanged is not None:
        return unchanged
    app = current_app._get_current_object()
    if fmt == "csv":
        response = Response(_csv(app, dataset, now), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        # The title is translated here: the generator runs after the request context is gone.
        body = _json(app, dataset, now, str(dataset.title))
        response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    http.set_validators(response, etag=etag, last_modified=last_modified)
    return http.streaming(response)
