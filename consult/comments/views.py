"""Submitting a comment and the receipt pages; the department's side of comments: entering
those received offline, moderation (withholding with a reason, publishing again), attachments."""

from __future__ import annotations

import io
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import jsonify
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.comments import grouping
from consult.comments import imports
from consult.comments import intake
from consult.comments import rules
from consult.comments import services
from consult.comments.forms import CommentForm
from consult.comments.forms import CommentImportForm
from consult.comments.forms import HideForm
from consult.comments.forms import ImportStepForm
from consult.comments.forms import OfflineCommentForm
from consult.comments.forms import ReceiptLookupForm
from consult.comments.limits import comment_limits
from consult.comments.models import Comment
from consult.comments.models import CommentImport
from consult.consultations import views as consultation_views
from consult.consultations.forms import DeleteForm
from consult.consultations.models import Consultation
from consult.consultations.views import _page
from consult.consultations.views import comment_form_for
from consult.core.auth import managed_or_403
from consult.core.auth import staff_only
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_or_400
from consult.core.forms import show_violation
from consult.core.http import upload_limit
from consult.core.storage import send_stored
from consult.core.time import configured_zone_name
from consult.core.time import from_local
from consult.core.time import now_utc
from consult.core.transactions import read_phase
from consult.extensions import db

bp = Blueprint("comments", __name__)
# The department's handling of comments: entering offline ones, moderation, attachments.
manage_bp = Blueprint("manage_comments", __name__, url_prefix="/manage")
staff_only(manage_bp)


@bp.post("/consultations/<int:consultation_id>/comments")
@comment_limits
def submit(consultation_id: int):
    """A resident's comment: checked without the database, then stored by one guarded INSERT
    (the window and the clause checked in it), committed, and grouped after the commit. On
    SQLite the write lock is held for that INSERT only."""
    form = CommentForm()
    if not form.validate_on_submit():
        return _refused(consultation_id, form)
    if form.website.data:
        # A bot filled the hidden field. Say no, in words a person would understand.
        form.form_errors.append(_("Your comment could not be accepted. Please try again."))
        return _refused(consultation_id, form)
    upload = form.attachment.data
    attachment = (upload.filename, upload.read()) if getattr(upload, "filename", "") else None
    now = now_utc()
    with read_phase():  # a signed-in resident's account is read without the write lock
        user = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        draft = services.check_comment(
            consultation_id,
            {
                "author_name": form.author_name.data,
                "show_name": bool(form.show_name.data),
                "contact": form.contact.data,
                "body": form.body.data,
                "clause": form.clause.data or None,
                "consent": bool(form.consent.data),
            },
            now=now,
            ip=request.remote_addr,
            user=user,
            attachment=attachment,
        )
        receipt = services.store_comment(draft).receipt
        db.session.commit()
    except RuleViolation as exc:
        db.session.rollback()
        return _refused(consultation_id, form, exc, attachment is not None, now)
    grouping.after_commit()
    return redirect(url_for("comments.receipt", number=receipt, new=1), code=303)


def _refused(
    consultation_id: int,
    form: CommentForm,
    exc: RuleViolation | None = None,
    had_attachment: bool = False,
    now: datetime | None = None,
):
    """The consultation page again with the form as it was sent and what is wrong with it
    (that the consultation is not open, first)."""
    with read_phase():
        consultation = services.consultation_for_comment(consultation_id)
        if exc is not None:
            show_violation(form, services.refusal(consultation, exc, now or now_utc()))
        if had_attachment:
            _ask_for_the_file_again(form)
        return _page(consultation, comment_form_for(consultation, form), 422)


def _ask_for_the_file_again(form: CommentForm) -> None:
    form.attachment.errors = [
        *form.attachment.errors,
        _("For your safety the browser does not keep a chosen file: please choose it again."),
    ]


def limited(consultation_id: int):
    """A submission over the limit: the consultation page with the form as it was typed and
    why it was not taken (429), in the site's layout."""
    form = CommentForm()
    form.form_errors.append(
        _(
            "Several comments were sent from this connection in a short time, so this one was "
            "not taken yet. Please wait a minute and send it again: your text is kept below."
        )
    )
    with read_phase():
        try:
            consultation = services.consultation_for_comment(consultation_id)
        except NotFound:
            return None  # the usual 429 page
        if getattr(form.attachment.data, "filename", ""):
            _ask_for_the_file_again(form)
        return make_response(_page(consultation, comment_form_for(consultation, form), 429))


@bp.get("/receipts")
def lookup():
    form = ReceiptLookupForm(request.args)
    if form.number.data:
        try:
            comment = services.find_by_receipt(form.number.data)
        except NotFound as exc:
            form.number.errors = [exc.message]
            return render_template("comments/lookup.html", form=form), 404
        return redirect(url_for("comments.receipt", number=comment.receipt))
    return render_template("comments/lookup.html", form=form)


@bp.get("/receipts/<number>")
def receipt(number: str):
    comment = services.find_by_receipt(number)
    return render_template(
        "comments/receipt.html",
        comment=comment,
        record=services.receipt_record(comment),
        new=request.args.get("new") == "1",
    )


# --- the department's handling of comments ------------------------------------------------


@manage_bp.post("/consultations/<int:consultation_id>/offline-comments")
@consultation_views.manage_form("offline_form", anchor="#offline")
def add_offline_comment(consultation: Consultation, form: OfflineCommentForm) -> str:
    comment = services.enter_offline_comment(
        consultation,
        {
            "source": form.source.data,
            "activity_id": form.activity_id.data or None,
            "received_at": from_local(form.received_at.data, configured_zone_name()),
            "clause": form.clause.data or None,
            "author_name": form.author_name.data,
            "show_name": form.show_name.data,
            "contact": form.contact.data,
            "body": form.body.data,
        },
        actor=current_user,
    )
    return _("Comment entered. Its receipt number is %(receipt)s.", receipt=comment.receipt)


def _back_to(comment: Comment):
    """The consultation's screen, at the comment just handled."""
    return redirect(
        url_for("manage_consultations.manage", consultation_id=comment.consultation_id)
        + f"#comment-{comment.id}"
    )


@manage_bp.post("/comments/<int:comment_id>/hide")
def hide_comment(comment_id: int):
    comment = managed_or_403(Comment, comment_id, via="consultation")
    form = sent_or_400(HideForm(prefix="hide"))
    if carry_out(
        None,
        lambda: services.hide_comment(
            comment, form.reason.data, form.note.data, actor=current_user
        ),
    ):
        flash(
            _("Comment %(receipt)s is now withheld from the public.", receipt=comment.receipt),
            "success",
        )
    return _back_to(comment)


@manage_bp.post("/comments/<int:comment_id>/publish")
def publish_comment(comment_id: int):
    comment = managed_or_403(Comment, comment_id, via="consultation")
    sent_or_400(DeleteForm(prefix="delete"))
    services.publish_comment(comment, actor=current_user)
    db.session.commit()
    flash(_("Comment %(receipt)s is published.", receipt=comment.receipt), "success")
    return _back_to(comment)


@manage_bp.get("/comments/<int:comment_id>/attachment")
def comment_attachment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id)
    if not comment.consultation.can_manage(current_user) or comment.attachment is None:
        abort(404)
    f = comment.attachment
    return send_stored(f.storage_key, f.content_type, f.filename)


# --- importing a file of comments (comments.imports) ---------------------------------------

# The request may carry the largest file and the form around it.
IMPORT_REQUEST_BYTES = rules.MAX_IMPORT_BYTES + 64 * 1024
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def import_form_for(
    consultation: Consultation, form: CommentImportForm | None = None, source: str | None = None
) -> CommentImportForm:
    """The upload form, offering the consultations the user manages whose feedback is not
    yet published (the one at hand first chosen); a refused upload keeps what was chosen."""
    form = form or CommentImportForm(
        formdata=None, data={"consultation": str(consultation.id), "source": source or ""}
    )
    managed = db.session.execute(
        sa.select(Consultation.id, Consultation.title)
        .where(
            Consultation.managed_by(current_user),
            Consultation.feedback_published_at.is_(None),
        )
        .order_by(Consultation.closes_at.desc(), Consultation.id.desc())
    ).all()
    offered = [(str(cid), title) for cid, title in managed]
    if str(consultation.id) not in dict(offered):
        offered.insert(0, (str(consultation.id), consultation.title))
    form.consultation.choices = choices(offered)
    return form


def _imports_page(consultation: Consultation, form: CommentImportForm, status_code: int = 200):
    return (
        render_template(
            "comments/imports.html",
            c=consultation,
            form=form,
            imports=imports.recent_imports(consultation),
            columns=intake.COLUMNS,
            labels=intake.COLUMN_LABELS,
            required=intake.REQUIRED,
            source_names=_source_names(),
            max_mb=rules.MAX_IMPORT_BYTES // (1024 * 1024),
            max_rows=rules.MAX_IMPORT_ROWS,
            IMPORT_STATUS_LABELS=rules.IMPORT_STATUS_LABELS,
        ),
        status_code,
    )


def _source_names() -> list[tuple[str, list[str]]]:
    """Each importable source with the words a file may write for it."""
    words: dict[str, list[str]] = {value: [value] for value in rules.IMPORT_SOURCES}
    for word, source in intake.SOURCE_NAMES.items():
        if source in words:
            words[source].append(word)
    return list(words.items())


@manage_bp.get("/consultations/<int:consultation_id>/imports")
def imports_page(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    return _imports_page(consultation, import_form_for(consultation))


@manage_bp.post("/comment-imports")
@upload_limit(IMPORT_REQUEST_BYTES)
def upload_comments():
    """A file of comments: stored and checked (a job for a large file), then its preview."""
    consultation = managed_or_403(
        Consultation,
        request.form.get("consultation", type=db_int)
        or request.args.get("consultation", 0, type=db_int),
    )
    form = import_form_for(consultation, CommentImportForm())
    upload = form.file.data
    chosen = bool(getattr(upload, "filename", ""))
    valid = form.validate_on_submit()
    if valid and not chosen:
        form.file.errors = [_("Choose a file.")]
    elif valid and (
        done := carry_out(
            form,
            lambda: imports.start_import(
                consultation,
                upload.filename,
                upload.read(),
                default_source=form.source.data or None,
                actor=current_user,
            ),
            after_commit=imports.schedule,
        )
    ):
        return redirect(url_for(".import_status", import_id=done.value.id), code=303)
    if chosen:
        form.file.errors = [
            *form.file.errors,
            _("For your safety the browser does not keep a chosen file: please choose it again."),
        ]
    return _imports_page(consultation, form, 422)


@manage_bp.get("/comment-imports/<int:import_id>")
def import_status(import_id: int):
    upload = managed_or_403(CommentImport, import_id, via="consultation")
    refused = upload.status == "refused"
    return render_template(
        "comments/import.html",
        upload=upload,
        c=upload.consultation,
        step_form=ImportStepForm(),
        stalled=imports.is_stalled(upload),
        preview=[
            {**r, "received_at": datetime.fromisoformat(r["submitted_at"])}
            if r.get("submitted_at")
            else r
            for r in upload.preview
        ],
        IMPORT_STATUS_LABELS=rules.IMPORT_STATUS_LABELS,
        problems=[
            {**p, "message": imports.shown(p), "label": imports.field_label(p.get("field"))}
            for p in upload.errors
        ],
        form=import_form_for(upload.consultation, source=upload.default_source)
        if refused
        else None,
        max_mb=rules.MAX_IMPORT_BYTES // (1024 * 1024),
        # Seconds between two looks at a working job (the page without JavaScript reloads).
        refresh=3 if upload.is_working else None,
    )


@manage_bp.get("/comment-imports/<int:import_id>/progress")
def import_progress(import_id: int):
    """The progress as JSON, for the page's script (which then needs no reload)."""
    upload = managed_or_403(CommentImport, import_id, via="consultation")
    response = jsonify(status=upload.status, checked=upload.rows_checked, total=upload.rows_total)
    response.headers["Cache-Control"] = "no-store"
    return response


@manage_bp.post("/comment-imports/<int:import_id>/<any(import, restart):step>")
def import_step(import_id: int, step: str):
    """The go-ahead for a checked file ("import"), or a stopped job started again
    ("restart"); the job runs after the commit."""
    upload = managed_or_403(CommentImport, import_id, via="consultation")
    if not ImportStepForm().validate_on_submit():
        abort(400)
    action = imports.confirm_import if step == "import" else imports.restart_import
    carry_out(None, lambda: action(upload, actor=current_user), after_commit=imports.schedule)
    return redirect(url_for(".import_status", import_id=upload.id), code=303)


@manage_bp.get("/comment-imports/template.<any(csv, xlsx):kind>")
def import_template(kind: str):
    """The template of a file of comments: the header row and two example rows."""
    data = intake.template_csv() if kind == "csv" else intake.template_xlsx()
    return send_file(
        io.BytesIO(data),
        mimetype=TEMPLATE_TYPES[kind],
        as_attachment=True,
        download_name=f"意见导入模板.{kind}",
    )
