"""Consultation pages for residents, and the department's consultation screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from consult.catalogue.models import DecisionMatter
from consult.comments import services as comments
from consult.comments.forms import CommentForm
from consult.comments.forms import HideForm
from consult.comments.forms import OfflineCommentForm
from consult.comments.models import DuplicateGroup
from consult.consultations import rules
from consult.consultations import services
from consult.consultations.forms import ActivityForm
from consult.consultations.forms import ClosingForm
from consult.consultations.forms import ConsultationForm
from consult.consultations.forms import DeleteForm
from consult.consultations.forms import DocumentForm
from consult.consultations.models import Consultation
from consult.consultations.models import ConsultationDocument
from consult.core.auth import managed_or_403
from consult.core.auth import staff_only
from consult.core.errors import RuleViolation
from consult.core.forms import MAX_DB_INT
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_back
from consult.core.forms import sent_or_400
from consult.core.storage import send_stored
from consult.core.time import configured_zone_name
from consult.core.time import from_local
from consult.core.time import now_utc
from consult.core.time import to_local_input
from consult.extensions import db
from consult.notifications.services import notify_after_commit

bp = Blueprint("consultations", __name__)
manage_bp = Blueprint("manage_consultations", __name__, url_prefix="/manage")

TABS = ("open", "scheduled", "closed")
COMMENTS_PER_PAGE = 50  # on the consultation page (open data exports them all)


def comment_form_for(consultation: Consultation, form: CommentForm | None = None) -> CommentForm:
    form = form or CommentForm()
    form.clause.choices = choices(
        [("", _("The draft as a whole"))]
        + [
            (
                str(c.number),
                f"{c.heading} {c.text[:24]}…" if len(c.text) > 24 else f"{c.heading} {c.text}",
            )
            for c in consultation.clauses
        ]
    )
    return form


@bp.get("/consultations")
def index():
    status = request.args.get("status", "open")
    if status not in TABS:
        status = "open"
    now = now_utc()
    page = request.args.get("page", 1, type=db_int)
    pagination = db.paginate(
        services.list_by_status("ended" if status == "closed" else status, now),
        page=page,
        per_page=20,
        error_out=False,
    )
    counts = comments.count_comments([c.id for c in pagination.items])
    return render_template(
        "consultations/index.html",
        pagination=pagination,
        status=status,
        tabs=TABS,
        counts=counts,
        now=now,
        time_left=rules.time_left,
    )


def _page(consultation: Consultation, form: CommentForm, status_code: int = 200):
    from consult.feedback import services as feedback

    now = now_utc()
    published_feedback = consultation.feedback_published_at is not None
    # Once the feedback is published every comment is listed with its answer; a withheld one
    # shows the moderation reason instead of its text.
    listed = comments.comments_page(
        consultation,
        request.args.get("page", 1, type=db_int) or 1,
        COMMENTS_PER_PAGE,
        every_status=published_feedback,
        last_if_past_end=True,
    )
    counted = comments.tally(consultation)
    return render_template(
        "consultations/detail.html",
        c=consultation,
        form=form,
        now=now,
        comments=listed,
        total_comments=counted["comments"],
        counted=counted,
        group_sizes=comments.group_sizes(listed.items),
        time_left=rules.time_left(consultation.closes_at, now),
        status=consultation.status_at(now),
        can_manage=consultation.can_manage(current_user),
        reports=feedback.reports(consultation) if published_feedback else [],
    ), status_code


@bp.get("/consultations/<int:consultation_id>")
def detail(consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    form = comment_form_for(consultation)
    if request.args.get("clause", "").isdigit():
        form.clause.data = request.args["clause"]
    return _page(consultation, form)


@bp.get("/consultations/<int:consultation_id>/groups/<int:group_id>")
def group(consultation_id: int, group_id: int):
    """The comments of one duplicate group (a campaign letter and its copies): what the
    badge "与其他N条意见内容相同" links to."""
    consultation = db.get_or_404(Consultation, consultation_id)
    found = db.session.get(DuplicateGroup, group_id)
    if found is None or found.consultation_id != consultation.id:
        abort(404)
    listed = comments.group_page(
        found, request.args.get("page", 1, type=db_int) or 1, COMMENTS_PER_PAGE
    )
    return render_template("consultations/group.html", c=consultation, group=found, members=listed)


@bp.get("/documents/<int:doc_id>/<path:filename>")
@bp.get("/documents/<int:doc_id>")
def document(doc_id: int, filename: str | None = None):
    doc = db.get_or_404(ConsultationDocument, doc_id)
    return send_stored(doc.file.storage_key, doc.file.content_type, doc.file.filename, max_age=3600)


# --- the department's screens -------------------------------------------------------------


staff_only(manage_bp)


def _uploads(field) -> list[tuple[str, bytes]]:
    return [(f.filename, f.read()) for f in (field.data or []) if getattr(f, "filename", "")]


@manage_bp.route("/matters/<int:matter_id>/consultations/new", methods=["GET", "POST"])
def new_consultation(matter_id: int):
    matter = managed_or_403(DecisionMatter, matter_id)
    form = ConsultationForm()
    if request.method == "GET":
        start = to_local_input(now_utc() + timedelta(hours=1), configured_zone_name()).replace(
            minute=0
        )
        form.opens_at.data = start
        form.closes_at.data = (
            start
            + rules.minimum_window(current_app.config.get("MIN_COMMENT_WINDOW_DAYS"))
            + timedelta(days=1)
        )
        form.title.data = _(
            "Public consultation on “%(title)s” (consultation draft)", title=matter.title
        )
    if form.validate_on_submit():
        data = {
            "title": form.title.data,
            "draft": form.draft.data,
            "explanation": form.explanation.data,
            "contact": form.contact.data,
            "opens_at": from_local(form.opens_at.data, configured_zone_name()),
            "closes_at": from_local(form.closes_at.data, configured_zone_name()),
            "documents": _uploads(form.documents),
        }
        if done := carry_out(
            form,
            lambda: services.open_consultation(matter, data, actor=current_user),
            after_commit=lambda _: notify_after_commit("consultation_opened"),
        ):
            flash(_("The consultation has been created."), "success")
            return redirect(url_for("manage_consultations.manage", consultation_id=done.value.id))
    return render_template("consultations/form.html", form=form, matter=matter), (
        422 if form.errors else 200
    )


@manage_bp.get("/consultations/<int:consultation_id>")
def manage(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    return _manage_page(consultation)


def _manage_page(consultation: Consultation, **sent: FlaskForm):
    """The manage page. `sent` is a form just sent back, by its name on the page
    (closing_form=...): shown again as typed, with why it was refused (422)."""
    now = now_utc()
    sent = sent_back(sent, MANAGE_FORMS)
    forms = {name: sent.get(name) or new(consultation) for name, new in MANAGE_FORMS.items()}
    closing_form = forms["closing_form"]
    if closing_form.closes_at.data is None:
        closing_form.closes_at.data = to_local_input(consultation.closes_at, configured_zone_name())
    # A page of every comment, withheld ones included; without a page asked for, the last
    # (the newest), read from the index's near end. Never the whole list: a campaign brings
    # hundreds of thousands.
    listed = comments.comments_page(
        consultation,
        request.args.get("page", type=db_int) or MAX_DB_INT,
        COMMENTS_PER_PAGE,
        every_status=True,
        last_if_past_end=True,
    )
    return render_template(
        "consultations/manage.html",
        c=consultation,
        now=now,
        status=consultation.status_at(now),
        comments=listed,
        group_sizes=comments.group_sizes(listed.items),
        hide_form=HideForm(prefix="hide"),
        delete_form=DeleteForm(prefix="delete"),
        **forms,
    ), (422 if sent else 200)


def offline_form_for(
    consultation: Consultation, form: OfflineCommentForm | None = None
) -> OfflineCommentForm:
    form = form or OfflineCommentForm(prefix="offline")
    form.clause.choices = choices(
        [("", _("The draft as a whole"))]
        + [(str(c.number), c.heading) for c in consultation.clauses]
    )
    form.activity_id.choices = choices(
        [("", "—")]
        + [(str(a.id), f"{a.held_on.isoformat()} {a.place}") for a in consultation.activities]
    )
    return form


# The manage page's forms that change the consultation, by their names on the page; each
# made new for a consultation.
MANAGE_FORMS: dict[str, Callable[[Consultation], FlaskForm]] = {
    "closing_form": lambda c: ClosingForm(prefix="closing"),
    "activity_form": lambda c: ActivityForm(prefix="activity"),
    "offline_form": offline_form_for,
    "document_form": lambda c: DocumentForm(prefix="doc"),
}


def manage_form(name: str, anchor: str = "", **options) -> Callable:
    """The view of the manage page's form `name` (MANAGE_FORMS). The function below is given
    the managed consultation and the valid form, calls the service and returns what to tell
    the officer; that is carried out (core.forms.carry_out, with `options`), flashed, and the
    officer goes back to the page at `anchor`. A refusal shows the page again with the form
    as typed."""

    def decorate(action: Callable[[Consultation, Any], str]) -> Callable:
        @wraps(action)
        def view(consultation_id: int):
            consultation = managed_or_403(Consultation, consultation_id)
            form = MANAGE_FORMS[name](consultation)
            if form.validate_on_submit() and (
                done := carry_out(form, lambda: action(consultation, form), **options)
            ):
                flash(done.value, "success")
                return redirect(
                    url_for("manage_consultations.manage", consultation_id=consultation.id) + anchor
                )
            return _manage_page(consultation, **{name: form})

        return view

    return decorate


@manage_bp.post("/consultations/<int:consultation_id>/closing")
@manage_form("closing_form")
def change_closing(consultation: Consultation, form: ClosingForm) -> str:
    services.change_closing(
        consultation,
        from_local(form.closes_at.data, configured_zone_name()),
        form.reason.data,
        actor=current_user,
    )
    return _("The closing time has been changed and announced.")


@manage_bp.post("/consultations/<int:consultation_id>/activities")
@manage_form("activity_form", anchor="#activities")
def add_activity(consultation: Consultation, form: ActivityForm) -> str:
    services.record_activity(
        consultation,
        {
            "kind": form.kind.data,
            "held_on": form.held_on.data,
            "place": form.place.data,
            "participants": form.participants.data,
            "minutes": form.minutes.data,
        },
        actor=current_user,
    )
    return _("The activity has been recorded.")


@manage_bp.post("/consultations/<int:consultation_id>/documents")
@manage_form("document_form", aliases={"documents": "document"})
def add_document(consultation: Consultation, form: DocumentForm) -> str:
    upload = form.document.data
    if not getattr(upload, "filename", ""):
        raise RuleViolation("document", _("Choose a file."))
    services.add_document(consultation, upload.filename, upload.read(), actor=current_user)
    return _("The attachment has been added.")


@manage_bp.post("/consultations/<int:consultation_id>/delete")
def delete(consultation_id: int):
    consultation = managed_or_403(Consultation, consultation_id)
    matter_id = consultation.matter_id
    sent_or_400(DeleteForm(prefix="delete"))
    if carry_out(None, lambda: services.delete_consultation(consultation, actor=current_user)):
        flash(_("The scheduled consultation has been deleted."), "success")
        return redirect(url_for("catalogue.matter", matter_id=matter_id))
    return redirect(url_for("manage_consultations.manage", consultation_id=consultation_id))
