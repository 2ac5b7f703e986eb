"""Forms of the public-representative pool: applying, and the government office's screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import EmailField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import Length
from wtforms.validators import Optional

from consult.core.forms import choices
from consult.core.forms import limited
from consult.representatives.rules import CATEGORY_LABELS
from consult.representatives.rules import MAX_AFFILIATION
from consult.representatives.rules import MAX_EMAIL
from consult.representatives.rules import MAX_INTERESTS_TEXT
from consult.representatives.rules import MAX_NAME
from consult.representatives.rules import MAX_PHONE
from consult.representatives.rules import MAX_STATEMENT
from consult.representatives.rules import STATUS_LABELS


def category_choices():
    return choices([("", "—")] + [(c.value, label) for c, label in CATEGORY_LABELS.items()])


INTERESTS_HINT = _l("Topics or departments, separated by commas or 、, e.g. transport、education")
PRIVATE_HINT = _l("Private: only the government office sees it; it is never published.")


class ApplicationForm(FlaskForm):
    category = SelectField(_l("Category"), choices=category_choices())
    affiliation = limited(
        StringField,
        _l("Affiliation"),
        MAX_AFFILIATION,
        _l("Your organisation or position, shown on the public roster."),
    )
    interests = limited(StringField, _l("Fields of interest"), MAX_INTERESTS_TEXT, INTERESTS_HINT)
    statement = limited(TextAreaField, _l("Why would you like to join?"), MAX_STATEMENT)
    phone = limited(StringField, _l("Telephone (optional)"), MAX_PHONE, PRIVATE_HINT)


class OpenApplicationForm(ApplicationForm):
    """Applying without an account: who applies, and where the decision is sent."""

    name = limited(
        StringField,
        _l("Your name"),
        MAX_NAME,
        _l("As it will appear on the public roster if you are taken in."),
    )
    email = limited(
        EmailField,
        _l("Email address"),
        MAX_EMAIL,
        _l(
            "Private. The receipt and the decision are sent here; if the application is "
            "approved, your account is opened for this address."
        ),
    )
    # A honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"))


class RepresentativeForm(FlaskForm):
    name = limited(StringField, _l("Name"), MAX_NAME)
    category = SelectField(_l("Category"), choices=category_choices())
    affiliation = limited(StringField, _l("Affiliation"), MAX_AFFILIATION)
    interests = limited(StringField, _l("Fields of interest"), MAX_INTERESTS_TEXT, INTERESTS_HINT)
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    phone = limited(StringField, _l("Telephone"), MAX_PHONE, PRIVATE_HINT)
    email = limited(
        EmailField,
        _l("Email address"),
        MAX_EMAIL,
        _l("Private. Invitations to meetings are sent here."),
    )
    account_email = limited(
        EmailField,
        _l("Platform account (optional)"),
        MAX_EMAIL,
        _l("The email address of the person's account, so they can answer invitations online."),
    )


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"), choices=choices((s.value, label) for s, label in STATUS_LABELS.items())
    )
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class ConflictForm(FlaskForm):
    matter_id = SelectField(_l("Decision matter"), coerce=int, choices=[])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])


class DecideForm(FlaskForm):
    decision = StringField(validators=[AnyOf(["approve", "reject"])])
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required when rejecting; the applicant sees it."),
        validators=[Length(max=1000)],
    )
