"""Forms for meetings: scheduling, invitations, the draw, check-in, remarks, outcomes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms import FormField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from consult.core.forms import choices
from consult.core.forms import local_time_field
from consult.meetings.rules import KIND_LABELS
from consult.meetings.rules import MAX_SEED
from consult.representatives.models import Category
from consult.representatives.rules import CATEGORY_LABELS

AGENDA_ROWS = 8


class AgendaRowForm(Form):
    """One agenda row inside MeetingForm (a plain Form: the outer form carries the CSRF token)."""

    title = StringField(_l("Agenda item"), validators=[Length(max=200)])
    matter_id = SelectField(_l("Decision matter"), coerce=int, choices=[], validate_choice=False)


class MeetingForm(FlaskForm):
    kind = SelectField(
        _l("Type of meeting"),
        choices=choices((k.value, label) for k, label in KIND_LABELS.items()),
    )
    title = StringField(_l("Title"), validators=[Length(max=200)])
    starts_at = local_time_field(_l("Starts at"), _l("Beijing time."))
    ends_at = local_time_field(_l("Ends at"))
    registration_deadline = local_time_field(
        _l("Registration deadline"), _l("Invited representatives accept or decline until then.")
    )
    place = StringField(_l("Place"), validators=[Length(max=200)])
    seats = IntegerField(
        _l("Seats for representatives"), validators=[Optional(), NumberRange(0, 500)], default=0
    )
    department_id = SelectField(_l("Organiser"), coerce=int, choices=[])

    # Agenda rows are added below as agenda_1 … agenda_8 so each has a stable field name.

    def agenda_rows(self):
        return [getattr(self, f"agenda_{n}") for n in range(1, AGENDA_ROWS + 1)]


for _n in range(1, AGENDA_ROWS + 1):
    setattr(MeetingForm, f"agenda_{_n}", FormField(AgendaRowForm, label=_l("Agenda item")))


class InviteForm(FlaskForm):
    representative_ids = SelectMultipleField(
        _l("Representatives"),
        coerce=int,
        choices=[],
        description=_l(
            "Only representatives who serve on the day and have no conflict of interest are listed."
        ),
    )


class DrawForm(FlaskForm):
    seed = StringField(
        _l("Seed (optional)"),
        validators=[Length(max=MAX_SEED)],
        description=_l(
            "Leave empty for a random seed. Either way it is published with the result, so anyone can re-run the draw."
        ),
    )

    def quota_fields(self):
        return [getattr(self, f"quota_{c.value}") for c in Category]

    def quotas(self) -> dict[str, int]:
        return {c.value: getattr(self, f"quota_{c.value}").data or 0 for c in Category}


for _category in Category:
    setattr(
        DrawForm,
        f"quota_{_category.value}",
        IntegerField(
            CATEGORY_LABELS[_category], validators=[Optional(), NumberRange(0, 100)], default=0
        ),
    )


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (record attendance)."""


class RemarkForm(FlaskForm):
    representative_id = SelectField(_l("Representative"), coerce=int, choices=[])
    agenda_item_id = SelectField(_l("Agenda item"), coerce=int, choices=[])
    text = TextAreaField(_l("Remark"), validators=[Length(max=5000)])


class OutcomeBase(FlaskForm):
    summary = TextAreaField(_l("Summary of the outcome"), validators=[Length(max=20_000)])


def outcome_form_for(meeting, **kwargs) -> OutcomeBase:
    """The outcome form with a decision and an interpretation field per agenda item, named
    decision_<id> / interpretation_<id> like the service's RuleViolation fields."""
    fields = {}
    for item in meeting.agenda:
        fields[f"decision_{item.id}"] = TextAreaField(
            _l("Decision on “%(title)s”", title=item.title), validators=[Length(max=10_000)]
        )
        fields[f"interpretation_{item.id}"] = TextAreaField(
            _l("Policy interpretation"),
            description=_l("Explain the decision to the public: why, what changes, for whom."),
            validators=[Length(max=20_000)],
        )
    form_class = type("OutcomeForm", (OutcomeBase,), fields)
    return form_class(prefix="outcome", **kwargs)


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[Length(max=40)])


class VenueCheckInForm(FlaskForm):
    """One tap after scanning the venue screen, or the six digits it shows, typed."""

    code = StringField(_l("The code on the venue screen"), validators=[Length(max=40)])


class ResponseForm(FlaskForm):
    answer = StringField(validators=[AnyOf(["accept", "decline"])])
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=1000)])
