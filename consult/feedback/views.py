"""The feedback workspace, answer templates, and the public report downloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from consult.accounts.models import Department
from consult.accounts.models import User
from consult.comments import rules as comment_rules
from consult.comments.models import SOURCE_VALUES
from consult.comments.models import Comment
from consult.consultations.models import Consultation
from consult.core.auth import managed_or_403
from consult.core.auth import staff_only
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_back
from consult.core.forms import sent_or_400
from consult.core.forms import show_violation
from consult.core.storage import send_stored
from consult.core.storage import storage
from consult.core.time import now_utc
from consult.extensions import db
from consult.feedback import rules
from consult.feedback import selection
from consult.feedback import services
from consult.feedback.forms import AssignForm
from consult.feedback.forms import CorrectionForm
from consult.feedback.forms import DispositionForm
from consult.feedback.forms import PublishForm
from consult.feedback.forms import TemplateForm
from consult.feedback.models import AnswerTemplate
from consult.feedback.models import FeedbackReport
from consult.feedback.models import ReportStatus

bp = Blueprint("feedback", __name__)
manage_bp = Blueprint("manage_feedback", __name__, url_prefix="/manage")


# --- public ------------------------------------------------------------------------------


def _report_file(report: FeedbackReport | None):
    if report is None or report.status != ReportStatus.READY or report.file is None:
        abort(404)
    return send_file(
        storage().path(report.file.storage_key),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"feedback-report-{report.consultation_id}-v{report.version}.pdf",
        max_age=3600,
        etag=report.sha256,
    )


@bp.get("/consultations/<int:consultation_id>/reports/<int:version>.pdf")
def report_pdf(consultation_id: int, version: int):
    report = db.session.scalar(
        sa.select(FeedbackReport).where(
            FeedbackReport.consultation_id == consultation_id, FeedbackReport.version == version
        )
    )
    return _report_file(report)


@bp.get("/consultations/<int:consultation_id>/revised-draft")
def revised_draft(consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.feedback_published_at is None or consultation.revised_draft is None:
        abort(404)
    f = consultation.revised_draft
    return send_stored(f.storage_key, f.content_type, f.filename)


# --- the department's workspace ----------------------------------------------------------


staff_only(manage_bp)


def _filter_args() -> dict[str, str]:
    """The workspace's filter as it stands in the URL (kept across every form's round trip)."""
    args = {k: v for k in selection.FIELDS if k != "comment_ids" and (v := request.args.get(k, ""))}
    if request.args.get("unanswered") == "1" and "state" not in args:
        args["state"] = selection.UNANSWERED  # the links of earlier versions
    return args


def _back(consultation: Consultation, anchor: str = ""):
    return redirect(
        url_for("manage_feedback.workspace", consultation_id=consultation.id, **_filter_args())
        + anchor,
        code=303,
    )


def _workspace(
    consultation: Consultation, *, problems=None, failed_comment_id=None, **sent: FlaskForm
):
    """The workspace. `sent` is a form just sent back, by its name on the page
    (bulk_form=...; comment_form with the `failed_comment_id` it answered): shown again as
    typed, with why it was refused (422)."""
    sent = sent_back(sent, ("bulk_form", "assign_form", "publish_form", "comment_form"))
    now = now_utc()
    status_code = 422 if sent else 200
    args = _filter_args()
    filter_error = None
    try:
        chosen = selection.parse(args, consultation)
    except RuleViolation as exc:
        chosen, filter_error = selection.Selection(), exc
        status_code = max(status_code, 422) if request.method == "POST" else 422
    page = selection.comments_page(
        consultation, chosen, after=request.args.get("after", 0, type=db_int) or 0
    )
    groups, more_groups = selection.groups_page(
        consultation, request.args.get("groups", 1, type=db_int) or 1
    )
    tally = services.answer_progress_of(consultation)
    department = consultation.matter.department
    officers = selection.officers_of(consultation)
    bulk_form = sent.get("bulk_form") or DispositionForm(prefix="bulk")
    assign_form = sent.get("assign_form") or AssignForm(prefix="assign")
    assign_form.officer.choices = choices(
        [("", _("Nobody (take back)"))] + [(str(o.id), o.display_name) for o in officers]
    )
    template_id = request.args.get("template", type=db_int)
    if template_id and request.method == "GET":
        template = db.session.get(AnswerTemplate, template_id)
        if template and template.department_id == department.id:
            bulk_form.disposition.data, bulk_form.reason.data = (
                template.disposition,
                template.reason,
            )
    clauses = {cl.id: cl for cl in consultation.clauses}
    return render_template(
        "feedback/workspace.html",
        c=consultation,
        now=now,
        page=page,
        groups=groups,
        more_groups=more_groups,
        group_page=request.args.get("groups", 1, type=db_int) or 1,
        tally=tally,
        clauses=clauses,
        officers={o.id: o for o in officers},
        filters=chosen,
        filter_args=args,
        filter_error=filter_error,
        state_labels=selection.STATE_LABELS,
        bulk_form=bulk_form,
        assign_form=assign_form,
        may_assign=services.may_assign(current_user, consultation),
        publish_form=sent.get("publish_form") or PublishForm(prefix="publish"),
        correction_form=CorrectionForm(prefix="correction"),
        problems=problems,
        templates=services.templates_for(department.id),
        reports=services.reports(consultation),
        due=rules.feedback_due(consultation.closes_at, services.feedback_period()),
        overdue=rules.is_overdue(
            consultation.closes_at,
            consultation.feedback_published_at,
            now,
            services.feedback_period(),
        ),
        failed_comment_id=failed_comment_id,
        comment_form=sent.get("comment_form"),
        source_values=SOURCE_VALUES,
        # Translated once for the page's up to 50 comments.
        source_names={k.value: str(v) for k, v in comment_rules.SOURCE_LABELS.items()},
        disposition_options=[(k.value, str(v)) for k, v in rules.DISPOSITION_LABELS.items()],
    ), status_code


@manage_bp.get("/consultations/<int:consultation_id>/feedback")
def workspace(consultation_id: int):
    return _workspace(managed_or_403(Consultation, consultation_id))


def _scope(consultation: Consultation) -> selection.Selection | list[int]:
    """What a bulk form applies to: the ticked comments, or every comment the page's filter
    matches (the filter travels in the form's URL)."""
    if request.form.get("scope") == "filter":
        return selection.parse(_filter_args(), consultation)
    # A duplicate group's checkbox carries all its members' ids, comma-separated.
    raw = ",".join(request.form.getlist("comment_ids")).split(",")
    return sorted({int(v) for v in raw if v.strip().isdigit() and len(v) < 10})


@manage_bp.post("/consultations/<int:consultation_id>/feedback/dispose")
def dispose(consultation_id: int):
    """One comment (comment_id), the ticked ones, or every one the filter matches."""
    consultation = managed_or_403(Consultation, consultation_id)
    single = request.form.get("comment_id", type=db_int)
    form = DispositionForm(prefix=f"c{single}" if single else "bulk")
    if not form.validate_on_submit():
        return _workspace(consultation, bulk_form=form)
    data = {
        "disposition": form.disposition.data or None,
        "reason": form.reason.data,
        "duplicate_of": form.duplicate_of.data or None,
        "draft": request.form.get("draft") == "1",
    }

    def answer() -> int:
        if single:
            comment = db.get_or_404(Comment, single)
            if comment.consultation_id != consultation.id:
                abort(404)
            services.correct_disposition(comment, data, actor=current_user)
            return 1
        scope = _scope(consultation)
        if isinstance(scope, selection.Selection):
            if not form.everything.data:
                raise RuleViolation(
                    "everything", _("Confirm that the answer applies to every matching comment.")
                )
            return services.answer_selection(consultation, scope, data, actor=current_user)
        return services.dispose_comments(consultation, scope, data, actor=current_user)

    if done := carry_out(form, answer, aliases={"comment_ids": "disposition"}):
        flash(_("%(n)d comment(s) answered.", n=done.value), "success")
        return _back(consultation, f"#comment-{single}" if single else "")
    # A refused single answer is shown again on its own comment, a bulk one on the bulk form.
    if single:
        return _workspace(consultation, failed_comment_id=single, comment_form=form)
    return _workspace(consultation, bulk_form=form)


@manage_bp.post("/consultations/<int:consultation_id>/feedback/confirm")
def confirm(consultation_id: int):
    """Confirm the drafted answers among the ticked comments or the filter's."""
    consultation = managed_or_403(Consultation, consultation_id)
    form = sent_or_400(DispositionForm(prefix="bulk"))
    if done := carry_out(
        form,
        lambda: services.confirm_drafts(
            consultation, _selection_of(consultation, _scope(consultation)), actor=current_user
        ),
    ):
        flash(_("%(n)d drafted answer(s) confirmed.", n=done.value), "success")
        return _back(consultation)
    return _workspace(consultation, bulk_form=form)


def _selection_of(consultation: Consultation, scope) -> selection.Selection:
    if isinstance(scope, selection.Selection):
        return scope
    if not scope:
        raise RuleViolation("comment_ids", _("Select at least one comment."))
    return selection.parse({"comment_ids": scope}, consultation)


@manage_bp.post("/consultations/<int:consultation_id>/feedback/assign")
def assign(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    form = AssignForm(prefix="assign")
    form.officer.choices = choices(
        [("", "")] + [(str(o.id), o.display_name) for o in selection.officers_of(consultation)]
    )
    if not form.validate_on_submit():
        return _workspace(consultation, assign_form=form)

    def assign_them() -> int:
        officer = db.session.get(User, int(form.officer.data)) if form.officer.data else None
        return services.assign_selection(
            consultation,
            _selection_of(consultation, _scope(consultation)),
            officer,
            actor=current_user,
        )

    if done := carry_out(form, assign_them, aliases={"comment_ids": "officer"}):
        flash(_("%(n)d comment(s) assigned.", n=done.value), "success")
        return _back(consultation)
    return _workspace(consultation, assign_form=form)


@manage_bp.post("/consultations/<int:consultation_id>/feedback/publish")
def publish(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    form = PublishForm(prefix="publish")
    if not form.validate_on_submit():
        # The missing answers are listed too, so that ticking the box is not the first of
        # several refusals.
        problems = services.closing_problems(consultation) or None
        return _workspace(consultation, publish_form=form, problems=problems)
    upload = form.revised_draft.data
    revised = (upload.filename, upload.read()) if getattr(upload, "filename", "") else None
    try:
        report = services.publish_feedback(
            consultation,
            {"summary": form.summary.data, "revised_draft": revised},
            actor=current_user,
        )
    except RuleViolation as exc:
        db.session.rollback()
        problems = (
            services.closing_problems(consultation) if exc.code == "feedback_incomplete" else None
        )
        if exc.code != "feedback_incomplete":
            show_violation(form, exc)
        return _workspace(consultation, publish_form=form, problems=problems)
    db.session.commit()
    services.schedule_render(report.id)
    flash(_("The feedback is published. The PDF report is being prepared."), "success")
    return redirect(
        url_for("consultations.detail", consultation_id=consultation.id) + "#feedback", code=303
    )


@manage_bp.post("/consultations/<int:consultation_id>/feedback/corrections")
def correction(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    form = sent_or_400(CorrectionForm(prefix="correction"))
    if done := carry_out(
        None,
        lambda: services.request_correction(consultation, form.note.data, actor=current_user),
        after_commit=lambda report: services.schedule_render(report.id),
    ):
        flash(_("Version %(v)d of the report is being prepared.", v=done.value.version), "success")
    return redirect(url_for("manage_feedback.workspace", consultation_id=consultation.id), code=303)


# --- answer templates --------------------------------------------------------------------


def _department_for_templates() -> Department:
    if current_user.is_admin:  # the office keeps every department's templates
        dept_id = request.args.get("department", type=db_int) or request.form.get(
            "department", type=db_int
        )
        dept = db.session.get(Department, dept_id) if dept_id else None
        if dept is None:
            dept = db.session.scalar(
                sa.select(Department).where(Department.active).order_by(Department.id)
            )
        if dept is None:
            abort(404)
        return dept
    return current_user.department


@manage_bp.route("/answer-templates", methods=["GET", "POST"])
@manage_bp.route("/answer-templates/<int:template_id>", methods=["GET", "POST"])
def answer_templates(template_id: int | None = None):
    template = db.get_or_404(AnswerTemplate, template_id) if template_id else None
    department = template.department if template else _department_for_templates()
    if template is not None and not template.can_manage(current_user):
        raise Forbidden()
    form = TemplateForm(obj=template)
    if request.method == "POST" and request.form.get("delete") and template is not None:
        services.delete_template(template, actor=current_user)
        db.session.commit()
        flash(_("The template has been deleted."), "success")
        return redirect(
            url_for("manage_feedback.answer_templates", department=department.id), code=303
        )
    if form.validate_on_submit() and carry_out(
        form,
        lambda: services.save_template(
            department,
            {
                "title": form.title.data,
                "disposition": form.disposition.data or None,
                "reason": form.reason.data,
            },
            actor=current_user,
            template=template,
        ),
    ):
        flash(_("Saved."), "success")
        return redirect(
            url_for("manage_feedback.answer_templates", department=department.id), code=303
        )
    departments = (
        list(db.session.scalars(sa.select(Department).order_by(Department.id)))
        if current_user.is_admin
        else []
    )
    return render_template(
        "feedback/templates.html",
        form=form,
        template=template,
        department=department,
        templates=services.templates_for(department.id),
        departments=departments,
    ), (422 if form.errors else 200)
