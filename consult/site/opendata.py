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
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import load_only
from sqlalchemy.orm import selectinload

from consult.catalogue import services as catalogue_services
from consult.catalogue.models import DecisionMatter
from consult.catalogue.schemas import Decision
from consult.comments import services as comment_services
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.comments.models import CommentTally
from consult.comments.schemas import CommentRecord
from consult.consultations import services as consultation_services
from consult.consultations.models import Consultation
from consult.consultations.schemas import ConsultationRecord
from consult.core import http
from consult.core.forms import db_int
from consult.core.schemas import field_notes
from consult.core.time import local_date_of
from consult.core.time import now_utc
from consult.extensions import db
from consult.feedback import answers
from consult.interpretation.models import Interpretation as InterpretationModel
from consult.interpretation.schemas import Interpretation as InterpretationRecord
from consult.interpretation.schemas import Question as QuestionRecord
from consult.interpretation.schemas import Responsiveness as ResponsivenessRecord
from consult.meetings import services as meeting_services
from consult.meetings.models import Invitation
from consult.meetings.models import Meeting
from consult.meetings.schemas import AttendanceRecord
from consult.meetings.schemas import MeetingRecord
from consult.representatives.models import Representative
from consult.site import freshness
from consult.site.freshness import latest as latest_of

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
    # (JSON field, Chinese column label, meaning), from the record's schema (field_notes);
    # CSV columns are the fields listed here. A meaning that is only the list of code values
    # ("a | b | c") is not translated.
    fields: tuple[tuple[str, str, Any], ...]
    count: Callable[[], int]
    last_modified: Callable[[], datetime | None]
    # fetch(after, limit, now) -> (records, key of the last record)
    fetch: Callable[[Key, int, datetime], tuple[list[dict[str, Any]], Key]]
    # A record as spreadsheet cells (nested values flattened); the JSON keeps the record.
    cells: Callable[[dict[str, Any]], dict[str, Any]] = dict


def _count(stmt) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0


def _next_by_id(stmt: sa.Select, id_column, after: Key, limit: int) -> list:
    """The next `limit` rows of `stmt` in the order of `id_column`, after the key `after`."""
    if after is not None:
        stmt = stmt.where(id_column > after[0])
    return list(db.session.scalars(stmt.order_by(id_column).limit(limit)))


def _last_id(items: list) -> Key:
    return (items[-1].id,) if items else None


def _after_pair(first, second, key: tuple[Any, Any], *, first_descending: bool = False):
    """The keyset condition "after `key`" for rows ordered by (`first`, `second`), `first`
    descending if so ordered, `second` ascending (a row-value comparison cannot say the
    mixed order of the catalogue: newest year first, then by number)."""
    first_value, second_value = key
    beyond = first < first_value if first_descending else first > first_value
    return sa.or_(beyond, sa.and_(first == first_value, second > second_value))


# --- catalogue -------------------------------------------------------------------------------


def _catalogue_query():
    return catalogue_services.search_matters().options(selectinload(DecisionMatter.procedures))


def _fetch_catalogue(after: Key, limit: int, now: datetime):
    stmt = _catalogue_query()
    if after is not None:
        stmt = stmt.where(
            _after_pair(DecisionMatter.year, DecisionMatter.number, after, first_descending=True)
        )
    matters = list(db.session.scalars(stmt.limit(limit)))
    today = local_date_of(now)
    records = [catalogue_services.public_record(m, today=today) for m in matters]
    return records, ((matters[-1].year, matters[-1].number) if matters else None)


def _catalogue_cells(rec: dict[str, Any]) -> dict[str, Any]:
    procedures = "\n".join(
        f"{p['kind']}: {p['done_on'] or '-'}" for p in rec["procedures"] if p["required"]
    )
    return {**rec, "lead_department": rec["lead_department"]["name"], "procedures": procedures}


# --- consultations ---------------------------------------------------------------------------


def _fetch_consultations(after: Key, limit: int, now: datetime):
    stmt = sa.select(Consultation).options(
        selectinload(Consultation.clauses),
        selectinload(Consultation.documents),
        selectinload(Consultation.window_changes),
        selectinload(Consultation.activities),
    )
    items = _next_by_id(stmt, Consultation.id, after, limit)
    counts = comment_services.count_comments([c.id for c in items])
    records = [consultation_services.open_data_record(c, now, counts.get(c.id, 0)) for c in items]
    return records, _last_id(items)


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
    # Each comment's answer: its own, else its group's (feedback.answers).
    answer = (answers.DISPOSITION.label("disposition"), answers.REASON.label("reason"))
    return (
        _public_comments(
            answers.joined(sa.select(Comment, Consultation.feedback_published_at, *answer))
        )
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


def _comment_record(row, size: int | None) -> dict:
    comment, feedback_published = row[0], row.feedback_published_at is not None
    hidden = comment.is_hidden
    return CommentRecord(
        receipt=comment.receipt,
        consultation_id=comment.consultation_id,
        submitted_at=comment.submitted_at,
        source=comment.source,
        clause=comment.clause.number if comment.clause else None,
        author=None if hidden else comment.public_name,
        body=None if hidden else comment.body,
        status=comment.status,
        hidden_reason=comment.hidden_reason if hidden else None,
        duplicate_group=comment.duplicate_group_id,
        duplicate_count=size,
        # Answers become public together, when the department publishes its feedback.
        disposition=row.disposition if feedback_published else None,
        disposition_reason=row.reason if feedback_published else None,
    ).record()


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
    sizes = comment_services.group_sizes(row[0] for row in rows)
    records = [_comment_record(row, sizes.get(row[0].duplicate_group_id)) for row in rows]
    last = rows[-1][0] if rows else None
    return records, ((last.consultation_id, last.id) if last else None)


def _comment_rows(*criteria, limit: int) -> list:
    return db.session.execute(_comments_query().where(*criteria).limit(limit)).all()


# --- meetings --------------------------------------------------------------------------------


def _fetch_meetings(after: Key, limit: int, now: datetime):
    stmt = sa.select(Meeting).options(selectinload(Meeting.agenda))
    items = _next_by_id(stmt, Meeting.id, after, limit)
    return [meeting_services.open_data_record(m) for m in items], _last_id(items)


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
        stmt = stmt.where(_after_pair(Invitation.meeting_id, Invitation.id, after))
    rows = db.session.execute(stmt.limit(limit)).all()
    records = [
        AttendanceRecord(
            meeting_id=r.meeting_id,
            meeting_title=r.title,
            meeting_starts_at=r.starts_at,
            representative_id=r.representative_id,
            representative_name=r.name,
            category=r.category,
            invited_by=r.source,
            status=r.status,
            attendance=r.attendance,
        ).record()
        for r in rows
    ]
    return records, ((rows[-1].meeting_id, rows[-1].id) if rows else None)


# --- interpretations, questions, responsiveness ------------------------------------------------


def _fetch_interpretations(after: Key, limit: int, now: datetime):
    from consult.interpretation import services as interpretation
    from consult.interpretation.models import Interpretation

    stmt = sa.select(Interpretation).join(
        DecisionMatter, Interpretation.matter_id == DecisionMatter.id
    )
    items = _next_by_id(stmt, Interpretation.id, after, limit)
    return [interpretation.interpretation_record(i) for i in items], _last_id(items)


def _interpretation_cells(rec: dict[str, Any]) -> dict[str, Any]:
    return {**rec, "forms": " ".join(rec["forms"])}


# The columns read of a question: its contact and IP address are not among them.
def _question_columns():
    from consult.interpretation.models import Question

    return (
        Question.id,
        Question.matter_id,
        Question.receipt,
        Question.author_name,
        Question.show_name,
        Question.body,
        Question.submitted_at,
        Question.due_on,
        Question.status,
        Question.answer,
        Question.answered_at,
        Question.answered_by_id,
        Question.group_id,
    )


def _fetch_questions(after: Key, limit: int, now: datetime):
    """Every question: a withheld one without its text or name (its state says so)."""
    from consult.interpretation import services as interpretation
    from consult.interpretation.models import Question

    stmt = sa.select(Question).options(
        load_only(*_question_columns(), raiseload=True),
        selectinload(Question.answered_by),
        sa.orm.joinedload(Question.matter),
    )
    items = _next_by_id(stmt, Question.id, after, limit)
    sizes = interpretation.group_sizes(items)
    today = local_date_of(now)
    records = []
    for q in items:
        rec = interpretation.question_record(q, today=today, group_size=sizes.get(q.group_id))
        if q.is_hidden:
            rec.update(author=None, body=None, answer=None)
        records.append(rec)
    return records, _last_id(items)


def _question_count() -> int:
    from consult.interpretation.models import Question

    return _count(sa.select(Question.id))


def _fetch_responsiveness(after: Key, limit: int, now: datetime):
    """Every year's figures, newest year first (one batch: a row per department and year)."""
    from consult.interpretation import figures

    if after is not None:
        return [], None
    records = [r for year in figures.years() for r in figures.responsiveness(year)]
    return records, (len(records),)


def _responsiveness_count() -> int:
    from consult.interpretation import figures

    return sum(len(figures.responsiveness(year)) for year in figures.years())


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
            fields=field_notes(Decision, omit=("planned_precision",)),
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
            fields=field_notes(ConsultationRecord),
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
            fields=field_notes(CommentRecord),
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
            fields=field_notes(MeetingRecord),
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
            fields=field_notes(AttendanceRecord),
            count=lambda: _count(_attendance_query()),
            last_modified=lambda: freshness._audit("meeting", "invitation", "representative"),
            fetch=_fetch_attendance,
        ),
        Dataset(
            name="interpretations",
            title=_l("Policy interpretations"),
            description=_l(
                "The interpretation published with each decision and the follow-up "
                "interpretations after it: title, text, forms, department and date."
            ),
            frequency=_l("Live: interpretations appear when published."),
            fields=field_notes(InterpretationRecord),
            count=lambda: _count(sa.select(InterpretationModel.id)),
            last_modified=lambda: freshness.interpretations(),
            fetch=_fetch_interpretations,
            cells=_interpretation_cells,
        ),
        Dataset(
            name="questions",
            title=_l("Questions on decisions and their answers"),
            description=_l(
                "Residents' questions on decisions (一号答), each with its answering period and, "
                "once given, the policy specialist's answer. A question withheld by moderation "
                "is listed without its text or name. Contact details and IP addresses are never "
                "included."
            ),
            frequency=_l("Live: questions appear when asked, answers when given."),
            fields=field_notes(QuestionRecord),
            count=_question_count,
            last_modified=lambda: freshness.questions(),
            fetch=_fetch_questions,
        ),
        Dataset(
            name="responsiveness",
            title=_l("Responsiveness of departments"),
            description=_l(
                "For each department and year: questions received, answered, the median working "
                "days to an answer and how many were overdue; comments received, answered, the "
                "share of answers with a reason and the median days from closing to feedback."
            ),
            frequency=_l("Live: counted from the records when downloaded."),
            fields=field_notes(ResponsivenessRecord),
            count=_responsiveness_count,
            last_modified=lambda: latest_of(freshness.questions(), freshness.comments()),
            fetch=_fetch_responsiveness,
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
    "/open-data/<any(catalogue, consultations, comments, meetings, attendance, interpretations, "
    "questions, responsiveness):name>.<any(csv, json):fmt>"
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
