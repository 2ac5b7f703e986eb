"""Subscribing, confirming and unsubscribing (public), and the government office's view of
the development outbox."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import Department
from consult.catalogue.models import DecisionMatter
from consult.core.auth import admin_only
from consult.core.errors import RuleViolation
from consult.core.forms import choices
from consult.core.forms import show_violation
from consult.core.time import now_utc
from consult.core.urls import safe_local_path
from consult.extensions import csrf
from consult.extensions import db
from consult.extensions import limiter
from consult.notifications import mails
from consult.notifications import outbox
from consult.notifications import rules
from consult.notifications import services
from consult.notifications.forms import ConfirmForm
from consult.notifications.forms import SubscribeForm
from consult.notifications.forms import UnsubscribeForm

log = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__)
outbox_bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
PREFIX = "subscribe"  # field names on pages that may carry other forms


def _subscribe_limit() -> str:
    return current_app.config.get("SUBSCRIBE_RATE_LIMIT") or "5 per minute;30 per day"


def _sent_message() -> str:
    # One answer for every case, so the form never tells whether an address is subscribed.
    return _(
        "Thank you. If the address can receive mail, a message with a confirmation link is on "
        "its way. Nothing else is sent until you confirm."
    )


def topic_choices(topic: str | None = None) -> list:
    """All new consultations, then each active department (and a matter, when given)."""
    pairs = [("all", _("All new public consultations"))]
    if topic and topic.startswith("matter:"):
        try:
            _scope, matter_id = rules.parse_topic(topic)
        except ValueError:
            matter_id = None
        matter = db.session.get(DecisionMatter, matter_id) if matter_id else None
        if matter is not None and matter.is_published:
            pairs.append((topic, _("Consultations on “%(title)s”", title=matter.title)))
    departments = db.session.scalars(
        sa.select(Department).where(Department.active).order_by(Department.id)
    )
    pairs += [
        (f"department:{d.id}", _("Consultations of %(department)s", department=d.name))
        for d in departments
    ]
    return choices(pairs)


@bp.app_template_global("subscribe_form")
def subscribe_form(topic: str = "all") -> SubscribeForm:
    """An unbound subscribe form for the include on public pages (no session is touched)."""
    form = SubscribeForm(formdata=None, prefix=PREFIX)
    form.topic.data = topic
    if not topic.startswith("matter:"):
        form.topic.choices = topic_choices()
    form.next.data = request.path
    return form


@bp.get("/subscriptions")
def subscribe_page():
    form = SubscribeForm(formdata=None, prefix=PREFIX)
    topic = request.args.get("topic", "all")
    form.topic.choices = topic_choices(topic)
    form.topic.data = topic
    return render_template("notifications/subscribe.html", form=form)


@bp.post("/subscriptions")
@csrf.exempt
@limiter.limit(_subscribe_limit)
def subscribe():
    form = SubscribeForm(prefix=PREFIX)
    form.topic.choices = topic_choices(form.topic.data)
    back = safe_local_path(form.next.data, url_for("notifications.subscribe_page"))
    if form.website.data:
        # A bot filled the hidden field: answer as to anyone, send nothing.
        flash(_sent_message(), "success")
        return redirect(back, code=303)
    if form.validate():
        try:
            result = services.subscribe(form.email.data, form.topic.data)
        except RuleViolation as exc:
            db.session.rollback()
            show_violation(form, exc)
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same request, twice at once: the other one won
                db.session.rollback()
            else:
                services.send_confirmation(result)
            flash(_sent_message(), "success")
            return redirect(back, code=303)
    return render_template("notifications/subscribe.html", form=form), 422


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button and POST confirms, so a mail scanner following links confirms
    nothing by itself."""
    subscription = services.pending_confirmation(token)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.confirm_subscription(token)
        except RuleViolation as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
    state = services.confirmation_state(subscription, now_utc())
    return render_template(
        "notifications/confirm.html",
        form=form,
        token=token,
        state=state,
        error=error,
        topic=mails.topic_label(subscription.scope, subscription.target_id),
    ), (422 if error else 200)


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks, POST unsubscribes. Mail programs POST here directly (RFC 8058
    List-Unsubscribe-Post: one click, no cookie, no CSRF token): the secret token is the
    authority, and unsubscribing twice is harmless."""
    done = request.method == "POST"
    if done:
        subscriptions = services.unsubscribe(token)
        db.session.commit()
    else:
        subscriptions = services.subscriptions_for_token(token)
    return render_template(
        "notifications/unsubscribe.html",
        done=done,
        topics=[mails.topic_label(s.scope, s.target_id) for s in subscriptions],
        form=None if done else UnsubscribeForm(),
        token=token,
    )


# --- the government office: the development outbox -------------------------------------------


admin_only(outbox_bp)


def _outbox_enabled() -> bool:
    return current_app.config.get("MAIL_BACKEND", "outbox") == "outbox"


@outbox_bp.get("")
def index():
    enabled = _outbox_enabled()
    entries, total = outbox.list_mails() if enabled else ([], 0)
    return render_template(
        "notifications/outbox.html",
        enabled=enabled,
        backend=current_app.config.get("MAIL_BACKEND", "outbox"),
        entries=entries,
        total=total,
    )


@outbox_bp.get("/<name>")
def show(name: str):
    if not _outbox_enabled():
        return redirect(url_for("outbox.index"))
    mail = outbox.read_mail(name)
    if mail is None:
        abort(404)
    return render_template("notifications/outbox_mail.html", mail=mail)
