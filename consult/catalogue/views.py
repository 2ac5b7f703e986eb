"""The public catalogue and the staff screens that change it."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.models import Department
from consult.accounts.models import manages_department
from consult.catalogue import rules
from consult.catalogue import services
from consult.catalogue.forms import MatterForm
from consult.catalogue.forms import PostponeForm
from consult.catalogue.forms import ProcedureForm
from consult.catalogue.forms import StatusForm
from consult.catalogue.forms import WithdrawForm
from consult.catalogue.forms import YearForm
from consult.catalogue.models import PROCEDURE_VALUES
from consult.catalogue.models import STATUS_VALUES
from consult.catalogue.models import CatalogueYear
from consult.catalogue.models import DecisionMatter
from consult.catalogue.models import MatterStatus
from consult.core import values
from consult.core.auth import admin_only
from consult.core.auth import staff_only
from consult.core.errors import Forbidden
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_or_400
from consult.core.time import local_today
from consult.extensions import db

bp = Blueprint("catalogue", __name__)
manage_bp = Blueprint("manage", __name__, url_prefix="/manage")


def _is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_staff


def _catalogue_or_404(year: int) -> CatalogueYear:
    cat = db.session.get(CatalogueYear, year)
    if cat is None or (not cat.is_published and not _is_staff()):
        abort(404)
    return cat


def _filters() -> dict:
    """Read list filters leniently: a malformed value is ignored, never an error page."""
    args = request.args
    status = args.get("status")
    hearing = {"yes": True, "no": False}.get(args.get("hearing", ""))
    return {
        "department_id": args.get("department", type=db_int),
        "status": status if status in STATUS_VALUES else None,
        "hearing": hearing,
        # What no database stores cannot match anything: dropped rather than refused here.
        "q": "".join(ch for ch in (args.get("q") or "") if not values.unstorable(ch)).strip()[
            : rules.MAX_QUERY
        ]
        or None,
    }


def _active_departments() -> list[Department]:
    return list(db.session.scalars(sa.select(Department).order_by(Department.id)))


@bp.get("/catalogue")
def index():
    years = services.published_years()
    today = local_today()
    if today.year in years:
        return redirect(url_for("catalogue.year", year=today.year))
    if years:
        return redirect(url_for("catalogue.year", year=years[0]))
    return render_template("catalogue/empty.html")


@bp.get("/catalogue/search")
def search():
    """The search across the published catalogues: every year unless one is chosen."""
    filters = _filters()
    years = services.published_years()
    chosen = request.args.get("year", type=db_int)
    filters["year"] = chosen if chosen in years else None
    page = request.args.get("page", 1, type=db_int)
    stmt = services.search_matters(**filters)
    pagination = db.paginate(
        stmt, page=page, per_page=current_app.config["PER_PAGE"], error_out=False, max_per_page=100
    )
    return render_template(
        "catalogue/search.html",
        pagination=pagination,
        filters=filters,
        departments=_active_departments(),
        years=years,
        by_year=services.count_by_year(services.search_matters(**{**filters, "year": None}))
        if filters["q"]
        else [],
        statuses=STATUS_VALUES,
        max_query=rules.MAX_QUERY,
    )


@bp.get("/catalogue/<int:year>")
def year(year: int):
    cat = _catalogue_or_404(year)
    filters = _filters()
    if filters["q"] and cat.is_published:
        # A search looks in every year's catalogue (the year is a filter there); a draft's
        # own page keeps its search to itself, since no other page shows a draft.
        args = {
            k: v for k, v in request.args.items() if k in ("q", "department", "status", "hearing")
        }
        return redirect(url_for("catalogue.search", **args))
    page = request.args.get("page", 1, type=db_int)
    stmt = services.search_matters(year=year, published_only=cat.is_published, **filters)
    pagination = db.paginate(
        stmt, page=page, per_page=current_app.config["PER_PAGE"], error_out=False, max_per_page=100
    )
    today = local_today()
    return render_template(
        "catalogue/year.html",
        cat=cat,
        pagination=pagination,
        carried=services.carried_over([m.id for m in pagination.items]),
        # What left this year's catalogue is listed under the unfiltered first page.
        postponed=services.postponed_from(year)
        if pagination.page == 1 and all(v in (None, "") for v in filters.values())
        else [],
        filters=filters,
        departments=_active_departments(),
        years=services.published_years(),
        statuses=STATUS_VALUES,
        max_query=rules.MAX_QUERY,
        year_ended=rules.year_has_ended(year, today),
        today=today,
        completion=rules.completion,
    )


def _export_rows(year: int):
    cat = _catalogue_or_404(year)
    if not cat.is_published:
        abort(404)
    stmt = services.search_matters(year=year, **_filters())
    return list(db.session.scalars(stmt))


@bp.get("/catalogue/<int:year>.json")
def year_json(year: int):
    today = local_today()
    matters = _export_rows(year)
    body = {
        "year": year,
        "items": [services.public_record(m, today=today) for m in matters],
        "total": len(matters),
    }
    response = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="catalogue-{year}.json"'
    return response


CSV_HEADER = [
    "编号 code",
    "决策事项 title",
    "承办部门 lead_department",
    "决策时间 planned_time",
    "是否听证 hearing",
    "状态 status",
    "决策日期 decision_date",
    "决策文件 decision_document_url",
    "完成情况 completion",
    "摘要 summary",
]


def _csv_cell(value):
    """Text that a spreadsheet would run as a formula is kept as text (CSV injection)."""
    from consult.site.opendata import _cell

    return _cell(value)


@bp.get("/catalogue/<int:year>.csv")
def year_csv(year: int):
    today = local_today()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for m in _export_rows(year):
        rec = services.public_record(m, today=today)
        writer.writerow(
            _csv_cell(v)
            for v in [
                rec["code"],
                rec["title"],
                rec["lead_department"]["name"],
                rec["planned_time"],
                "是 yes" if rec["hearing"] else "否 no",
                rec["status"],
                rec["decision_date"] or "",
                rec["decision_document_url"] or "",
                rec["completion"],
                rec["summary"],
            ]
        )
    # The BOM makes Excel read the file as UTF-8, so the Chinese is not garbled.
    response = Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="catalogue-{year}.csv"'
    return response


@bp.get("/matters/<int:matter_id>")
def matter(matter_id: int):
    m = db.get_or_404(DecisionMatter, matter_id)
    if not m.is_published and not _is_staff():
        abort(404)
    from consult.consultations.models import Consultation
    from consult.core.time import now_utc

    can_edit = services.can_edit_matter(current_user if current_user.is_authenticated else None, m)
    consultations = list(
        db.session.scalars(
            sa.select(Consultation)
            .where(Consultation.matter_id == m.id)
            .order_by(Consultation.opens_at)
        )
    )
    from consult.interpretation.views import matter_context

    return render_template(
        "catalogue/matter.html",
        **matter_context(m),
        m=m,
        timeline=services.timeline(m),
        can_edit=can_edit,
        today=local_today(),
        consultations=consultations,
        now=now_utc(),
    )


# --- staff -------------------------------------------------------------------------------


staff_only(manage_bp)


def _editable_or_403(matter_id: int) -> DecisionMatter:
    m = db.get_or_404(DecisionMatter, matter_id)
    if not services.can_edit_matter(current_user, m):
        raise Forbidden()
    return m


@manage_bp.get("/")
def dashboard():
    stmt = (
        sa.select(DecisionMatter)
        .where(DecisionMatter.managed_by(current_user))
        .order_by(DecisionMatter.year.desc(), DecisionMatter.number)
    )
    from consult.consultations.models import Consultation
    from consult.core.time import now_utc
    from consult.feedback import progress as answer_tally
    from consult.feedback import services as feedback

    now = now_utc()
    consultations = (
        sa.select(Consultation)
        .where(Consultation.managed_by(current_user))
        .order_by(Consultation.closes_at.desc())
    )
    overdue = feedback.overdue(now=now, managed_by=current_user)
    awaiting = feedback.awaiting_feedback(now=now, managed_by=current_user)
    listed = list(db.session.scalars(consultations.limit(50)))
    ids = sorted({c.id for c in awaiting} | {c.id for c in listed})
    from consult.interpretation import services as interpretation

    today = local_today()
    waiting = interpretation.staff_questions(current_user, today=today, only="waiting")
    return render_template(
        "catalogue/dashboard.html",
        questions_overdue=interpretation.overdue_count(current_user, today),
        questions_waiting=db.session.scalar(
            sa.select(sa.func.count()).select_from(waiting.order_by(None).subquery())
        ),
        answer_totals=answer_tally.totals(ids),
        mine=answer_tally.waiting_for(current_user.id, ids) if current_user.is_officer else {},
        matters=list(db.session.scalars(stmt)),
        years=services.all_years(),
        year_form=YearForm(),
        consultations=listed,
        awaiting=awaiting,
        overdue_ids={c.id for c in overdue},
        now=now,
        feedback_due=lambda c: c.closes_at + feedback.feedback_period(),
    )


def _department_choices(form: MatterForm, matter: DecisionMatter | None) -> None:
    depts = [
        d for d in _active_departments() if d.active or (matter and d.id == matter.department_id)
    ]
    depts = [d for d in depts if manages_department(current_user, d.id)]
    form.department_id.choices = choices((d.id, d.name) for d in depts)


@manage_bp.route("/matters/new", methods=["GET", "POST"])
def new_matter():
    year = request.args.get("year", type=db_int) or local_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    cat = db.session.get(CatalogueYear, year)
    form = MatterForm()
    _department_choices(form, None)
    if form.validate_on_submit() and (
        done := carry_out(
            form,
            lambda: services.create_matter({**form.to_data(), "year": year}, actor=current_user),
        )
    ):
        flash(_("The decision matter has been added."), "success")
        return redirect(url_for("catalogue.matter", matter_id=done.value.id))
    return render_template(
        "catalogue/matter_form.html",
        form=form,
        m=None,
        year=year,
        published=bool(cat and cat.is_published),
    ), (422 if form.errors else 200)


def _planned_in_words(planned) -> str:
    """The planned time as a Chinese reader writes it (2026年第四季度, 2026年7月), which the
    field reads back; in English the code (2026-Q4), since "Q4 2026" is not one."""
    from consult.site.helpers import planned_label

    if str(get_locale()).startswith("zh"):
        return planned_label(planned)
    return planned.code


@manage_bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
def edit_matter(matter_id: int):
    m = _editable_or_403(matter_id)
    form = MatterForm(obj=m)
    _department_choices(form, m)
    if request.method == "GET":
        form.planned_time.data = _planned_in_words(m.planned)
        form.hearing.data = "yes" if m.hearing else "no"
        for proc in m.procedures:
            getattr(form, proc.kind).data = proc.required
    if form.validate_on_submit() and (
        done := carry_out(
            form, lambda: services.update_matter(m, form.to_data(), actor=current_user)
        )
    ):
        flash(_("The adjustment has been published.") if done.value else _("Saved."), "success")
        return redirect(url_for("catalogue.matter", matter_id=m.id))
    return render_template(
        "catalogue/matter_form.html", form=form, m=m, year=m.year, published=m.is_published
    ), (422 if form.errors else 200)


@manage_bp.route("/matters/<int:matter_id>/progress", methods=["GET", "POST"])
def progress(matter_id: int):
    m = _editable_or_403(matter_id)
    status_form = StatusForm(prefix="status")
    status_form.status.choices = choices(
        (s, rules.STATUS_LABELS[s])
        for s in STATUS_VALUES
        if s in rules.TRANSITIONS[m.status] and s != MatterStatus.WITHDRAWN
    )
    proc_form = ProcedureForm(prefix="proc")
    proc_form.kind.choices = choices((k, rules.PROCEDURE_LABELS[k]) for k in PROCEDURE_VALUES)

    def record() -> None:
        if "status-status" in request.form and status_form.validate_on_submit():
            services.change_status(
                m,
                status_form.status.data,
                {
                    "decision_date": status_form.decision_date.data,
                    "decision_document_url": status_form.decision_document_url.data,
                    "interpretation": status_form.interpretation_data(),
                },
                actor=current_user,
            )
        elif "proc-kind" in request.form and proc_form.validate_on_submit():
            services.record_procedure(
                m, proc_form.kind.data, proc_form.done_on.data, actor=current_user
            )
        else:
            raise RuleViolation(None, _("Please check the form."))

    shown_on = status_form if "status-status" in request.form else proc_form
    aliases = {"kind": "kind", **status_form.ALIASES}
    if request.method == "POST" and carry_out(shown_on, record, aliases=aliases):
        flash(_("Saved."), "success")
        return redirect(url_for("catalogue.matter", matter_id=m.id))
    errors = status_form.errors or proc_form.errors
    return render_template(
        "catalogue/progress.html", m=m, status_form=status_form, proc_form=proc_form
    ), (422 if errors else 200)


@manage_bp.route("/matters/<int:matter_id>/postpone", methods=["GET", "POST"])
def postpone(matter_id: int):
    m = _editable_or_403(matter_id)
    form = PostponeForm()
    next_year = m.year + 1
    data = {"planned_time": form.planned_time.data, "reason": form.reason.data}
    if form.validate_on_submit() and carry_out(
        form, lambda: services.postpone_matter(m, data, actor=current_user)
    ):
        flash(
            _(
                "The matter is postponed to the %(year)d catalogue as %(code)s.",
                year=m.year,
                code=m.code,
            ),
            "success",
        )
        return redirect(url_for("catalogue.matter", matter_id=m.id))
    return render_template("catalogue/postpone.html", m=m, form=form, next_year=next_year), (
        422 if form.errors else 200
    )


@manage_bp.route("/matters/<int:matter_id>/withdraw", methods=["GET", "POST"])
@admin_only
def withdraw(matter_id: int):
    m = db.get_or_404(DecisionMatter, matter_id)
    form = WithdrawForm()
    if form.validate_on_submit() and carry_out(
        form, lambda: services.withdraw_matter(m, form.reason.data, actor=current_user)
    ):
        flash(_("The matter has been withdrawn."), "success")
        return redirect(url_for("catalogue.matter", matter_id=m.id))
    return render_template("catalogue/withdraw.html", m=m, form=form), (422 if form.errors else 200)


@manage_bp.post("/years")
@admin_only
def create_year():
    form = YearForm()
    if form.validate_on_submit():
        try:
            value = int(form.year.data or "")
        except ValueError:
            value = 0
        if carry_out(None, lambda: services.get_or_create_year(value, actor=current_user)):
            flash(_("Saved."), "success")
    return redirect(url_for("manage.dashboard"))


@manage_bp.post("/years/<int:year>/publish")
@admin_only
def publish(year: int):
    cat = db.get_or_404(CatalogueYear, year)
    sent_or_400(YearForm())
    if carry_out(None, lambda: services.publish_catalogue(cat, actor=current_user)):
        flash(_("The %(year)d catalogue is published.", year=year), "success")
    return redirect(url_for("manage.dashboard"))
