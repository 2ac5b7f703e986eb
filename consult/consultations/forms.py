from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import MultipleFileField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional

from consult.consultations import rules
from consult.consultations.rules import ACTIVITY_LABELS
from consult.core.forms import choices
from consult.core.forms import local_time_field


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=rules.MAX_TITLE)])
    draft = TextAreaField(
        _l("Consultation draft"),
        description=_l(
            "Paste the full text. Articles starting with 第一条, 第二条 … become numbered clauses that residents can comment on."
        ),
        validators=[Length(max=rules.MAX_TEXT)],
    )
    explanation = TextAreaField(_l("Drafting explanation"), validators=[Length(max=rules.MAX_TEXT)])
    documents = MultipleFileField(_l("Attachments (PDF, DOCX, ODT; at most 20 MB each)"))
    opens_at = local_time_field(_l("Opens at"))
    closes_at = local_time_field(
        _l("Closes at"), _l("At least 30 days after the opening (Beijing time).")
    )
    contact = StringField(
        _l("Contact for questions"),
        validators=[Length(max=rules.MAX_CONTACT)],
        description=_l("Office, telephone or email published with the consultation."),
    )


class ClosingForm(FlaskForm):
    closes_at = local_time_field(_l("New closing time"))
    reason = TextAreaField(
        _l("Reason (announced on the page)"), validators=[Length(max=rules.MAX_REASON)]
    )


class ActivityForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=choices((k.value, label) for k, label in ACTIVITY_LABELS.items())
    )
    held_on = DateField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Length(max=rules.MAX_PLACE)])
    participants = IntegerField(_l("Number of participants"), validators=[Optional()])
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=rules.MAX_TEXT)])


class DeleteForm(FlaskForm):
    pass


class DocumentForm(FlaskForm):
    document = FileField(_l("Attachment (PDF, DOCX, ODT; at most 20 MB)"))
