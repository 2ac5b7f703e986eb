"""The feedback report at scale: its data streamed from the database, its parts rendered by
one process's pool or by RQ jobs on any number of machines, and nothing stuck "rendering".

Data (never a list of a million comments):

- the figures are counted by SQL (GROUP BY source, disposition, clause);
- one pass over the consultation's comments in keyset pages, in the order received
  (submitted_at, id), without their text, writes the attached CSV row by row to a file, numbers
  the table's entries (an ungrouped comment, or a duplicate group where its first member
  stands: its later members are only CSV rows pointing at that entry), cuts the entries into
  parts of REPORT_CHUNK_ROWS (each part a key range and the ids of the groups' first members
  in it), and gathers the characters the report will print (the entries' texts are read by
  id, a page at a time) so that the font is cut down once for the whole report;
- a part reads its own rows again by its key range (a group's size and its answers are counted
  by SQL for the groups it shows).

Who renders:

- ``REPORT_RENDERING=thread|inline`` (no Redis): `render_here` — the plan, then the parts in a
  pool of worker processes of this process (pdf.render_parts), joined as they come back.
- ``rq``: `plan_job` plans and stores what the parts need (the CSV and the fonts in the
  storage, the plan in the report row, one `feedback_report_part` row per part, kept afterwards as the record of who rendered what) and
  enqueues a
  `part_job` per part; every `rq worker` on the queue, on any machine sharing the database,
  Redis and the storage, renders parts; the part that finishes last enqueues `join_job`,
  which joins the stored parts (pdfjoin: streaming) into the report.

Leases: whoever renders (the plan, a part, the join, or a whole report in-process) holds a
lease in the database and renews it while alive (a heartbeat thread, every third of
REPORT_LEASE_SECONDS). A worker killed mid-part stops renewing; `recover` (run by `flask tick`
every minute, and by every part job when it finishes) gives an expired part to another job,
re-enqueues a lost join or plan, and, without Redis, renders an abandoned report again. After
MAX_ATTEMPTS the report fails with the error, rather than spinning.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import get_timezone
from flask_babel import gettext

from consult.accounts.models import SYSTEM
from consult.comments import rules as comment_rules
from consult.comments.models import Comment
from consult.comments.models import CommentStatus
from consult.consultations.models import Clause
from consult.consultations.models import StoredFile
from consult.core import audit
from consult.core.storage import storage
from consult.core.time import now_utc
from consult.core.transactions import read_phase
from consult.core.urls import public_url
from consult.extensions import db
from consult.feedback import answers
from consult.feedback import pdf
from consult.feedback import pdfjoin
from consult.feedback import rules
from consult.feedback.models import FeedbackReport
from consult.feedback.models import PartStatus
from consult.feedback.models import ReportPart
from consult.feedback.models import ReportStatus

log = logging.getLogger(__name__)

PAGE = 2000  # comments per keyset page of the planning pass
MAX_ATTEMPTS = 3
PART_TIMEOUT = 1800  # s, an RQ job's limit (a part takes seconds)
JOIN_TIMEOUT = 3600


def _lease() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("REPORT_LEASE_SECONDS") or 120))


def _chunk_rows() -> int:
    return max(1, int(current_app.config.get("REPORT_CHUNK_ROWS") or pdf.CHUNK_ROWS))


# --- what the report shows: header and figures ---------------------------------------------


def _clause_order(item: tuple[str, int]) -> tuple[int, str]:
    from consult.consultations.rules import chinese_number

    label = item[0]
    if label.startswith("第") and label.endswith("条"):
        try:
            return (chinese_number(label[1:-1]), label)
        except ValueError:
            pass
    return (0, label)


def _counts(consultation_id: int, column, *, answered: bool = False) -> dict[Any, int]:
    stmt = sa.select(column, sa.func.count()).select_from(Comment)
    rows = db.session.execute(
        (answers.joined(stmt) if answered else stmt)
        .where(Comment.consultation_id == consultation_id)
        .group_by(column)
    )
    return {key: n for key, n in rows}


def header(report: FeedbackReport, locale: str) -> dict[str, Any]:
    """Everything the report shows but the table, in `locale`, counted set-based. No contact
    details or IPs ever enter it (rule 6)."""
    from consult.site.helpers import local_datetime

    consultation = report.consultation
    by_source = _counts(consultation.id, Comment.source)
    by_disposition = _counts(consultation.id, answers.DISPOSITION, answered=True)
    by_clause_id = _counts(consultation.id, Comment.clause_id)
    headings = _clause_headings(consultation.id)
    with force_locale(locale):
        whole = gettext("The draft as a whole")
        by_clause: dict[str, int] = {}
        for clause_id, n in by_clause_id.items():
            label = headings.get(clause_id, whole) if clause_id else whole
            by_clause[label] = by_clause.get(label, 0) + n
        return {
            "locale": locale,
            "consultation": {
                "id": consultation.id,
                "title": consultation.title,
                "matter_title": consultation.matter.title,
                "matter_code": consultation.matter.code,
                "department": consultation.matter.department.name,
                "opens_at": local_datetime(consultation.opens_at, "short"),
                "closes_at": local_datetime(consultation.closes_at, "short"),
                "published_at": local_datetime(consultation.feedback_published_at, "short"),
                "url": public_url("consultations.detail", consultation_id=consultation.id),
            },
            "version": report.version,
            "correction_note": report.correction_note,
            "figures": {
                "total": sum(by_source.values()),
                "adoption_rate": rules.adoption_rate(
                    {k: n for k, n in by_disposition.items() if k}
                ),
                "by_source": [
                    {
                        "key": k.value,
                        "label": str(comment_rules.SOURCE_LABELS[k]),
                        "count": by_source[k.value],
                    }
                    for k in comment_rules.SOURCE_LABELS
                    if by_source.get(k.value)
                ],
                "by_disposition": [
                    {
                        "key": k.value,
                        "label": str(rules.DISPOSITION_LABELS[k]),
                        "count": by_disposition.get(k.value, 0),
                    }
                    for k in rules.DISPOSITION_LABELS
                ],
                "by_clause": [
                    {"label": label, "count": n}
                    for label, n in sorted(by_clause.items(), key=_clause_order)
                ],
            },
            "changes_summary": consultation.feedback_summary or "",
        }


def _clause_headings(consultation_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(Clause.id, Clause.heading).where(Clause.consultation_id == consultation_id)
        ).all()
    )


class _Labels:
    """The words a row needs, in the report's locale, looked up once."""

    def __init__(self, locale: str, consultation_id: int):
        with force_locale(locale):
            self.whole = gettext("The draft as a whole")
            self.source = {k.value: str(v) for k, v in comment_rules.SOURCE_LABELS.items()}
            self.hidden = {k.value: str(v) for k, v in comment_rules.HIDE_REASON_LABELS.items()}
            self.disposition = {k.value: str(v) for k, v in rules.DISPOSITION_LABELS.items()}
        self.clauses = _clause_headings(consultation_id)
        self.zone = get_timezone()

    def time(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def comment(self, c: Any, text: str | None = None) -> dict:
        """A comment row (id, receipt, …) as the template and the CSV take it."""
        hidden = c.status == CommentStatus.HIDDEN
        return {
            "receipt": c.receipt,
            "submitted_at": self.time(c.submitted_at),
            "source": c.source,
            "source_label": self.source.get(c.source, c.source),
            "clause": self.clauses.get(c.clause_id, self.whole) if c.clause_id else self.whole,
            "text": None if hidden else text,
            "hidden": hidden,
            "hidden_reason_label": self.hidden.get(c.hidden_reason, "") if hidden else "",
            "disposition": c.disposition or "",
            "disposition_label": self.disposition.get(c.disposition or "", ""),
            "reason": c.disposition_reason or "",
        }


_ROW_COLUMNS = (
    Comment.id,
    Comment.submitted_at,
    Comment.receipt,
    Comment.source,
    Comment.clause_id,
    Comment.status,
    Comment.hidden_reason,
    Comment.duplicate_group_id,
    answers.DISPOSITION.label("disposition"),  # its own answer, else its group's
    answers.REASON.label("disposition_reason"),
)


def _after(key: list | None):
    if key is None:
        return sa.true()
    at = datetime.fromisoformat(key[0])
    return sa.tuple_(Comment.submitted_at, Comment.id) > sa.tuple_(
        sa.literal(at, Comment.submitted_at.type), sa.literal(int(key[1]))
    )


def _until(key: list | None):
    if key is None:
        return sa.true()
    at = datetime.fromisoformat(key[0])
    return sa.tuple_(Comment.submitted_at, Comment.id) <= sa.tuple_(
        sa.literal(at, Comment.submitted_at.type), sa.literal(int(key[1]))
    )


def _key(c: Any) -> list:
    return [c.submitted_at.isoformat(), c.id]


def _pages(consultation_id: int, after: list | None = None) -> Iterator[list]:
    """The consultation's comments (without their text) in the order received, a keyset
    page at a time."""
    while True:
        rows = db.session.execute(
            answers.joined(sa.select(*_ROW_COLUMNS))
            .where(Comment.consultation_id == consultation_id, _after(after))
            .order_by(Comment.submitted_at, Comment.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        yield rows
        after = _key(rows[-1])


def _texts(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Comment.id, Comment.body).where(Comment.id.in_(ids))).all()
    )


def _shown_texts(group_ids: list[int]) -> dict[int, str]:
    """For groups whose first member is withheld: the text of their first published member."""
    texts = {}
    for group_id in group_ids:
        text = db.session.scalar(
            sa.select(Comment.body)
            .where(Comment.duplicate_group_id == group_id, Comment.status != CommentStatus.HIDDEN)
            .order_by(Comment.id)
            .limit(1)
        )
        if text is not None:
            texts[group_id] = text
    return texts


# --- the plan: one streaming pass --------------------------------------------------------------


def make_plan(report: FeedbackReport, workdir: str | Path, *, chunk_rows: int) -> dict:
    """Count, number and cut the report (see the module docstring); writes the CSV and the two
    font files into `workdir`. Returns the plan (JSON-able; file paths under "files").

    Only reads, in a read transaction of its own (SQLite: a deferred one, so that the minutes
    of a million rows do not hold the write lock the other workers and leases need)."""
    with read_phase():
        return _make_plan(report, workdir, chunk_rows=chunk_rows)


def _make_plan(report: FeedbackReport, workdir: str | Path, *, chunk_rows: int) -> dict:
    locale = current_app.config.get("BABEL_DEFAULT_LOCALE") or pdf.DEFAULT_LOCALE
    consultation_id = report.consultation_id
    head = header(report, locale)
    labels = _Labels(locale, consultation_id)
    chars = pdf.CharSet(locale)
    pdf.header_chars(head, chars)
    chars.add(labels.whole, *labels.source.values(), *labels.hidden.values())
    chars.add(*labels.disposition.values(), *labels.clauses.values())
    table = pdf.CsvFile(Path(workdir) / pdf.CSV_NAME)
    groups: dict[int, tuple[int, str]] = {}  # group -> (its entry's number, its receipt)
    sizes = dict(
        db.session.execute(
            sa.select(Comment.duplicate_group_id, sa.func.count())
            .where(
                Comment.consultation_id == consultation_id, Comment.duplicate_group_id.is_not(None)
            )
            .group_by(Comment.duplicate_group_id)
        ).all()
    )
    parts: list[dict] = []
    current: dict | None = None
    entries = comments = 0
    previous_key: list | None = None
    withheld_leaders: list[int] = []
    for page in _pages(consultation_id):
        wanted = []
        for c in page:
            comments += 1
            row = labels.comment(c)
            chars.add(row["reason"])
            group = c.duplicate_group_id if sizes.get(c.duplicate_group_id, 0) > 1 else None
            if group is not None and group in groups:
                table.write(row, *groups[group])
                continue
            entries += 1
            if current is None or current["count"] >= chunk_rows:
                current = {
                    "number": len(parts),
                    "first_number": entries,
                    "after": previous_key,
                    "until": None,
                    "leaders": [],  # first members of groups, and members of groups of one
                    "count": 0,
                }
                parts.append(current)
            current["count"] += 1
            current["until"] = previous_key = _key(c)
            if c.duplicate_group_id is not None:
                current["leaders"].append(c.id)
            if group is not None:
                groups[group] = (entries, c.receipt)
                if row["hidden"]:
                    withheld_leaders.append(group)
            table.write(row, entries, groups[group][1] if group is not None else "")
            if not row["hidden"]:
                wanted.append(c.id)
        for text in _texts(wanted).values():
            chars.add(text)
    for text in _shown_texts(withheld_leaders).values():
        chars.add(text)
    if not parts:  # no comments: the front alone says so
        parts.append(
            {
                "number": 0,
                "first_number": 1,
                "after": None,
                "until": None,
                "leaders": [],
                "count": 0,
            }
        )
    attachment = table.close()
    fonts = pdf.report_fonts(chars.chars, workdir)
    return {
        "locale": locale,
        "header": head,
        "entries": entries,
        "comments": comments,
        "parts": parts,
        "files": {
            "csv": {"path": attachment.path, "size": attachment.size, "md5": attachment.md5},
            "fonts": {str(w): p for w, p in fonts.items()},
        },
    }


def part_rows(plan: dict, spec: dict) -> list[dict]:
    """The table rows of one part, read again by its key range (see `make_plan`), in a read
    transaction of its own."""
    if not spec["count"]:
        return []
    with read_phase():
        return _part_rows(plan, spec)


def _part_rows(plan: dict, spec: dict) -> list[dict]:
    consultation_id = plan["header"]["consultation"]["id"]
    labels = _Labels(plan["locale"], consultation_id)
    leaders = {int(i) for i in spec["leaders"]}
    alone = Comment.duplicate_group_id.is_(None)
    if leaders:
        alone = sa.or_(alone, Comment.id.in_(sorted(leaders)))
    rows = db.session.execute(
        answers.joined(sa.select(*_ROW_COLUMNS, Comment.body))
        .where(
            Comment.consultation_id == consultation_id,
            _after(spec["after"]),
            _until(spec["until"]),
            alone,
        )
        .order_by(Comment.submitted_at, Comment.id)
    ).all()
    groups = _group_answers([c for c in rows if c.id in leaders])
    shown = _shown_texts([g for g, info in groups.items() if info["leader_hidden"]])
    out = []
    for c in rows:
        row = labels.comment(c, c.body)
        info = groups.get(c.duplicate_group_id)
        if info is not None and info["size"] > 1:
            if row["hidden"] and c.duplicate_group_id in shown:
                row.update(hidden=False, text=shown[c.duplicate_group_id])
            for answer in info["answers"]:
                answer["disposition_label"] = labels.disposition.get(answer["disposition"], "")
            row["group"] = info
        out.append(pdf.entry_row(row, labels.whole))
    if len(out) != spec["count"]:
        raise RuntimeError(
            f"part {spec['number']}: {len(out)} rows, {spec['count']} planned "
            "(the comments changed while the report was rendered)"
        )
    return out


def _group_answers(leaders: list) -> dict[int, dict]:
    """Size, withheld count and distinct answers of the groups of `leaders` (their first
    members' rows), counted by SQL."""
    group_ids = [c.duplicate_group_id for c in leaders]
    if not group_ids:
        return {}
    hidden = sa.case((Comment.status == CommentStatus.HIDDEN, 1), else_=0)
    counted = db.session.execute(
        answers.joined(
            sa.select(
                Comment.duplicate_group_id,
                answers.DISPOSITION,
                answers.REASON,
                sa.func.count(),
                sa.func.sum(hidden),
            )
        )
        .where(Comment.duplicate_group_id.in_(group_ids))
        .group_by(Comment.duplicate_group_id, answers.DISPOSITION, answers.REASON)
    ).all()
    groups: dict[int, dict] = {}
    for group_id, disposition, reason, n, withheld in counted:
        info = groups.setdefault(group_id, {"size": 0, "withheld": 0, "answers": []})
        info["size"] += n
        info["withheld"] += int(withheld or 0)
        info["answers"].append(
            {
                "disposition": disposition or "",
                "reason": reason or "",
                "count": n,
            }
        )
    leader_hidden = {c.duplicate_group_id: c.status == CommentStatus.HIDDEN for c in leaders}
    for group_id, info in groups.items():
        info["answers"].sort(key=lambda a: (-a["count"], a["disposition"], a["reason"]))
        info["leader_hidden"] = leader_hidden.get(group_id, False)
    return groups


def _jobs(plan: dict, fonts: dict[int, str], workdir: str) -> Iterator[dict]:
    """The parts' render jobs, the rows of each read when it is submitted."""
    head = plan["header"]
    base = pdf.base_context(head, plan["entries"], plan["comments"])
    for spec in plan["parts"]:
        front = spec["number"] == 0
        yield pdf.part_job(
            "front" if front else "comments",
            base,
            part_rows(plan, spec),
            spec["first_number"],
            fonts,
            os.path.join(workdir, f"part-{spec['number']:05d}.pdf"),
            front=pdf.front_context(head) if front else None,
        )


# --- leases ---------------------------------------------------------------------------------


def _claim(model, row_id: int, *, statuses: tuple[str, ...], now: datetime | None = None) -> bool:
    """Take the lease of a report or part: only when nobody holds a live one. Commits."""
    now = now or now_utc()
    taken = db.session.execute(
        sa.update(model)
        .where(
            model.id == row_id,
            model.status.in_(statuses),
            sa.or_(model.lease_until.is_(None), model.lease_until < now),
        )
        .values(
            lease_until=now + _lease(),
            attempts=model.attempts + 1,
            **({"status": "rendering"} if model is not FeedbackReport else {}),
        )
    ).rowcount
    db.session.commit()
    return bool(taken)


@contextmanager
def _heartbeat(model, row_id: int):
    """Renew the lease every third of its length while the body runs (a thread with its own
    connection: the body may hold the session for minutes)."""
    app = current_app._get_current_object()
    lease = _lease()
    stop = threading.Event()

    if not isinstance(db.engine, sa.engine.Engine):
        yield  # the test suite's one shared connection: not from another thread
        return

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with app.app_context(), db.engine.begin() as conn:
                    conn.execute(
                        sa.update(model)
                        .where(model.id == row_id)
                        .values(lease_until=now_utc() + lease)
                    )
            except Exception:  # a missed beat is not fatal: the next one tries again
                log.warning("lease renewal of %s %s failed", model.__name__, row_id, exc_info=True)

    thread = threading.Thread(target=beat, daemon=True, name=f"lease-{model.__name__}-{row_id}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def _store(report: FeedbackReport, path: str, pages: int) -> FeedbackReport:
    """The joined PDF into the storage, the report ready. Commits."""
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    size = os.path.getsize(path)
    key, digest = storage().save_file(path)
    stored = StoredFile(
        filename=f"feedback-{report.consultation_id}-v{report.version}.pdf",
        content_type="application/pdf",
        size=size,
        sha256=digest,
        storage_key=key,
        uploaded_at=now_utc(),
    )
    db.session.add(stored)
    report.file = stored
    report.sha256 = digest
    report.pages = pages
    report.status = ReportStatus.READY.value
    report.finished_at = now_utc()
    report.lease_until = None
    report.plan = None
    report.error = None
    db.session.flush()
    audit.record(
        report.consultation,
        "report_ready",
        actor=SYSTEM,
        details={"version": report.version, "sha256": digest, "pages": pages},
    )
    db.session.commit()
    return report


def _fail(report_id: int, exc: BaseException | str) -> FeedbackReport:
    db.session.rollback()
    report = db.session.get(FeedbackReport, report_id)
    report.status = ReportStatus.FAILED.value
    report.error = (exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}")[:2000]
    report.finished_at = now_utc()
    report.lease_until = None
    db.session.commit()
    return report


# --- in this process (no Redis) -------------------------------------------------------------


def render_here(report_id: int, *, workers: int | None = None) -> FeedbackReport:
    """Render a report in this process and its worker pool. Commits: it runs outside
    requests (a thread, the tick, the demo)."""
    report = db.session.get(FeedbackReport, report_id)
    if report is None or report.status == ReportStatus.READY:
        return report
    if not _claim(FeedbackReport, report_id, statuses=("pending", "rendering", "failed")):
        return db.session.get(FeedbackReport, report_id)  # someone else renders it
    report = db.session.get(FeedbackReport, report_id)
    report.status = ReportStatus.RENDERING.value
    db.session.commit()
    workdir = tempfile.mkdtemp(prefix="consult-report-")
    try:
        with _heartbeat(FeedbackReport, report_id):
            plan = make_plan(report, workdir, chunk_rows=_chunk_rows())
            files = plan["files"]
            fonts = {int(w): p for w, p in files["fonts"].items()}
            out = os.path.join(workdir, "report.pdf")
            with open(out, "wb") as fh:
                pages = pdf.render_parts(
                    _jobs(plan, fonts, workdir),
                    fh,
                    fonts=fonts,
                    locale=plan["locale"],
                    attachment=pdfjoin.Attachment(**files["csv"]),
                    workers=workers,
                )
            db.session.rollback()  # the reads' transaction (SQLite: it may hold the file)
            report = db.session.get(FeedbackReport, report_id)
            return _store(report, out, pages)
    except Exception as exc:  # the status page must say it failed, not spin forever
        log.exception("rendering feedback report %s failed", report_id)
        return _fail(report_id, exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- RQ: parts on any worker ----------------------------------------------------------------


def _queue(connection=None):
    from redis import Redis
    from rq import Queue

    if connection is None:
        connection = Redis.from_url(current_app.config["REDIS_URL"])
    return Queue(current_app.config.get("REPORT_QUEUE") or "reports", connection=connection)


def _current_queue():
    """The Redis connection of the RQ job running now (the queue it came from is the one its
    follow-ups go to), or the configured one."""
    try:
        from rq import get_current_job

        job = get_current_job()
    except ImportError:  # pragma: no cover - rq is an extra
        job = None
    if job is not None:
        from rq import Queue

        return Queue(job.origin, connection=job.connection)
    return _queue()


def enqueue_report(report_id: int, queue=None) -> None:
    (queue or _queue()).enqueue("consult.jobs.report_plan_job", report_id, job_timeout=PART_TIMEOUT)


def plan_job(report_id: int) -> None:
    """RQ: plan a report and enqueue its parts."""
    report = db.session.get(FeedbackReport, report_id)
    if report is None or report.status == ReportStatus.READY:
        return
    if db.session.scalar(sa.select(sa.func.count()).where(ReportPart.report_id == report_id)):
        return  # planned already: the parts are under way (recover looks after them)
    if not _claim(FeedbackReport, report_id, statuses=("pending", "rendering")):
        return
    report = db.session.get(FeedbackReport, report_id)
    report.status = ReportStatus.RENDERING.value
    db.session.commit()
    queue = _current_queue()
    workdir = tempfile.mkdtemp(prefix="consult-plan-")
    try:
        with _heartbeat(FeedbackReport, report_id):
            plan = make_plan(report, workdir, chunk_rows=_chunk_rows())
            files = plan.pop("files")
            store = storage()
            csv_key, _ = store.save_file(files["csv"]["path"])
            plan["csv"] = {**files["csv"], "key": csv_key, "path": None}
            plan["fonts"] = {w: store.save_file(p)[0] for w, p in files["fonts"].items()}
            report = db.session.get(FeedbackReport, report_id)
            report.plan = {k: v for k, v in plan.items() if k != "parts"}
            for spec in plan["parts"]:
                db.session.add(ReportPart(report_id=report_id, number=spec["number"], spec=spec))
            report.lease_until = None  # the parts have leases of their own now
            report.attempts = 0  # (the join's count from here)
            db.session.commit()
        for part in db.session.scalars(
            sa.select(ReportPart).where(ReportPart.report_id == report_id)
        ):
            _enqueue_part(part, queue)
        db.session.commit()
    except Exception as exc:
        log.exception("planning feedback report %s failed", report_id)
        _fail(report_id, exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _enqueue_part(part: ReportPart, queue) -> None:
    job = queue.enqueue(
        "consult.jobs.report_part_job", part.id, job_timeout=PART_TIMEOUT, result_ttl=600
    )
    part.job_id = job.id


def part_job(part_id: int) -> None:
    """RQ: render one part (if nobody holds it), store it, and join when it is the last."""
    part = db.session.get(ReportPart, part_id)
    if part is None or part.status == PartStatus.DONE:
        return
    report_id = part.report_id
    if not _claim(ReportPart, part_id, statuses=("pending", "rendering")):
        return
    part = db.session.get(ReportPart, part_id)
    part.worker = f"{socket.gethostname()}:{os.getpid()}"
    db.session.commit()
    with read_phase():
        plan = db.session.get(FeedbackReport, report_id).plan
    workdir = tempfile.mkdtemp(prefix="consult-part-")
    try:
        with _heartbeat(ReportPart, part_id):
            store = storage()
            fonts = {int(w): str(store.path(k)) for w, k in plan["fonts"].items()}
            with read_phase():
                spec = db.session.get(ReportPart, part_id).spec
            head = plan["header"]
            base = pdf.base_context(head, plan["entries"], plan["comments"])
            front = spec["number"] == 0
            job = pdf.part_job(
                "front" if front else "comments",
                base,
                part_rows(plan, spec),
                spec["first_number"],
                fonts,
                os.path.join(workdir, "part.pdf"),
                front=pdf.front_context(head) if front else None,
                worker_exits=True,  # an RQ work horse ends after its job
            )
            db.session.rollback()
            result = pdf.render_part(job)
            key, _ = store.save_file(result["out"])
            db.session.execute(
                sa.update(ReportPart)
                .where(ReportPart.id == part_id)
                .values(
                    status=PartStatus.DONE.value,
                    storage_key=key,
                    pages=result["pages"],
                    bookmarks=[list(b) for b in result["bookmarks"]],
                    lease_until=None,
                )
            )
            db.session.commit()
    except Exception as exc:
        log.exception("rendering part %s of feedback report %s failed", part_id, report_id)
        db.session.rollback()
        part = db.session.get(ReportPart, part_id)
        if part.attempts >= MAX_ATTEMPTS:
            _fail(report_id, exc)
        else:  # another job may try again at once
            part.lease_until = now_utc()
            db.session.commit()
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    recover_report(report_id, queue=_current_queue())


def join_job(report_id: int) -> None:
    """RQ: join a report's stored parts (all done) into the report."""
    report = db.session.get(FeedbackReport, report_id)
    if report is None or report.status != ReportStatus.RENDERING:
        return
    parts = list(
        db.session.scalars(
            sa.select(ReportPart)
            .where(ReportPart.report_id == report_id)
            .order_by(ReportPart.number)
        )
    )
    if not parts or any(p.status != PartStatus.DONE for p in parts):
        return
    if not _claim(FeedbackReport, report_id, statuses=("rendering",)):
        return
    report = db.session.get(FeedbackReport, report_id)
    plan = report.plan
    store = storage()
    workdir = tempfile.mkdtemp(prefix="consult-join-")
    try:
        with _heartbeat(FeedbackReport, report_id):
            fonts = {int(w): str(store.path(k)) for w, k in plan["fonts"].items()}
            csv = plan["csv"]
            attachment = pdfjoin.Attachment(str(store.path(csv["key"])), csv["size"], csv["md5"])
            out = os.path.join(workdir, "report.pdf")
            with open(out, "wb") as fh:
                joiner = pdfjoin.Joiner(fh, fonts, pdf.folio(plan["locale"]))
                for part in parts:
                    joiner.add(
                        pdfjoin.Part(
                            str(store.path(part.storage_key)),
                            part.pages,
                            [tuple(b) for b in part.bookmarks or []],
                        ),
                        attachment=attachment if part.number == 0 else None,
                    )
                pages = joiner.finish()
            db.session.rollback()
            keys = [p.storage_key for p in parts] + [csv["key"], *plan["fonts"].values()]
            report = db.session.get(FeedbackReport, report_id)
            _store(report, out, pages)
        for key in keys:
            store.delete(key)
    except Exception as exc:
        log.exception("joining feedback report %s failed", report_id)
        db.session.rollback()
        if db.session.get(FeedbackReport, report_id).attempts >= MAX_ATTEMPTS:
            _fail(report_id, exc)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _job_alive(queue, job_id: str | None) -> bool:
    """Whether RQ still has the job queued or running (a lost job: Redis flushed, failed)."""
    if not job_id:
        return False
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        status = Job.fetch(job_id, connection=queue.connection).get_status()
    except NoSuchJobError:
        return False
    return str(getattr(status, "value", status)) in ("queued", "started", "deferred", "scheduled")


def recover_report(report_id: int, *, queue=None, now: datetime | None = None) -> str | None:
    """Move a report on that is being rendered by RQ jobs: parts whose lease expired (their
    worker died) or whose job was lost are enqueued again; when every part is done, the join
    is enqueued. Returns what was done."""
    now = now or now_utc()
    report = db.session.get(FeedbackReport, report_id)
    if report is None or report.status != ReportStatus.RENDERING:
        return None
    queue = queue or _queue()
    parts = list(db.session.scalars(sa.select(ReportPart).where(ReportPart.report_id == report_id)))
    if not parts:
        if report.lease_until is None or report.lease_until < now:
            if report.attempts >= MAX_ATTEMPTS:
                _fail(report_id, "planning did not finish after several attempts")
                return "failed"
            enqueue_report(report_id, queue)
            return "planning again"
        return None
    waiting = [p for p in parts if p.status != PartStatus.DONE]
    if not waiting:
        if report.lease_until is None or report.lease_until < now:
            queue.enqueue("consult.jobs.report_join_job", report_id, job_timeout=JOIN_TIMEOUT)
            return "joining"
        return None
    again = 0
    for part in waiting:
        expired = part.status == PartStatus.RENDERING and (
            part.lease_until is None or part.lease_until < now
        )
        lost = part.status == PartStatus.PENDING and (
            (part.lease_until is not None and part.lease_until < now)
            or not _job_alive(queue, part.job_id)
        )
        if expired or lost:
            if part.attempts >= MAX_ATTEMPTS:
                _fail(report_id, f"part {part.number} failed {part.attempts} times")
                return "failed"
            _enqueue_part(part, queue)
            again += 1
    db.session.commit()
    return f"{again} part(s) enqueued again" if again else None


def recover(now: datetime | None = None) -> list[str]:
    """The tick's part: every report still pending or rendering whose renderer is gone is
    taken up again (RQ: its parts, its join or its plan re-enqueued; without Redis: rendered
    here, in this process). Returns what was done, in words."""
    now = now or now_utc()
    mode = current_app.config.get("REPORT_RENDERING") or (
        "rq" if current_app.config.get("REDIS_URL") else "thread"
    )
    done = []
    stale = now - _lease()
    reports = db.session.scalars(
        sa.select(FeedbackReport).where(
            FeedbackReport.status.in_((ReportStatus.PENDING, ReportStatus.RENDERING)),
            sa.or_(
                FeedbackReport.status == ReportStatus.RENDERING,
                FeedbackReport.requested_at < stale,
            ),
        )
    ).all()
    for report in reports:
        report_id = report.id
        if mode == "rq":
            if report.status == ReportStatus.PENDING:
                if report.lease_until is None or report.lease_until < now:
                    report.status = ReportStatus.RENDERING.value
                    db.session.commit()
                    enqueue_report(report_id)
                    done.append(f"report {report_id}: planning")
                continue
            what = recover_report(report_id, now=now)
        elif report.lease_until is None or report.lease_until < now:
            if report.attempts >= MAX_ATTEMPTS:
                _fail(report_id, "rendering did not finish after several attempts")
                what = "failed"
            else:
                what = f"rendered again: {render_here(report_id).status}"
        else:
            what = None
        if what:
            done.append(f"report {report_id}: {what}")
    return done
