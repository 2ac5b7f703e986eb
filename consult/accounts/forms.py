from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from consult.accounts.models import Role
from consult.accounts.rules import MAX_PASSWORD_LENGTH
from consult.core.forms import choices

# What each account may do, named as a role (the admin's department, the government office,
# is shown beside it as a department, not as the role's name).
ROLE_LABELS = {
    Role.ADMIN: _l("Platform administrator"),
    Role.OFFICER: _l("Department officer"),
    Role.REPRESENTATIVE: _l("Public representative"),
    Role.RESIDENT: _l("Resident"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    confirm = PasswordField(
        _l("The new password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[Length(max=100)])


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    short_name = StringField(_l("Short name"), validators=[DataRequired(), Length(max=30)])
    active = BooleanField(_l("Active"), default=True)


class UserForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(
        _l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items())
    )
    department_id = SelectField(_l("Department"), coerce=int, choices=[])
    password = PasswordField(_l("Initial password"))
    department_head = BooleanField(_l("Head of the department (assigns comments to officers)"))
    active = BooleanField(_l("Active"), default=True)
