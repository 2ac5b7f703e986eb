"""Submitting a comment and the receipt pages; the department's side of comments: entering
those received offline, moderation (withholding with a reason, publishing again), attachments."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from consult.comments import grouping, services
from consult.comments.forms import CommentForm, HideForm, OfflineCommentForm, ReceiptLookupForm
from consult.comments.limits import comment_limits
from consult.comments.models import Comment
from consult.consultations import views as consultation_views
from consult.consultations.forms import DeleteForm
from consult.consultations.views import _page, comment_form_for
from consult.core.auth import staff_only
from consult.core.errors import Forbidden, NotFound, RuleViolation
from consult.core.forms import carry_out, sent_or_400, show_violation
from consult.core.storage import send_stored
from consult.core.time import from_local, now_utc
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
def add_offline_comment(consultation_id: int):
    consultation = consultation_views._managed(consultation_id)
    form = consultation_views.offline_form_for(consultation, OfflineCommentForm(prefix="offline"))
    if form.validate_on_submit() and (
        done := carry_out(
            form,
            lambda: services.enter_offline_comment(
                consultation,
                {
                    "source": form.source.data,
                    "activity_id": form.activity_id.data or None,
                    "received_at": from_local(form.received_at.data, consultation_views._zone()),
                    "clause": form.clause.data or None,
                    "author_name": form.author_name.data,
                    "show_name": form.show_name.data,
                    "contact": form.contact.data,
                    "body": form.body.data,
                },
                actor=current_user,
            ),
        )
    ):
        flash(
            _("Comment entered. Its receipt number is %(receipt)s.", receipt=done.value.receipt),
            "success",
        )
        return redirect(
            url_for("manage_consultations.manage", consultation_id=consultation.id) + "#offline"
        )
    return consultation_views._manage_page(consultation, offline_form=form, status_code=422)


def _managed_comment(comment_id: int) -> Comment:
    comment = db.get_or_404(Comment, comment_id)
    if not comment.consultation.can_manage(current_user):
        raise Forbidden()
    return comment


def _back_to(comment: Comment):
    """The consultation's screen, at the comment just handled."""
    return redirect(
        url_for("manage_consultations.manage", consultation_id=comment.consultation_id)
        + f"#comment-{comment.id}"
    )


@manage_bp.post("/comments/<int:comment_id>/hide")
def hide_comment(comment_id: int):
    comment = _managed_comment(comment_id)
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
    comment = _managed_comment(comment_id)
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
