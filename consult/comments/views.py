"""Submitting a comment, and the receipt pages."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.comments import services
from consult.comments.forms import CommentForm, ReceiptLookupForm
from consult.consultations.models import Consultation
from consult.consultations.views import _page, comment_form_for
from consult.core.errors import NotFound, RuleViolation
from consult.core.forms import show_violation
from consult.extensions import db, limiter

bp = Blueprint("comments", __name__)


def _comment_limit() -> str:
    return current_app.config["COMMENT_RATE_LIMIT"]


@bp.post("/consultations/<int:consultation_id>/comments")
@limiter.limit(_comment_limit)
def submit(consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    form = comment_form_for(consultation, CommentForm())
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled the hidden field. Say no, in words a person would understand.
            form.form_errors.append(_("Your comment could not be accepted. Please try again."))
            return _page(consultation, form, 422)
        upload = form.attachment.data
        attachment = (upload.filename, upload.read()) if getattr(upload, "filename", "") else None
        try:
            comment = services.submit_comment(
                consultation,
                {
                    "author_name": form.author_name.data,
                    "show_name": bool(form.show_name.data),
                    "contact": form.contact.data,
                    "body": form.body.data,
                    "clause": form.clause.data or None,
                    "consent": bool(form.consent.data),
                },
                ip=request.remote_addr,
                user=current_user if current_user.is_authenticated else None,
                attachment=attachment,
            )
        except RuleViolation as exc:
            db.session.rollback()
            show_violation(form, exc)
            if attachment is not None:
                form.attachment.errors = [
                    *form.attachment.errors,
                    _(
                        "For your safety the browser does not keep a chosen file: please choose it again."
                    ),
                ]
        else:
            db.session.commit()
            return redirect(url_for("comments.receipt", number=comment.receipt, new=1), code=303)
    return _page(consultation, form, 422)


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
