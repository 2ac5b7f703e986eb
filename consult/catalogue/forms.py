from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional

from consult.catalogue import rules
from consult.catalogue.models import PROCEDURE_VALUES
from consult.core.forms import choices
from consult.extensions import db
from consult.interpretation.forms import InterpretationFields


def matter_choices() -> list:
    """Every published matter (newest catalogue first) as a select's choices, after "—" (none)."""
    from consult.catalogue.services import search_matters

    matters = db.session.scalars(search_matters())
    return choices([(0, "—")] + [(m.id, f"{m.code} {m.title}") for m in matters])


class MatterForm(FlaskForm):
    title = StringField(_l("Decision matter"), validators=[Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=5000)])
    department_id = SelectField(_l("Lead department"), coerce=int, choices=[])
    planned_time = StringField(
        _l("Planned decision time"),
        description=_l("A month (2026-07 or 2026年7月) or a quarter (2026-Q3 or 2026年第三季度)."),
        validators=[Length(max=30)],
    )
    hearing = RadioField(
        _l("Hearing held"), choices=choices([("yes", _l("Yes")), ("no", _l("No"))]), default="no"
    )
    public_participation = BooleanField()
    expert_argumentation = BooleanField()
    risk_assessment = BooleanField()
    legality_review = BooleanField()
    collective_discussion = BooleanField()
    reason = TextAreaField(
        _l("Reason for the adjustment"),
        description=_l(
            "The catalogue is published: the change and this reason are shown publicly."
        ),
        validators=[Length(max=2000)],
    )

    def procedure_fields(self):
        return [getattr(self, kind) for kind in PROCEDURE_VALUES]

    def to_data(self) -> dict:
        return {
            "title": self.title.data,
            "summary": self.summary.data,
            "department_id": self.department_id.data,
            "planned_time": self.planned_time.data,
            "hearing": {"yes": True, "no": False}.get(self.hearing.data),
            "procedures": {kind: getattr(self, kind).data for kind in PROCEDURE_VALUES},
            "reason": self.reason.data,
        }


class StatusForm(InterpretationFields, FlaskForm):
    """A status change; deciding publishes the decision with its interpretation."""

    status = SelectField(_l("New status"), choices=[])
    decision_date = DateField(_l("Decision date"), validators=[Optional()])
    decision_document_url = StringField(
        _l("Link to the decision document"), validators=[Length(max=500)]
    )


class PostponeForm(FlaskForm):
    planned_time = StringField(
        _l("Planned decision time next year"),
        description=_l("A month (2027-03 or 2027年3月) or a quarter (2027-Q1 or 2027年第一季度)."),
        validators=[Length(max=rules.MAX_PLANNED_TIME)],
        render_kw={"maxlength": rules.MAX_PLANNED_TIME, "required": True},
    )
    reason = TextAreaField(
        _l("Reason for the postponement"),
        description=_l("Published in both years' catalogues with the matter."),
        validators=[Length(max=rules.MAX_REASON)],
        render_kw={"maxlength": rules.MAX_REASON, "required": True, "rows": 4},
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawal"), validators=[Length(max=2000)])


class ProcedureForm(FlaskForm):
    kind = SelectField(_l("Procedure"), choices=[])
    done_on = DateField(_l("Done on"), validators=[Optional()])


class YearForm(FlaskForm):
    year = StringField(_l("Year"), validators=[Length(max=4)])
