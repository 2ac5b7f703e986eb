"""Login, account page, API tokens; the government office's department and user admin."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from consult.accounts import rules
from consult.accounts import services
from consult.accounts.forms import ROLE_LABELS
from consult.accounts.forms import ChangePasswordForm
from consult.accounts.forms import DepartmentForm
from consult.accounts.forms import ForgotPasswordForm
from consult.accounts.forms import LoginForm
from consult.accounts.forms import NewPasswordForm
from consult.accounts.forms import TokenForm
from consult.accounts.forms import UserForm
from consult.accounts.models import ApiToken
from consult.accounts.models import Department
from consult.accounts.models import Role
from consult.accounts.models import User
from consult.comments.models import Comment
from consult.core.auth import admin_only
from consult.core.errors import RuleViolation
from consult.core.forms import carry_out
from consult.core.forms import choices
from consult.core.mail import send
from consult.core.queries import newest_first
from consult.core.urls import safe_local_path
from consult.extensions import configured_limit
from consult.extensions import db
from consult.extensions import limiter
from consult.notifications import mails

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def _safe_next(target: str | None) -> str:
    return safe_local_path(target, url_for("site.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = LoginForm()
    if form.validate_on_submit() and (
        done := carry_out(form, lambda: services.authenticate(form.email.data, form.password.data))
    ):
        login_user(done.value)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), (422 if form.errors else 200)


_reset_limit = configured_limit("PASSWORD_RESET_RATE_LIMIT")


def _hours(delta) -> int:
    return int(delta.total_seconds() // 3600)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    """Ask for a link to set a new password. The answer is the same whether or not an account
    has the address."""
    form = ForgotPasswordForm()
    if form.validate_on_submit() and (
        done := carry_out(form, lambda: services.request_password_reset(form.email.data))
    ):
        if done.value is not None:
            user, token = done.value
            send([mails.password_reset_mail(user, token)])
        flash(
            _(
                "If an account has this address, a mail with a link to set a new password "
                "is on its way. The link works once, within %(n)d hour(s). Nothing arrived? "
                "Look in the spam folder, or ask again in a few minutes.",
                n=_hours(rules.RESET_LINK_VALID),
            ),
            "info",
        )
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/forgot_password.html", form=form), (
        422 if form.errors else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        user = services.user_for_password_link(token)
    except RuleViolation as exc:
        return render_template("accounts/reset_password.html", form=None, problem=exc.message), 400
    form = NewPasswordForm()
    if form.validate_on_submit() and carry_out(
        form, lambda: services.reset_password(token, form.password.data)
    ):
        if current_user.is_authenticated:
            logout_user()  # whoever was signed in here, the password's owner logs in anew
        flash(_("Your password has been set. Log in with it now."), "success")
        return redirect(url_for("accounts.login"), code=303)
    return render_template(
        "accounts/reset_password.html", form=form, problem=None, email=user.email
    ), (422 if form.errors else 200)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("site.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm(prefix="pw")
    token_form = TokenForm(prefix="token")
    new_secret = None
    if (
        request.method == "POST"
        and "pw-current_password" in request.form
        and form.validate_on_submit()
    ):
        # Nested, not joined to the condition: a refused change must not go on to the elif.
        if carry_out(
            form,
            lambda: services.change_password(
                current_user, form.current_password.data, form.new_password.data, actor=current_user
            ),
        ):
            login_user(current_user)  # the session id changes with the password
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.account"))
    elif (
        request.method == "POST"
        and "token-name" in request.form
        and token_form.validate_on_submit()
        and (
            done := carry_out(
                token_form,
                lambda: services.issue_token(
                    current_user, token_form.name.data, actor=current_user
                ),
            )
        )
    ):
        _token, new_secret = done.value
    tokens = newest_first(ApiToken.created_at, ApiToken.user_id == current_user.id)
    my_comments = newest_first(Comment.submitted_at, Comment.user_id == current_user.id)
    status = 422 if (form.errors or token_form.errors) else 200
    return render_template(
        "accounts/account.html",
        form=form,
        token_form=token_form,
        tokens=tokens,
        new_secret=new_secret,
        role_label=ROLE_LABELS.get(current_user.role),
        my_comments=my_comments,
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    services.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.account"))


# --- the government office ---------------------------------------------------------------


admin_only(admin_bp)


@admin_bp.get("/departments")
def departments():
    rows = db.session.scalars(
        sa.select(Department).order_by(Department.active.desc(), Department.id)
    )
    return render_template("accounts/departments.html", departments=list(rows))


@admin_bp.route("/departments/new", methods=["GET", "POST"])
@admin_bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
def department_form(dept_id: int | None = None):
    dept = db.get_or_404(Department, dept_id) if dept_id else None
    form = DepartmentForm(obj=dept)

    def save() -> None:
        data = {
            "name": form.name.data,
            "short_name": form.short_name.data,
            "active": form.active.data,
        }
        if dept is None:
            services.create_department(data, actor=current_user)
        else:
            services.update_department(dept, data, actor=current_user)

    if form.validate_on_submit() and carry_out(form, save):
        flash(_("Saved."), "success")
        return redirect(url_for("admin.departments"))
    return render_template("accounts/department_form.html", form=form, dept=dept), (
        422 if form.errors else 200
    )


@admin_bp.get("/users")
def users():
    role = request.args.get("role")
    stmt = sa.select(User).order_by(User.role, User.id)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    return render_template(
        "accounts/users.html",
        users=list(db.session.scalars(stmt)),
        role=role,
        ROLE_LABELS=ROLE_LABELS,
    )


@admin_bp.route("/users/new", methods=["GET", "POST"])
@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_form(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user)
    form.department_id.choices = choices(
        [(0, "—")]
        + [
            (d.id, d.name)
            for d in db.session.scalars(sa.select(Department).order_by(Department.id))
        ]
    )
    if request.method == "GET" and user is not None:
        form.department_id.data = user.department_id or 0

    def save() -> None:
        data = {
            "email": form.email.data,
            "display_name": form.display_name.data,
            "role": form.role.data,
            "department_id": form.department_id.data or None,
            "department_head": bool(form.department_head.data),
            "active": form.active.data,
        }
        if user is None:
            data["password"] = form.password.data or ""
            services.create_user(data, actor=current_user)
        else:
            services.update_user(user, data, actor=current_user)
            if form.password.data:
                services.set_password(user, form.password.data, actor=current_user)

    if form.validate_on_submit() and carry_out(form, save):
        flash(_("Saved."), "success")
        return redirect(url_for("admin.users"))
    return render_template("accounts/user_form.html", form=form, user=user), (
        422 if form.errors else 200
    )
