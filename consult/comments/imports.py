"""Importing a file of comments in the browser: the department's staff upload the 12345
hotline's export or the letters they typed in (CSV or XLSX) to a consultation; the file is
checked row by row (a preview: each row's problems, or the first rows as they will be
stored), and on the go-ahead imported all or nothing through `services.import_comments`.

A large file is checked and imported by a job (`consult.jobs.start`: RQ on Redis when
configured, else a thread), which records its progress on the CommentImport row; a small one
within the request. The file waits in the storage meanwhile. Each job run carries the row's
`attempt`: a run started again after a stop supersedes the old one, which then writes
nothing. The import itself is one transaction with the row's "imported" state, so the
comments are stored exactly when the row says so.

The services here never commit, except the jobs, which run outside any request (like the
report rendering).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from consult import jobs
from consult.accounts.models import Actor
from consult.accounts.models import require_manager
from consult.comments import intake
from consult.comments import rules
from consult.comments import services
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import CommentImport
from consult.comments.models import ImportStatus
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core import files
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations
from consult.core.storage import storage
from consult.core.time import configured_zone_name
from consult.core.time import now_utc
from consult.core.transactions import read_phase
from consult.extensions import db

log = logging.getLogger(__name__)

# Rows checked between two progress reports (one short write each).
CHECK_CHUNK = 5000
BODY_PREVIEW = 120


def start_import(
    consultation: Consultation,
    filename: str,
    data: bytes,
    *,
    default_source: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> CommentImport:
    """Take a file of comments for a consultation: only its department's staff, and not once
    its feedback is published. The file must be a CSV or XLSX table of at most
    MAX_IMPORT_BYTES whose first row names the columns; `default_source` is the source of
    the rows that name none (None: every row names its own). The file is stored and waits
    for its check (`run_job`)."""
    require_manager(actor, consultation)
    services._feedback_not_published(consultation)
    now = now or now_utc()
    if default_source in ("", None):
        default_source = None
    elif default_source not in rules.IMPORT_SOURCES:
        raise RuleViolation("source", _l("Choose where the comments came from."))
    if not isinstance(data, bytes):
        raise RuleViolation("file", _l("Choose a file."))
    # A CSV's encoding and header are checked here and now (decoding is quick); opening an
    # XLSX workbook reads all its shared strings (seconds for a large one), so its header is
    # the check job's first step.
    kind = intake.file_kind(data)
    reader = (
        intake.SheetReader(data, zone_name=configured_zone_name(), default_source=default_source)
        if kind == intake.KIND_CSV
        else None
    )
    key, digest = storage().save(data)
    upload = CommentImport(
        consultation=consultation,
        uploaded_by_id=getattr(actor, "id", None),
        filename=files.safe_filename(filename if isinstance(filename, str) else ""),
        kind=kind,
        encoding=reader.encoding if reader else None,
        size=len(data),
        sha256=digest,
        storage_key=key,
        default_source=default_source,
        status=ImportStatus.CHECKING.value,
        rows_total=reader.estimated_rows if reader else None,
        ignored_columns=reader.ignored[:20] if reader else [],
        created_at=now,
        updated_at=now,
    )
    stored = {"consultation": consultation.id, "sha256": digest, "size": len(data)}
    return audit.added(upload, "uploaded", actor=actor, now=now, details=stored)


def confirm_import(
    upload: CommentImport, *, actor: Actor, now: datetime | None = None
) -> CommentImport:
    """The go-ahead for a checked file: it is imported next (`run_job`), all or nothing. A
    file already imported, being imported or refused is not imported (again)."""
    require_manager(actor, upload.consultation)
    services._feedback_not_published(upload.consultation)
    now = now or now_utc()
    _take_turn(
        upload,
        ImportStatus.CHECKED,
        now,
        status=ImportStatus.IMPORTING.value,
        confirmed_by_id=getattr(actor, "id", None),
    )
    audit.record(upload, "confirmed", actor=actor, now=now, details={"rows": upload.rows_total})
    return upload


def restart_import(
    upload: CommentImport, *, actor: Actor, now: datetime | None = None
) -> CommentImport:
    """Start a job again that stopped: nothing heard from it for IMPORT_STALLED_AFTER (a
    worker that died), or stopped by an error of the platform's. The stopped run, should it
    wake up, writes nothing."""
    require_manager(actor, upload.consultation)
    now = now or now_utc()
    if upload.status == ImportStatus.FAILED:
        # It failed in the step it was in: the import, once confirmed, else the check.
        step = ImportStatus.IMPORTING if upload.confirmed_by_id else ImportStatus.CHECKING
        _take_turn(upload, upload.status, now, status=step.value, failure=None)
    elif is_stalled(upload, now):
        _take_turn(upload, upload.status, now)
    else:
        raise RuleViolation(None, _l("This file is still being worked on. Please wait."))
    return upload


def _take_turn(upload: CommentImport, expected: str, now: datetime, **changes: Any) -> None:
    """Move the row on to a new run of its job, if it is still in the `expected` status (a
    second click, or another officer, finds it moved on)."""
    done = db.session.execute(
        sa.update(CommentImport)
        .where(
            CommentImport.id == upload.id,
            CommentImport.status == expected,
            CommentImport.attempt == upload.attempt,
        )
        .values(attempt=CommentImport.attempt + 1, updated_at=now, **changes)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise RuleViolation(None, _l("This file is no longer waiting for that."))
    db.session.refresh(upload)


def is_stalled(upload: CommentImport, now: datetime | None = None) -> bool:
    return upload.is_working and (now or now_utc()) - upload.updated_at > (
        rules.IMPORT_STALLED_AFTER
    )


def in_request(upload: CommentImport) -> bool:
    """Whether the file is small enough to be checked and imported within the request."""
    return upload.size <= current_app.config["COMMENT_IMPORT_IN_REQUEST_BYTES"]


def schedule(upload: CommentImport) -> str:
    """After the commit: run the row's next step (its check, or its import), within this
    request for a small file, else as a job (COMMENT_IMPORT_JOBS: rq, thread or inline)."""
    config = current_app.config
    mode = (
        "inline"
        if in_request(upload)
        else config.get("COMMENT_IMPORT_JOBS") or ("rq" if config.get("REDIS_URL") else "thread")
    )
    return jobs.start(
        run_job,
        upload.id,
        upload.attempt,
        mode=mode,
        queue="imports",
        timeout=int(rules.IMPORT_JOB_TIMEOUT.total_seconds()),
    )


# --- the job -------------------------------------------------------------------------------


def run_job(import_id: int, attempt: int) -> None:
    """The job: check the file (status "checking") or import it ("importing"). Commits: it
    runs outside any request. A run whose attempt is no longer the row's does nothing."""
    # Read without SQLite's write lock: the check writes only its progress, a moment a chunk.
    with read_phase():
        upload = db.session.get(CommentImport, import_id)
        if upload is None or upload.attempt != attempt or not upload.is_working:
            return
        for person in (upload.uploaded_by, upload.confirmed_by):
            if person is not None:
                person.role  # noqa: B018 (loaded now, read by the permission checks)
        upload.consultation.activities  # noqa: B018
    try:
        if upload.status == ImportStatus.CHECKING:
            _check(upload, attempt)
        else:
            _import(upload, attempt)
    except Exception as exc:  # the page must say it stopped, not "working" for ever
        log.exception("comment import %s failed", import_id)
        db.session.rollback()
        _finish(
            import_id,
            attempt,
            status=ImportStatus.FAILED.value,
            failure=f"{type(exc).__name__}: {exc}"[:2000],
        )
        db.session.commit()


def _rows(upload: CommentImport, reader: intake.SheetReader) -> Iterator[intake.Row]:
    """The file's rows as the browser import takes them: only the sources gathered offline
    (rules.IMPORT_SOURCES)."""
    for row in reader.rows():
        source = row.record.get("source")
        if source in SOURCE_VALUES and source not in rules.IMPORT_SOURCES:
            row.problems.append(
                intake.RowError(
                    row.number,
                    "source",
                    _l(
                        "Comments from this source are not imported from a file: use one of "
                        "the sources listed on the import page."
                    ),
                )
            )
        yield row


def _reader(upload: CommentImport) -> intake.SheetReader:
    return intake.SheetReader(
        storage().read(upload.storage_key),
        zone_name=configured_zone_name(),
        default_source=upload.default_source,
    )


def _check(upload: CommentImport, attempt: int) -> None:
    """Read and check every row, a chunk at a time, reporting progress after each; nothing
    is written but the row's progress and outcome."""
    import_id = upload.id
    consultation, actor = upload.consultation, upload.uploaded_by
    found = _Findings()
    try:
        reader = _reader(upload)
        _finish(
            import_id,
            attempt,
            rows_total=reader.estimated_rows,
            ignored_columns=reader.ignored[:20],
        )
        db.session.commit()
        rows = _rows(upload, reader)
        while chunk := list(itertools.islice(rows, CHECK_CHUNK)):
            found.read(chunk)
            readable = [row for row in chunk if not row.problems]
            with read_phase():
                refused = services.check_import(
                    consultation, [row.record for row in readable], actor=actor
                )
            found.refused(readable, refused)
            if not _finish(import_id, attempt, rows_checked=found.rows):
                db.session.rollback()
                return  # a newer run took over
            db.session.commit()
    except (RuleViolation, Forbidden) as exc:  # the file as a whole, or the consultation
        db.session.rollback()
        found.whole(exc)
    _finish(
        import_id,
        attempt,
        status=(ImportStatus.REFUSED if found.count else ImportStatus.CHECKED).value,
        checked_at=now_utc(),
        **found.outcome(),
    )
    db.session.commit()


def _import(upload: CommentImport, attempt: int) -> None:
    """Import every row in one transaction, with the row's "imported" state; any refusal
    (the consultation's feedback was published meanwhile, a clause was removed) leaves
    nothing stored and the file refused with its reasons."""
    import_id = upload.id
    found = _Findings()
    try:
        rows = list(_rows(upload, _reader(upload)))
        found.read(rows)
        if not found.count:
            receipts = services.import_comments(
                upload.consultation,
                [row.record for row in rows],
                actor=upload.confirmed_by or upload.uploaded_by,
            )
            now = now_utc()
            if not _finish(
                import_id,
                attempt,
                expect=ImportStatus.IMPORTING,
                status=ImportStatus.IMPORTED.value,
                imported_count=len(receipts),
                first_receipt=receipts[0],
                last_receipt=receipts[-1],
                imported_at=now,
                rows_checked=len(rows),
            ):
                db.session.rollback()  # a newer run took over: it imports, not this one
                return
            db.session.commit()
            return
    except RuleViolations as exc:
        db.session.rollback()
        found.refused(rows, exc.violations)
    except (RuleViolation, Forbidden) as exc:
        db.session.rollback()
        found.whole(exc)
    _finish(import_id, attempt, status=ImportStatus.REFUSED.value, **found.outcome())
    db.session.commit()


def _finish(import_id: int, attempt: int, expect: str | None = None, **values: Any) -> bool:
    """Write a run's progress or outcome, if the run is still the row's (and the row still
    in `expect`)."""
    stmt = sa.update(CommentImport).where(
        CommentImport.id == import_id, CommentImport.attempt == attempt
    )
    if expect is not None:
        stmt = stmt.where(CommentImport.status == expect)
    values.setdefault("updated_at", now_utc())
    done = db.session.execute(stmt.values(**values).execution_options(synchronize_session=False))
    return done.rowcount == 1


class _Findings:
    """What a check finds: the rows read, the problems (the first IMPORT_LISTED_ERRORS
    listed, the rows with any counted), the first rows for the preview, and how many rows
    come from each source."""

    def __init__(self) -> None:
        self.rows = 0
        self.count = 0  # rows with problems
        self.errors: list[dict[str, Any]] = []
        self.preview: list[dict[str, Any]] = []
        self.sources: dict[str, int] = {}

    def read(self, rows: list[intake.Row]) -> None:
        self.rows += len(rows)
        for row in rows:
            if len(self.preview) < rules.IMPORT_PREVIEW_ROWS:
                self.preview.append(_previewed(row))
            source = row.record.get("source")
            if isinstance(source, str) and source in SOURCE_VALUES:
                self.sources[source] = self.sources.get(source, 0) + 1
            if row.problems:
                self.count += 1
                for problem in row.problems:
                    self._list(problem.row, problem.field, problem.message)

    def refused(self, rows: list[intake.Row], violations: list[RuleViolation]) -> None:
        for violation in violations:
            number = rows[violation.index].number if violation.index is not None else None
            self.count += 1
            self._list(number, _column(violation.field), violation.message)
        self.errors.sort(key=lambda e: e["row"] or 0)

    def whole(self, exc: RuleViolation | Forbidden) -> None:
        self.count = max(self.count, 1)
        field = getattr(exc, "field", None)
        self.errors.insert(0, _stored(None, field if field == "file" else None, exc.message))
        del self.errors[rules.IMPORT_LISTED_ERRORS :]

    def _list(self, row: int | None, field: str | None, message: Any) -> None:
        if len(self.errors) < rules.IMPORT_LISTED_ERRORS:
            self.errors.append(_stored(row, field, message))

    def outcome(self) -> dict[str, Any]:
        return {
            "rows_total": self.rows,
            "rows_checked": self.rows,
            "error_count": self.count,
            "errors": self.errors,
            "preview": self.preview,
            "sources": self.sources,
        }


def _column(field: str | None) -> str | None:
    # The service names the offline time "received_at" for a form; the file's column is one.
    return "submitted_at" if field == "received_at" else field


def _previewed(row: intake.Row) -> dict[str, Any]:
    record = row.record
    moment = record.get("submitted_at")
    body = record.get("body") if isinstance(record.get("body"), str) else ""
    return {
        "row": row.number,
        "source": record.get("source") if record.get("source") in SOURCE_VALUES else None,
        "submitted_at": moment.isoformat() if isinstance(moment, datetime) else None,
        "author_name": str(record.get("author_name") or "")[:50],
        "show_name": record.get("show_name") is True,
        "contact": bool(record.get("contact")),  # whether one was given; never the value
        "body": body[:BODY_PREVIEW] + ("…" if len(body) > BODY_PREVIEW else ""),
        "clause": str(record.get("clause") or "")[:10] or None,
    }


# --- messages, stored untranslated and shown in the reader's language ----------------------


def _stored(row: int | None, field: str | None, message: Any) -> dict[str, Any]:
    """A problem as the row keeps it: the message's English msgid and its values, so that
    the page shows it in the language of whoever reads it."""
    msgid = getattr(message, "_args", (None,))[0] if hasattr(message, "_func") else None
    params = getattr(message, "_kwargs", {}) if msgid is not None else {}
    return {
        "row": row,
        "field": field,
        "msgid": msgid if isinstance(msgid, str) else str(message),
        "params": {k: v if isinstance(v, int | float) else str(v) for k, v in params.items()},
    }


def shown(problem: dict[str, Any]) -> str:
    """A stored problem's message, translated."""
    params = problem.get("params") or {}
    return gettext(problem["msgid"], **params) if params else gettext(problem["msgid"])


def field_label(field: str | None) -> str:
    if field == "file":
        return gettext("The file")
    label = intake.COLUMN_LABELS.get(field or "")
    return f"{label}（{intake.column_heading(field)}）" if label else ""


def recent_imports(consultation: Consultation, limit: int = 10) -> list[CommentImport]:
    return list(
        db.session.scalars(
            sa.select(CommentImport)
            .where(CommentImport.consultation_id == consultation.id)
            .order_by(CommentImport.id.desc())
            .limit(limit)
        )
    )
