"""Feedback state changes and queries: dispositions (one or in bulk), answer templates,
publishing the feedback, and the versioned PDF report. Never commits, except the report
job, which runs outside any request."""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import has_app_context
from flask_babel import lazy_gettext as _l

from consult.accounts.models import Actor
from consult.accounts.models import Department
from consult.accounts.models import User
from consult.accounts.models import require_manager
from consult.comments import grouping
from consult.comments.models import Comment
from consult.comments.models import Disposition
from consult.comments.models import DuplicateGroup
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.core import audit
from consult.core import files
from consult.core import ids
from consult.core import values
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.errors import found
from consult.core.forms import db_int
from consult.core.time import now_utc
from consult.extensions import db
from consult.feedback import answers
from consult.feedback import progress as answer_tally
from consult.feedback import rules
from consult.feedback import selection as sel
from consult.feedback.answers import ANSWERED
from consult.feedback.answers import DRAFTED
from consult.feedback.answers import UNANSWERED
from consult.feedback.models import AnswerTemplate
from consult.feedback.models import FeedbackReport
from consult.feedback.models import ReportStatus

log = logging.getLogger(__name__)

REVISED_DRAFT_KINDS = {files.KIND_PDF, files.KIND_DOCX, files.KIND_ODT}


def feedback_period() -> timedelta:
    days = current_app.config.get("FEEDBACK_PERIOD_DAYS") if has_app_context() else None
    return timedelta(days=days) if days else rules.FEEDBACK_PERIOD


def _require_answerable(consultation: Consultation, now: datetime) -> None:
    """Answers may be drafted from the day the window opens, so that a department is not left
    with the whole load on closing day; they stay internal until the feedback is published."""
    if now < consultation.opens_at:
        raise RuleViolation(None, _l("Comments are answered once the consultation opens."))
    if consultation.feedback_published_at is not None:
        raise RuleViolation(
            None, _l("The feedback is published; a correction is made as a new report version.")
        )


# --- dispositions ------------------------------------------------------------------------


def _duplicate_target(comment: Comment, ref: Any) -> int | None:
    if ref in (None, ""):
        return None
    target = None
    if (
        isinstance(ref, int)
        and not isinstance(ref, bool)
        or (isinstance(ref, str) and ref.isdigit())
    ):
        try:
            target = db.session.get(Comment, db_int(str(ref)))
        except ValueError:
            target = None
    elif isinstance(ref, str):
        receipt = ids.normalise_receipt(ref)
        target = (
            db.session.scalar(sa.select(Comment).where(Comment.receipt == receipt))
            if receipt
            else None
        )
    if target is None or target.consultation_id != comment.consultation_id:
        raise RuleViolation("duplicate_of", _l("Unknown comment in this consultation."))
    if target.id == comment.id:
        raise RuleViolation("duplicate_of", _l("A comment cannot be a duplicate of itself."))
    return target.id


class _Answer(NamedTuple):
    disposition: str
    reason: str | None
    duplicate_of: int | None
    draft: bool


def _checked_answer(comment: Comment, data: dict[str, Any]) -> _Answer:
    """The answer `data` gives `comment`, checked."""
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason"))
    draft = _draft_flag(data)
    duplicate_of = _duplicate_target(comment, data.get("duplicate_of"))
    if duplicate_of is not None and disposition != Disposition.NOT_APPLICABLE:
        raise RuleViolation(
            "duplicate_of", _l("Only a “not applicable” answer can point to a duplicate.")
        )
    return _Answer(disposition, reason, duplicate_of, draft)


def _answer(comment: Comment, answer: _Answer, actor: Actor, now: datetime) -> None:
    _shift(
        comment.consultation,
        [Comment.id == comment.id],
        state=DRAFTED if answer.draft else ANSWERED,
    )
    comment.disposition, comment.disposition_reason = answer.disposition, answer.reason
    comment.duplicate_of_id, comment.answer_draft = answer.duplicate_of, answer.draft
    comment.disposed_at, comment.disposed_by_id = now, getattr(actor, "id", None)
    db.session.flush()


def dispose_comment(
    comment: Comment, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Comment:
    """Answer one comment: a disposition, and a reason unless it is adopted (rule 3); saved as
    a draft to confirm when `data["draft"]` is true."""
    consultation = comment.consultation
    require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    answer = _checked_answer(comment, data)
    given = comment.answer
    old = (given.disposition, given.reason, given.draft) if given else (None, None, False)
    _answer(comment, answer, actor, now)
    if old != (answer.disposition, answer.reason, answer.draft):
        audit.record(
            comment,
            "disposed",
            actor=actor,
            now=now,
            details={"disposition": answer.disposition, "previous": old[0]}
            | ({"draft": True} if answer.draft else {}),
        )
    return comment


def _draft_flag(data: dict[str, Any]) -> bool:
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise RuleViolation("draft", _l("Say yes or no."))
    return draft


def _shift(consultation: Consultation, where: list, **change: Any) -> int:
    """Keep the answer-progress tally with what is about to change (under the grouping lock,
    so that a grouping batch counting the same comments waits); how many counted comments
    it moved."""
    grouping.lock_consultation(consultation.id)
    return answer_tally.move(consultation.id, where, **change)


def _selected(consultation: Consultation, selection: Any) -> tuple[sel.Selection, list]:
    chosen = (
        selection if isinstance(selection, sel.Selection) else sel.parse(selection, consultation)
    )
    return chosen, sel.where(consultation, chosen)


def _bulk_duplicate_target(
    consultation: Consultation, ref: Any, disposition: str, where: list
) -> int | None:
    """The comment that many others duplicate; not one of them."""
    if ref in (None, ""):
        return None
    probe = Comment(id=0, consultation_id=consultation.id)
    target = _duplicate_target(probe, ref)
    if disposition != Disposition.NOT_APPLICABLE:
        raise RuleViolation(
            "duplicate_of", _l("Only a “not applicable” answer can point to a duplicate.")
        )
    if db.session.scalar(sa.select(Comment.id).where(*where, Comment.id == target)) is not None:
        raise RuleViolation("duplicate_of", _l("A comment cannot be a duplicate of itself."))
    return target


def _nothing_selected() -> RuleViolation:
    return RuleViolation(
        "selection", _l("No comment matches this selection."), code="empty_selection"
    )


def _selection_done(
    consultation: Consultation,
    action: str,
    chosen: sel.Selection,
    updated: int,
    *,
    actor: Actor,
    now: datetime | None,
    **details: Any,
) -> int:
    """After a set-based change to what a selection matched: refused if it matched nothing,
    else the loaded objects are expired (the statements bypassed them) and one event records
    the selection, how many comments changed, and `details`. Returns that count."""
    if not updated:
        raise _nothing_selected()
    db.session.expire_all()
    audit.record(
        consultation,
        action,
        actor=actor,
        now=now,
        details={"selection": chosen.record(), "count": updated, **details},
    )
    return updated


def answer_selection(
    consultation: Consultation,
    selection: Any,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """One disposition and reason for every comment a selection matches (a whole group, the
    rest of a group, "every unanswered hotline comment on clause 3", ticked boxes), in a few
    set-based statements however many they are. A whole group, or the rest of one, is answered
    in the group's row, which its members without an answer of their own read (900,000 copies
    of a campaign letter: one row written); any other selection writes its comments' rows.
    The audit log records one event with the selection and the count."""
    require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    chosen, where = _selected(consultation, selection)
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason"))
    draft = _draft_flag(data)
    duplicate_of = _bulk_duplicate_target(
        consultation, data.get("duplicate_of"), disposition, where
    )
    written = {
        "disposition": disposition,
        "disposition_reason": reason,
        "answer_draft": draft,
        "disposed_at": now,
        "disposed_by_id": getattr(actor, "id", None),
    }
    state = DRAFTED if draft else ANSWERED
    if duplicate_of is None and _of_one_group(chosen, UNANSWERED):
        updated = _answer_group(consultation, chosen, written, state)
    elif duplicate_of is None and _of_everything(chosen, UNANSWERED):
        updated = _answer_everything(consultation, chosen, where, written, state)
    else:
        _shift(consultation, where, state=state)
        updated = _update(where, written | {"duplicate_of_id": duplicate_of})
    return _selection_done(
        consultation,
        "answered_in_bulk",
        chosen,
        updated,
        actor=actor,
        now=now,
        disposition=disposition,
        draft=draft,
    )


_NO_ANSWER = dict.fromkeys(
    ("disposition", "disposition_reason", "duplicate_of_id", "disposed_at", "disposed_by_id")
) | {"answer_draft": False}


def _of_one_group(chosen: sel.Selection, state: str) -> bool:
    """All the members of one group, or those of them in `state`: answered in the group."""
    return (
        chosen.group_id is not None
        and chosen.state in (None, state)
        and dataclasses.replace(chosen, group_id=None, state=None).is_empty
    )


def _of_everything(chosen: sel.Selection, state: str) -> bool:
    """Every comment of the consultation, or every one in `state`: its groups answered in
    their rows, the comments in no group in theirs."""
    return chosen.state in (None, state) and dataclasses.replace(chosen, state=None).is_empty


def _answer_everything(
    consultation: Consultation,
    chosen: sel.Selection,
    where: list,
    written: dict[str, Any],
    state: str,
) -> int:
    updated = _shift(consultation, where, state=state)
    groups = [DuplicateGroup.consultation_id == consultation.id]
    if chosen.state is None:
        _update([*where, Comment.duplicate_group_id.is_not(None), answers.OWN], _NO_ANSWER)
    else:
        groups.append(DuplicateGroup.disposition.is_(None))
    db.session.execute(
        sa.update(DuplicateGroup)
        .where(*groups)
        .values(written)
        .execution_options(synchronize_session=False)
    )
    _update([*where, Comment.duplicate_group_id.is_(None)], written)
    return updated


def _update(where: list, values: dict[str, Any]) -> int:
    return db.session.execute(
        sa.update(Comment).where(*where).values(values).execution_options(synchronize_session=False)
    ).rowcount


def _answer_group(
    consultation: Consultation, chosen: sel.Selection, written: dict[str, Any], state: str
) -> int:
    """The group's answer, for its members without one of their own; for the whole group
    (no state chosen) the members' own answers give way to it."""
    group = db.session.get(DuplicateGroup, chosen.group_id)
    if chosen.state == UNANSWERED and group.disposition is not None:
        return 0  # its answer is every member's that has none: nobody is left
    # (`where` less the probe of the group per row: its answer is known to be none)
    members = [Comment.duplicate_group_id == group.id]
    if chosen.state == UNANSWERED:
        members.append(Comment.disposition.is_(None))
    updated = _shift(consultation, members, state=state, current=answers.state_in(group))
    if chosen.state is None:
        _update([Comment.duplicate_group_id == group.id, answers.OWN], _NO_ANSWER)
    for key, value in written.items():
        setattr(group, key, value)
    db.session.flush()
    return updated


def confirm_drafts(
    consultation: Consultation, selection: Any, *, actor: Actor, now: datetime | None = None
) -> int:
    """Confirm the drafted answers a selection matches, each as it was drafted. A group's
    drafted answer is confirmed in the group's row when the selection is the group; a member
    chosen by another filter gets the group's answer as its own, confirmed."""
    require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    chosen, where = _selected(consultation, selection)
    if _of_one_group(chosen, DRAFTED):
        group = db.session.get(DuplicateGroup, chosen.group_id)
        # the drafted members, the group's state known (no probe of the group per row)
        where = [Comment.duplicate_group_id == group.id, answers.drafted_in(group)]
        updated = _shift(consultation, where, state=ANSWERED, current=answers.state_in(group))
        _update([*where, answers.OWN], {"answer_draft": False})
        group.answer_draft = False
        db.session.flush()
    else:
        where = [*where, answers.IS_DRAFTED]
        updated = _shift(consultation, where, state=ANSWERED)
        _update([*where, answers.OWN], {"answer_draft": False})
        _update([*where, sa.not_(answers.OWN)], _group_answer_confirmed())
    return _selection_done(consultation, "drafts_confirmed", chosen, updated, actor=actor, now=now)


def _group_answer_confirmed() -> dict[str, Any]:
    """UPDATE values: the comment's group's answer, as its own and confirmed."""
    group = DuplicateGroup.__table__.alias("drafting_group")

    def of_group(column: str):
        return (
            sa.select(group.c[column])
            .where(group.c.id == Comment.duplicate_group_id)
            .scalar_subquery()
        )

    return {
        column: of_group(column)
        for column in ("disposition", "disposition_reason", "disposed_at", "disposed_by_id")
    } | {"answer_draft": False}


def may_assign(actor: Actor, consultation: Consultation) -> bool:
    """The government office, or the head of the lead department."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        return False
    if actor.is_admin:
        return True
    return bool(getattr(actor, "department_head", False)) and consultation.can_manage(actor)


def assign_selection(
    consultation: Consultation,
    selection: Any,
    officer: User | None,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """Give the comments a selection matches (a group, a clause, a filter) to one officer of
    the lead department to answer; `officer` None takes them back."""
    if not may_assign(actor, consultation):
        raise Forbidden(_l("Only the government office or the department's head assigns comments."))
    if officer is not None and not sel.may_answer_for(officer, consultation):
        raise RuleViolation("officer", _l("Not an officer of this consultation's department."))
    if consultation.feedback_published_at is not None:
        raise RuleViolation(None, _l("The feedback is published; nothing is left to assign."))
    chosen, where = _selected(consultation, selection)
    _shift(consultation, where, assignee=officer.id if officer else None)
    updated = db.session.execute(
        sa.update(Comment)
        .where(*where)
        .values(assigned_to_id=officer.id if officer else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return _selection_done(
        consultation,
        "comments_assigned",
        chosen,
        updated,
        actor=actor,
        now=now,
        officer_id=officer.id if officer else None,
    )


def dispose_comments(
    consultation: Consultation,
    comment_ids: list[int],
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> int:
    """Apply one disposition and reason to ticked comments of a consultation. All or nothing."""
    require_manager(actor, consultation)
    if not comment_ids:
        raise RuleViolation("comment_ids", _l("Select at least one comment."))
    ids = sorted(set(comment_ids))
    known = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.id.in_(ids), Comment.consultation_id == consultation.id)
    )
    if known != len(ids):
        raise RuleViolation("comment_ids", _l("Unknown comment in this consultation."))
    return answer_selection(
        consultation, sel.Selection(comment_ids=tuple(ids)), data, actor=actor, now=now
    )


def group_member_ids(comment: Comment) -> list[int]:
    if comment.duplicate_group_id is None:
        return [comment.id]
    return list(
        db.session.scalars(
            sa.select(Comment.id).where(Comment.duplicate_group_id == comment.duplicate_group_id)
        )
    )


# --- answer templates --------------------------------------------------------------------


def save_template(
    department: Department,
    data: dict[str, Any],
    *,
    actor: Actor,
    template: AnswerTemplate | None = None,
    now: datetime | None = None,
) -> AnswerTemplate:
    if template is not None and template.department_id != department.id:
        # Someone else's template reached through one's own department: not theirs to edit.
        raise Forbidden(_l("This template belongs to another department."))
    require_manager(actor, department.id)
    title = (data.get("title") or "").strip()
    if not title:
        raise RuleViolation("title", _l("Give the template a title."))
    if len(title) > rules.MAX_TEMPLATE_TITLE:
        raise RuleViolation("title", _l("At most %(n)d characters.", n=100))
    disposition = data.get("disposition")
    reason = rules.check_disposition(disposition, data.get("reason")) or ""
    clash = db.session.scalar(
        sa.select(AnswerTemplate.id).where(
            AnswerTemplate.department_id == department.id,
            AnswerTemplate.title == title,
            AnswerTemplate.id != (template.id if template else -1),
        )
    )
    if clash is not None:
        raise RuleViolation("title", _l("Another template already has this title."))
    template = template or AnswerTemplate(department_id=department.id)
    template.title, template.disposition, template.reason = title, disposition, reason
    template.updated_at = now or now_utc()
    db.session.add(template)
    db.session.flush()
    return template


def delete_template(template: AnswerTemplate, *, actor: Actor) -> None:
    require_manager(actor, template)
    db.session.delete(template)
    db.session.flush()


def templates_for(department_id: int) -> list[AnswerTemplate]:
    return list(
        db.session.scalars(
            sa.select(AnswerTemplate)
            .where(AnswerTemplate.department_id == department_id)
            .order_by(AnswerTemplate.title)
        )
    )


# --- closing with feedback ---------------------------------------------------------------


def all_comments_query(consultation: Consultation) -> sa.Select:
    return (
        sa.select(Comment)
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.submitted_at, Comment.id)
    )


def all_comments(consultation: Consultation) -> list[Comment]:
    return list(db.session.scalars(all_comments_query(consultation)))


_OPEN_ANSWER = sa.or_(answers.IS_UNANSWERED, answers.IS_DRAFTED, answers.NO_REASON)


def open_answers(consultation: Consultation) -> int:
    """How many comments still stand between the consultation and its feedback: without an
    answer, or with a drafted one not confirmed (a count of the consultation's rows, made
    when the feedback is about to be published, not on every page)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Comment)
        .where(Comment.consultation_id == consultation.id, _OPEN_ANSWER)
    )


def closing_problems(consultation: Consultation, limit: int = 20) -> list[tuple[Comment, str]]:
    """The first `limit` comments that keep the feedback from being published, and why."""
    first = db.session.scalars(
        sa.select(Comment)
        .where(Comment.consultation_id == consultation.id, _OPEN_ANSWER)
        .order_by(Comment.id)
        .limit(limit)
    )
    return rules.closing_problems(first)


def publish_feedback(
    consultation: Consultation,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> FeedbackReport:
    """Close the consultation with feedback: only when every comment has a disposition and
    every one not adopted has a reason. Publishes the answers and requests the PDF report."""
    require_manager(actor, consultation)
    now = now or now_utc()
    _require_answerable(consultation, now)
    if now < consultation.closes_at:
        raise RuleViolation(
            None,
            _l("The feedback is published after the consultation closes."),
            code="consultation_open",
        )
    waiting = open_answers(consultation)
    if waiting:
        problems = closing_problems(consultation)
        listed = "; ".join(f"{c.receipt} {rules.PROBLEM_LABELS[p]}" for c, p in problems)
        more = waiting - len(problems)
        raise RuleViolation(
            "comments",
            _l(
                "%(n)d comment(s) still need an answer: %(list)s",
                n=waiting,
                list=listed + (f" … (+{more})" if more > 0 else ""),
            ),
            code="feedback_incomplete",
        )
    summary = values.required_text(
        data,
        "summary",
        rules.MAX_SUMMARY,
        _l("Summarise how the draft changed after the consultation."),
    )
    revised = data.get("revised_draft")
    if revised is not None:
        upload = files.check_upload(
            revised[0],
            revised[1],
            REVISED_DRAFT_KINDS,
            rules.MAX_REVISED_DRAFT_BYTES,
            "revised_draft",
        )
        consultation.revised_draft = consultations.store_file(upload, now=now)
    consultation.feedback_summary = summary
    consultation.feedback_published_at = now
    report = FeedbackReport(
        consultation=consultation, version=1, status=ReportStatus.PENDING.value, requested_at=now
    )
    counts = _count_answers(consultation)
    audit.added(
        report, "feedback_published", about=consultation, actor=actor, now=now, details=dict(counts)
    )
    consultations.on_matter_timeline(
        consultation,
        "consultation_feedback_published",
        actor=actor,
        now=now,
        title=consultation.title,
        comments=sum(counts.values()),
    )
    return report


def _count_answers(consultation: Consultation) -> dict[str, int]:
    """The comments per disposition (one statement over the consultation, when its feedback
    is published or corrected); stores how many are answered and how many with a reason."""
    rows = db.session.execute(
        answers.joined(
            sa.select(
                answers.DISPOSITION,
                sa.func.count(),
                sa.func.count().filter(answers.REASON_GIVEN),
            )
        )
        .where(Comment.consultation_id == consultation.id)
        .group_by(answers.DISPOSITION)
    ).all()
    consultation.feedback_answered = sum(n for d, n, _ in rows if d is not None)
    consultation.feedback_with_reason = sum(r for d, _, r in rows if d is not None)
    return {d: n for d, n, _ in rows}


def request_correction(
    consultation: Consultation, note: str, *, actor: Actor, now: datetime | None = None
) -> FeedbackReport:
    """A new version of the report (e.g. after correcting an answer). Old versions stay."""
    require_manager(actor, consultation)
    if consultation.feedback_published_at is None:
        raise RuleViolation(None, _l("The feedback has not been published yet."))
    note = values.text(
        note,
        "note",
        rules.MAX_CORRECTION_NOTE,
        required=True,
        message=_l("Say what the new version corrects."),
    )
    version = (
        db.session.scalar(
            sa.select(sa.func.max(FeedbackReport.version)).where(
                FeedbackReport.consultation_id == consultation.id
            )
        )
        or 0
    ) + 1
    _count_answers(consultation)
    report = FeedbackReport(
        consultation=consultation,
        version=version,
        correction_note=note,
        status=ReportStatus.PENDING.value,
        requested_at=now or now_utc(),
    )
    requested = {"version": version, "note": note[:200]}
    return audit.added(
        report,
        "report_version_requested",
        about=consultation,
        actor=actor,
        now=now,
        details=requested,
    )


def correct_disposition(
    comment: Comment, data: dict[str, Any], *, actor: Actor, now: datetime | None = None
) -> Comment:
    """After publication an answer can still be corrected; the caller then requests a new
    report version, so the published record of what changed stays complete."""
    consultation = comment.consultation
    require_manager(actor, consultation)
    if consultation.feedback_published_at is None:
        return dispose_comment(comment, data, actor=actor, now=now)
    answer = _checked_answer(comment, data)._replace(draft=False)  # published: no drafts
    now = now or now_utc()
    given = comment.answer
    old = {"disposition": given and given.disposition, "reason": given and given.reason}
    _answer(comment, answer, actor, now)
    audit.record(
        comment,
        "disposition_corrected",
        actor=actor,
        now=now,
        details={"old": old, "new": {"disposition": answer.disposition, "reason": answer.reason}},
    )
    return comment


# --- queries -----------------------------------------------------------------------------


def progress(consultation: Consultation) -> tuple[int, int]:
    """(answered, total): confirmed answers, out of the comments taken in, from the tally."""
    tally = answer_progress_of(consultation).total
    return tally.answered, tally.comments


def answer_progress_of(consultation: Consultation) -> answer_tally.Progress:
    return answer_tally.progress_of(consultation.id)


def _without_feedback(
    closed: sa.ColumnElement[bool], department_id: int | None, managed_by: Actor | None
) -> list[Consultation]:
    """Consultations `closed` whose feedback is not published: for a department
    (`department_id`), for what `managed_by` may manage, or for all."""
    stmt = (
        sa.select(Consultation)
        .where(Consultation.feedback_published_at.is_(None), closed)
        .order_by(Consultation.closes_at)
    )
    if department_id is not None:
        from consult.catalogue.models import DecisionMatter

        stmt = stmt.join(Consultation.matter).where(DecisionMatter.department_id == department_id)
    if managed_by is not None:
        stmt = stmt.where(Consultation.managed_by(managed_by))
    return list(db.session.scalars(stmt))


def overdue(
    department_id: int | None = None,
    now: datetime | None = None,
    *,
    managed_by: Actor | None = None,
) -> list[Consultation]:
    """Closed consultations whose feedback is past due: for a department, for what
    `managed_by` may manage, or for all."""
    due_before = (now or now_utc()) - feedback_period()
    return _without_feedback(Consultation.closes_at < due_before, department_id, managed_by)


def awaiting_feedback(
    department_id: int | None = None,
    now: datetime | None = None,
    *,
    managed_by: Actor | None = None,
) -> list[Consultation]:
    """Closed consultations whose feedback is not yet published (the same choice of scope)."""
    closed = Consultation.closes_at <= (now or now_utc())
    return _without_feedback(closed, department_id, managed_by)


def reports(consultation: Consultation) -> list[FeedbackReport]:
    return list(
        db.session.scalars(
            sa.select(FeedbackReport)
            .where(FeedbackReport.consultation_id == consultation.id)
            .order_by(FeedbackReport.version.desc())
        )
    )


def latest_ready_report(consultation: Consultation) -> FeedbackReport | None:
    return db.session.scalar(
        sa.select(FeedbackReport)
        .where(
            FeedbackReport.consultation_id == consultation.id,
            FeedbackReport.status == ReportStatus.READY,
        )
        .order_by(FeedbackReport.version.desc())
        .limit(1)
    )


def get_report(report_id: int) -> FeedbackReport:
    return found(db.session.get(FeedbackReport, report_id))


# --- the PDF report ----------------------------------------------------------------------


def report_data(report: FeedbackReport, locale: str | None = None) -> dict[str, Any]:
    """What the PDF shows besides its table, in `locale` (default: the platform's language,
    zh-Hans: the published report is the official Chinese document, whoever asked for it),
    counted set-based. The table itself streams from the database while the report renders
    (consult/feedback/report.py). No contact details or IPs ever enter it (rule 6)."""
    from consult.feedback import report as reports

    locale = locale or current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh_Hans"
    return reports.header(report, locale)


def render_report_now(report_id: int, *, workers: int | None = None) -> FeedbackReport:
    """Render and store one report version in this process (and its worker pool). Commits:
    it runs as a job, outside requests."""
    from consult.feedback import report as reports

    return reports.render_here(report_id, workers=workers)


def _render_in_new_context(app: Flask, report_id: int) -> None:
    with app.app_context():
        render_report_now(report_id)


def schedule_render(report_id: int) -> str:
    """Start rendering after the commit: RQ on Redis when configured (the report's parts are
    jobs of their own), else a thread (or inline when REPORT_RENDERING=inline, as in tests
    and the demo seeding). `flask tick` takes up a report whose renderer died."""
    mode = current_app.config.get("REPORT_RENDERING") or (
        "rq" if current_app.config.get("REDIS_URL") else "thread"
    )
    if mode == "inline":
        render_report_now(report_id)
    elif mode == "rq":
        from consult.feedback import report as reports

        # Its parts are RQ jobs too: every worker on the queue renders some.
        reports.enqueue_report(report_id)
    else:
        app = current_app._get_current_object()
        threading.Thread(
            target=_render_in_new_context,
            args=(app, report_id),
            daemon=True,
            name=f"report-{report_id}",
        ).start()
    return mode
