"""Public pages (interpretations, questions and answers, specialists, responsiveness) and the
staff screens (answering, moderation, follow-ups, naming specialists)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.accounts.models import manages_department
from consult.catalogue.models import DecisionMatter
from consult.core.auth import managed_or_403
from consult.core.auth import staff_only
from consult.core.errors import NotFound
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.forms import db_int
from consult.core.forms import sent_or_400
from consult.core.time import local_today
from consult.extensions import db
from consult.interpretation import figures
from consult.interpretation import rules
from consult.interpretation import services
from consult.interpretation.forms import AnswerForm
from consult.interpretation.forms import EmptyForm
from consult.interpretation.forms import FollowUpForm
from consult.interpretation.forms import HideForm
from consult.interpretation.forms import QuestionForm
from consult.interpretation.forms import SpecialistForm
from consult.interpretation.limits import question_limits
from consult.interpretation.models import PolicySpecialist
from consult.interpretation.models import Question

bp = Blueprint("interpretation", __name__)
manage_bp = Blueprint("manage_interpretation", __name__, url_prefix="/manage")
staff_only(manage_bp)


def _public_matter(matter_id: int) -> DecisionMatter:
    m = db.get_or_404(DecisionMatter, matter_id)
    if not m.is_published:
        abort(404)
    return m


def matter_context(m: DecisionMatter) -> dict:
    """What the matter's own page shows of its interpretations, questions and specialists."""
    today = local_today()
    latest = list(db.session.scalars(services.public_questions(m).limit(5)))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(services.public_questions(m).subquery())
    )
    return {
        "interpretations": services.interpretations(m),
        "questions": latest,
        "question_total": total or 0,
        "question_state": lambda q: services.state(q, today),
        "specialists": services.current_specialists(m.department_id),
        "askable": m.is_published and m.status in rules.ASKABLE,
    }


@bp.get("/matters/<int:matter_id>/interpretations/<int:interpretation_id>")
def interpretation(matter_id: int, interpretation_id: int):
    m = _public_matter(matter_id)
    try:
        item = services.get_interpretation(m, interpretation_id)
    except NotFound:
        abort(404)
    return render_template(
        "interpretation/interpretation.html",
        m=m,
        item=item,
        others=[i for i in services.interpretations(m) if i.id != item.id],
    )


def _questions_page(m: DecisionMatter, form: QuestionForm, status: int = 200):
    page = request.args.get("page", 1, type=db_int)
    pagination = db.paginate(
        services.public_questions(m),
        page=page,
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
    today = local_today()
    return render_template(
        "interpretation/questions.html",
        m=m,
        form=form,
        pagination=pagination,
        sizes=services.group_sizes(pagination.items),
        state=lambda q: services.state(q, today),
        specialists=services.current_specialists(m.department_id),
        askable=m.status in rules.ASKABLE,
        period=services.answer_period(),
    ), status


@bp.route("/matters/<int:matter_id>/questions", methods=["GET", "POST"])
@question_limits
def questions(matter_id: int):
    """The matter's questions and answers, and the form to ask one (no account needed)."""
    m = _public_matter(matter_id)
    form = QuestionForm()
    if request.method == "GET":
        return _questions_page(m, form)
    if form.validate_on_submit() and (
        done := carry_out(
            form, lambda: services.ask_question(m, form.to_data(), ip=request.remote_addr)
        )
    ):
        return redirect(
            url_for("interpretation.receipt", number=done.value.receipt, new=1), code=303
        )
    return _questions_page(m, form, 422)


def limited(matter_id: int):
    """A question over the limit: the form as typed, and why (429)."""
    m = db.session.get(DecisionMatter, matter_id)
    if m is None or not m.is_published:
        return None
    form = QuestionForm()
    form.form_errors.append(
        _(
            "Several questions were sent from this connection in a short time, so this one was "
            "not taken yet. Please wait a minute and send it again: your text is kept below."
        )
    )
    body, status = _questions_page(m, form, 429)
    return make_response(body, status)


@bp.get("/questions")
def lookup():
    number = (request.args.get("number") or "").strip()
    error = None
    if number:
        try:
            q = services.find_by_receipt(number)
        except NotFound as exc:
            error = exc.message
        else:
            return redirect(url_for("interpretation.receipt", number=q.receipt))
    return render_template("interpretation/lookup.html", number=number, error=error), (
        404 if error else 200
    )


@bp.get("/questions/<number>")
def receipt(number: str):
    try:
        q = services.find_by_receipt(number)
    except NotFound:
        abort(404)
    return render_template(
        "interpretation/receipt.html",
        q=q,
        state=services.state(q, local_today()),
        new=request.args.get("new") == "1",
    )


@bp.get("/specialists")
def specialists():
    """Who answers for what: every department's policy specialists."""
    by_department: dict[int, list[PolicySpecialist]] = {}
    for role in services.current_specialists():
        by_department.setdefault(role.department_id, []).append(role)
    departments = list(
        db.session.scalars(
            sa.select(Department).where(Department.id.in_(by_department)).order_by(Department.id)
        )
    )
    return render_template(
        "interpretation/specialists.html", departments=departments, by_department=by_department
    )


@bp.get("/responsiveness")
def responsiveness():
    """How promptly each department answers questions and comments, year by year."""
    years = figures.years()
    year = request.args.get("year", type=db_int)
    if year not in years:
        year = years[0] if years else local_today().year
    return render_template(
        "interpretation/responsiveness.html",
        year=year,
        years=years,
        rows=figures.responsiveness(year),
        overdue=services.public_overdue(local_today()),
        period=services.answer_period(),
    )


# --- staff -------------------------------------------------------------------------------


@manage_bp.get("/questions")
def queue():
    only = request.args.get("only")
    only = only if only in ("waiting", "overdue") else None
    today = local_today()
    page = request.args.get("page", 1, type=db_int)
    pagination = db.paginate(
        services.staff_questions(current_user, today=today, only=only),
        page=page,
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
    return render_template(
        "interpretation/queue.html",
        pagination=pagination,
        only=only,
        overdue=services.overdue_count(current_user, today),
        state=lambda q: services.state(q, today),
        sizes=services.group_sizes(pagination.items),
    )


@manage_bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def question(question_id: int):
    q = managed_or_403(Question, question_id, via="matter")
    form = AnswerForm(prefix="answer")
    hide_form = HideForm(prefix="hide")
    if (
        request.method == "POST"
        and form.validate_on_submit()
        and carry_out(
            form,
            lambda: services.answer_question(
                q, form.answer.data, actor=current_user, whole_group=bool(form.whole_group.data)
            ),
        )
    ):
        flash(_("The answer is published with the question."), "success")
        return redirect(url_for("manage_interpretation.queue"))
    repeats = []
    if q.group_id is not None:
        repeats = list(
            db.session.scalars(
                sa.select(Question)
                .where(Question.group_id == q.group_id, Question.id != q.id)
                .order_by(Question.id)
            )
        )
    return render_template(
        "interpretation/answer.html",
        q=q,
        form=form,
        hide_form=hide_form,
        action_form=EmptyForm(),
        repeats=repeats,
        state=services.state(q, local_today()),
        may_answer=services.may_answer(current_user, q),
    ), (422 if form.errors else 200)


@manage_bp.post("/questions/<int:question_id>/hide")
def hide(question_id: int):
    q = managed_or_403(Question, question_id, via="matter")
    form = HideForm(prefix="hide")
    if form.validate_on_submit() and carry_out(
        None,
        lambda: services.hide_question(q, form.reason.data, form.note.data, actor=current_user),
    ):
        flash(_("The question is withheld from the public; it is kept."), "success")
    elif form.errors:
        flash(_("Please check the form."), "error")
    return redirect(url_for("manage_interpretation.question", question_id=q.id))


@manage_bp.post("/questions/<int:question_id>/restore")
def restore(question_id: int):
    q = managed_or_403(Question, question_id, via="matter")
    sent_or_400(EmptyForm())
    if carry_out(None, lambda: services.restore_question(q, actor=current_user)):
        flash(_("The question is public again."), "success")
    return redirect(url_for("manage_interpretation.question", question_id=q.id))


@manage_bp.route("/matters/<int:matter_id>/follow-up", methods=["GET", "POST"])
def follow_up(matter_id: int):
    m = managed_or_403(DecisionMatter, matter_id)
    form = FollowUpForm()
    if form.validate_on_submit() and (
        done := carry_out(
            form, lambda: services.publish_follow_up(m, form.to_data(), actor=current_user)
        )
    ):
        flash(_("The follow-up interpretation is published."), "success")
        return redirect(
            url_for(
                "interpretation.interpretation", matter_id=m.id, interpretation_id=done.value.id
            )
        )
    return render_template("interpretation/follow_up.html", m=m, form=form), (
        422 if form.errors else 200
    )


def _specialist_form(department_id: int | None) -> SpecialistForm:
    form = SpecialistForm()
    officers = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.OFFICER.value, User.active)
        .order_by(User.department_id, User.id)
    )
    form.user_id.choices = choices(
        [(0, "—")]
        + [
            (u.id, u.signature)
            for u in officers
            if manages_department(current_user, u.department_id)
            and (department_id is None or u.department_id == department_id)
        ]
    )
    return form


@manage_bp.route("/specialists", methods=["GET", "POST"])
def manage_specialists():
    """A department names its policy specialists (the office, for any department)."""
    own = None if current_user.is_admin else current_user.department_id
    form = _specialist_form(own)

    def name() -> PolicySpecialist:
        user = db.session.get(User, form.user_id.data or 0)
        if user is None or user.department is None:
            raise RuleViolation("user_id", _("Choose an active officer of the department."))
        return services.name_specialist(
            user.department,
            {"user_id": user.id, "remit": form.remit.data},
            actor=current_user,
        )

    if form.validate_on_submit() and carry_out(form, name):
        flash(_("The policy specialist is named and listed publicly."), "success")
        return redirect(url_for("manage_interpretation.manage_specialists"))
    roles = [r for r in services.current_specialists(own) if r.can_manage(current_user)]
    return render_template(
        "interpretation/manage_specialists.html",
        form=form,
        roles=roles,
        end_form=EmptyForm(),
    ), (422 if form.errors else 200)


@manage_bp.post("/specialists/<int:role_id>/end")
def end_specialist(role_id: int):
    role = db.get_or_404(PolicySpecialist, role_id)
    sent_or_400(EmptyForm())
    if carry_out(None, lambda: services.end_specialist(role, actor=current_user)):
        flash(
            _("The officer no longer answers questions; past answers keep their name."), "success"
        )
    return redirect(url_for("manage_interpretation.manage_specialists"))
