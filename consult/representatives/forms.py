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
from consult.representatives.rules import CATEGORY_LABELS
from consult.representatives.rules import MAX_STATEMENT
from consult.representatives.rules import STATUS_LABELS


def category_choices():
    return choices([("", "—")] + [(c.value, label) for c, label in CATEGORY_LABELS.items()])


INTERESTS_HINT = _l("Topics or departments, separated by commas or 、, e.g. transport、education")
PRIVATE_HINT = _l("Private: only the government office sees it; it is never published.")


class ApplicationForm(FlaskForm):
    category = SelectField(_l("Category"), choices=category_choices())
    affiliation = StringField(
        _l("Affiliation"),
        description=_l("Your organisation or position, shown on the public roster."),
        validators=[Length(max=200)],
    )
    interests = StringField(
        _l("Fields of interest"), description=INTERESTS_HINT, validators=[Length(max=1000)]
    )
    statement = TextAreaField(
        _l("Why would you like to join?"), validators=[Length(max=MAX_STATEMENT)]
    )
    phone = StringField(
        _l("Telephone (optional)"), description=PRIVATE_HINT, validators=[Length(max=40)]
    )


class OpenApplicationForm(ApplicationForm):
    """Applying without an account: who applies, and where the decision is sent."""

    name = StringField(
        _l("Your name"),
        description=_l("As it will appear on the public roster if you are taken in."),
        validators=[Length(max=50)],
    )
    email = EmailField(
        _l("Email address"),
        description=_l(
            "Private. The receipt and the decision are sent here; if the application is "
            "approved, your account is opened for this address."
        ),
        validators=[Length(max=254)],
    )
    # A honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"))


class RepresentativeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=50)])
    category = SelectField(_l("Category"), choices=category_choices())
    affiliation = StringField(_l("Affiliation"), validators=[Length(max=200)])
    interests = StringField(
        _l("Fields of interest"), description=INTERESTS_HINT, validators=[Length(max=1000)]
    )
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    phone = StringField(_l("Telephone"), description=PRIVATE_HINT, validators=[Length(max=40)])
    email = EmailField(
        _l("Email address"),
        description=_l("Private. Invitations to meetings are sent here."),
        validators=[Length(max=254)],
    )
    account_email = EmailField(
        _l("Platform account (optional)"),
        description=_l(
            "The email address of the person's account, so they can answer invitations online."
        ),
        validators=[Length(max=254)],
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
