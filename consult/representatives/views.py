"""The public roster and applications; the government office's screens for the pool."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.models import User
from consult.catalogue.forms import matter_choices
from consult.catalogue.models import DecisionMatter
from consult.core.auth import admin_only
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import db_int
from consult.core.mail import send
from consult.core.queries import newest_first
from consult.core.time import local_today
from consult.extensions import configured_limit
from consult.extensions import db
from consult.extensions import limiter
from consult.meetings import services as meetings
from consult.meetings.models import Invitation
from consult.meetings.models import Meeting
from consult.notifications import mails
from consult.representatives import services
from consult.representatives.forms import ApplicationForm
from consult.representatives.forms import ConflictForm
from consult.representatives.forms import DecideForm
from consult.representatives.forms import OpenApplicationForm
from consult.representatives.forms import RepresentativeForm
from consult.representatives.forms import StatusForm
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import REP_STATUS_VALUES
from consult.representatives.models import ApplicationStatus
from consult.representatives.models import ConflictOfInterest
from consult.representatives.models import Representative
from consult.representatives.models import RepresentativeApplication

bp = Blueprint("representatives", __name__)
admin_bp = Blueprint("admin_representatives", __name__, url_prefix="/admin/representatives")


def _default_term(today: date) -> tuple[date, date]:
    return today, date(today.year + 2, 12, 31)


# --- public ------------------------------------------------------------------------------


@bp.get("/representatives")
def roster():
    today = local_today()
    category = request.args.get("category")
    if category not in CATEGORY_VALUES:
        category = None
    # In the order of the categories (deputies and members first), then by name.
    everyone = sorted(
        services.roster(today), key=lambda r: (CATEGORY_VALUES.index(r.category), r.name)
    )
    stats = meetings.figures()
    return render_template(
        "representatives/roster.html",
        representatives=[r for r in everyone if category is None or r.category == category],
        total=len(everyone),
        counts=Counter(r.category for r in everyone),
        category=category,
        categories=CATEGORY_VALUES,
        per_rep=stats["per_representative"],
        per_category=stats["per_category"],
        today=today,
    )


def _my_applications() -> list[RepresentativeApplication]:
    return newest_first(
        RepresentativeApplication.submitted_at,
        RepresentativeApplication.user_id == current_user.id,
    )


def _open_application(form: OpenApplicationForm):
    """Without an account: the application, a receipt on the next page and by mail."""
    if form.website.data:
        # A bot filled the hidden field: answer as to anyone, keep nothing.
        session[RECEIPT_KEY] = None
        return redirect(url_for("representatives.application_received"), code=303)
    data = {
        "name": form.name.data,
        "email": form.email.data,
        "category": form.category.data,
        "affiliation": form.affiliation.data,
        "interests": form.interests.data,
        "statement": form.statement.data,
        "phone": form.phone.data,
    }
    if not (done := carry_out(form, lambda: services.apply_without_account(data))):
        return None
    application = done.value
    send([mails.application_received_mail(application)])
    session[RECEIPT_KEY] = application.receipt
    return redirect(url_for("representatives.application_received"), code=303)


RECEIPT_KEY = "application_receipt"


@bp.route("/representatives/apply", methods=["GET", "POST"])
@limiter.limit(configured_limit("APPLICATION_RATE_LIMIT"), methods=["POST"])
def apply():
    if not current_user.is_authenticated:
        form = OpenApplicationForm()
        if form.validate_on_submit():
            done = _open_application(form)
            if done is not None:
                return done
        return render_template(
            "representatives/apply.html",
            form=form,
            open_form=True,
            may_apply=True,
            applications=[],
            representative=None,
            today=local_today(),
        ), (422 if form.errors else 200)
    form = ApplicationForm()
    may_apply = services.may_apply(current_user)
    if request.method == "POST" and not may_apply:
        raise Forbidden(_("Log in with a resident account to apply."))
    data = {
        "category": form.category.data,
        "affiliation": form.affiliation.data,
        "interests": form.interests.data,
        "statement": form.statement.data,
        "phone": form.phone.data,
    }
    if form.validate_on_submit() and carry_out(form, lambda: services.apply(current_user, data)):
        flash(_("Thank you. The government office will consider your application."), "success")
        return redirect(url_for("representatives.apply"), code=303)
    return render_template(
        "representatives/apply.html",
        form=form,
        open_form=False,
        may_apply=may_apply,
        applications=_my_applications(),
        representative=services.representative_for(current_user),
        today=local_today(),
    ), (422 if form.errors else 200)


@bp.get("/representatives/apply/received")
def application_received():
    """The receipt of an application made without an account (shown once, from the session)."""
    if RECEIPT_KEY not in session:
        return redirect(url_for("representatives.apply"))
    return render_template(
        "representatives/application_received.html", receipt=session.pop(RECEIPT_KEY)
    )


# --- the government office ---------------------------------------------------------------


admin_only(admin_bp)


def _pending_count() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                RepresentativeApplication.status == ApplicationStatus.PENDING
            )
        )
        or 0
    )


@admin_bp.get("")
def pool():
    status = request.args.get("status")
    category = request.args.get("category")
    stmt = sa.select(Representative).order_by(
        Representative.category, Representative.name, Representative.id
    )
    if status in REP_STATUS_VALUES:
        stmt = stmt.where(Representative.status == status)
    else:
        status = None
    if category in CATEGORY_VALUES:
        stmt = stmt.where(Representative.category == category)
    else:
        category = None
    return render_template(
        "representatives/admin_pool.html",
        representatives=list(db.session.scalars(stmt)),
        status=status,
        category=category,
        categories=CATEGORY_VALUES,
        statuses=REP_STATUS_VALUES,
        per_rep=meetings.figures()["per_representative"],
        pending=_pending_count(),
        today=local_today(),
    )


@admin_bp.route("/new", methods=["GET", "POST"])
def add():
    form = RepresentativeForm()
    if request.method == "GET":
        form.term_start.data, form.term_end.data = _default_term(local_today())

    def add_to_pool() -> Representative:
        user_id = None
        if (form.account_email.data or "").strip():
            user = db.session.scalar(
                sa.select(User).where(
                    sa.func.lower(User.email) == form.account_email.data.strip().lower()
                )
            )
            if user is None:
                raise RuleViolation("account_email", _("No account has this email address."))
            user_id = user.id
        return services.add_representative(
            {
                "name": form.name.data,
                "category": form.category.data,
                "affiliation": form.affiliation.data,
                "interests": form.interests.data,
                "term_start": form.term_start.data,
                "term_end": form.term_end.data,
                "phone": form.phone.data,
                "email": form.email.data,
                "user_id": user_id,
            },
            actor=current_user,
        )

    if form.validate_on_submit() and (
        done := carry_out(form, add_to_pool, aliases={"user_id": "account_email"})
    ):
        rep = done.value
        flash(_("%(name)s has been added to the pool.", name=rep.name), "success")
        return redirect(url_for("admin_representatives.detail", rep_id=rep.id), code=303)
    return render_template(
        "representatives/admin_form.html", form=form, pending=_pending_count()
    ), (422 if form.errors else 200)


def _conflict_form(form: ConflictForm | None = None) -> ConflictForm:
    form = form or ConflictForm(prefix="conflict")
    form.matter_id.choices = matter_choices()
    return form


def _detail_page(rep: Representative, status_form=None, conflict_form=None, status_code=200):
    conflicts = newest_first(
        ConflictOfInterest.recorded_at, ConflictOfInterest.representative_id == rep.id
    )
    invitations = list(
        db.session.scalars(
            sa.select(Invitation)
            .join(Invitation.meeting)
            .where(Invitation.representative_id == rep.id)
            .order_by(Meeting.starts_at.desc())
        )
    )
    return render_template(
        "representatives/admin_detail.html",
        rep=rep,
        conflicts=conflicts,
        invitations=invitations,
        stats=meetings.figures()["per_representative"].get(rep.id),
        status_form=status_form or StatusForm(prefix="status"),
        conflict_form=conflict_form or _conflict_form(),
        pending=_pending_count(),
        today=local_today(),
    ), status_code


@admin_bp.get("/<int:rep_id>")
def detail(rep_id: int):
    return _detail_page(db.get_or_404(Representative, rep_id))


@admin_bp.post("/<int:rep_id>/status")
def change_status(rep_id: int):
    rep = db.get_or_404(Representative, rep_id)
    form = StatusForm(prefix="status")
    if form.validate_on_submit() and carry_out(
        form,
        lambda: services.set_status(rep, form.status.data, form.reason.data, actor=current_user),
    ):
        flash(_("The status has been changed."), "success")
        return redirect(url_for("admin_representatives.detail", rep_id=rep.id), code=303)
    return _detail_page(rep, status_form=form, status_code=422)


@admin_bp.post("/<int:rep_id>/conflicts")
def add_conflict(rep_id: int):
    rep = db.get_or_404(Representative, rep_id)
    form = _conflict_form(ConflictForm(prefix="conflict"))

    def record() -> None:
        matter = (
            db.session.get(DecisionMatter, form.matter_id.data) if form.matter_id.data else None
        )
        if matter is None:
            raise RuleViolation("matter_id", _("Choose the decision matter."))
        services.record_conflict(rep, matter, form.note.data, actor=current_user)

    if form.validate_on_submit() and carry_out(form, record):
        flash(
            _(
                "The conflict of interest has been recorded. %(name)s will not be drawn for meetings on this matter.",
                name=rep.name,
            ),
            "success",
        )
        return redirect(
            url_for("admin_representatives.detail", rep_id=rep.id) + "#conflicts", code=303
        )
    return _detail_page(rep, conflict_form=form, status_code=422)


def _applications_page(failed: dict[int, DecideForm] | None = None, status_code: int = 200):
    pending = list(
        db.session.scalars(
            sa.select(RepresentativeApplication)
            .where(RepresentativeApplication.status == ApplicationStatus.PENDING)
            .order_by(RepresentativeApplication.submitted_at)
        )
    )
    decided = list(
        db.session.scalars(
            sa.select(RepresentativeApplication)
            .where(RepresentativeApplication.status != ApplicationStatus.PENDING)
            .order_by(RepresentativeApplication.decided_at.desc())
            .limit(30)
        )
    )
    start, end = _default_term(local_today())
    forms = {}
    for a in pending:
        if failed and a.id in failed:
            forms[a.id] = failed[a.id]
            continue
        form = DecideForm(prefix=f"a{a.id}", formdata=None)
        form.term_start.data, form.term_end.data = start, end
        forms[a.id] = form
    return render_template(
        "representatives/admin_applications.html",
        applications=pending,
        decided=decided,
        forms=forms,
        pending=len(pending),
        same_address=services.same_address_pending(pending),
    ), status_code


def _tell_applicant(application: RepresentativeApplication) -> None:
    """The decision by mail, after the commit. An account nobody has logged in to yet (opened
    by this approval) comes with the link that sets its first password."""
    from consult.accounts import rules as account_rules
    from consult.accounts import services as accounts

    if not application.applicant_email:
        return
    token = None
    rep = db.session.get(Representative, application.representative_id or 0)
    if rep is not None and rep.user is not None and rep.user.last_login_at is None:
        token = accounts.password_link_token(rep.user, account_rules.LinkPurpose.WELCOME)
    send([mails.application_decided_mail(application, token)])


@admin_bp.get("/applications")
def applications():
    return _applications_page()


@admin_bp.post("/applications/<int:application_id>")
def decide(application_id: int):
    application = db.get_or_404(RepresentativeApplication, application_id)
    form = DecideForm(prefix=f"a{application.id}")
    approve = form.decision.data == "approve"
    data = {
        "term_start": form.term_start.data,
        "term_end": form.term_end.data,
        "reason": form.reason.data,
    }
    if form.validate_on_submit() and carry_out(
        form,
        lambda: services.decide_application(application, approve, data, actor=current_user),
        after_commit=lambda _value: _tell_applicant(application),
    ):
        flash(
            _("The application has been approved.")
            if approve
            else _("The application has been rejected."),
            "success",
        )
        return redirect(url_for("admin_representatives.applications"), code=303)
    if application.status != ApplicationStatus.PENDING:
        flash(_("This application has already been decided."), "error")
        return redirect(url_for("admin_representatives.applications"), code=303)
    return _applications_page({application.id: form}, status_code=422)


@admin_bp.get("/figures")
def figures():
    everything = meetings.figures()
    years = sorted(everything["per_year"], reverse=True)
    year = request.args.get("year", type=db_int)
    if year not in years:
        year = None
    stats = meetings.figures(year=year) if year else everything
    reps = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Representative).where(
                Representative.id.in_(list(stats["per_representative"]))
            )
        )
    }
    rows = sorted(
        stats["per_representative"].items(),
        key=lambda kv: (reps[kv[0]].category, reps[kv[0]].name),
    )
    return render_template(
        "representatives/admin_figures.html",
        year=year,
        years=years,
        per_year=everything["per_year"],
        per_category=stats["per_category"],
        rows=[(reps[rep_id], counts) for rep_id, counts in rows],
        categories=CATEGORY_VALUES,
        pending=_pending_count(),
    )
