from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from consult.consultations.rules import ACTIVITY_LABELS
from consult.core.forms import choices

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class ConsultationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    draft = TextAreaField(
        _l("Consultation draft"),
        description=_l(
            "Paste the full text. Articles starting with 第一条, 第二条 … become numbered clauses that residents can comment on."
        ),
        validators=[Length(max=200_000)],
    )
    explanation = TextAreaField(_l("Drafting explanation"), validators=[Length(max=200_000)])
    documents = MultipleFileField(_l("Attachments (PDF, DOCX, ODT; at most 20 MB each)"))
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(
        _l("Closes at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("At least 30 days after the opening (Beijing time)."),
    )
    contact = StringField(
        _l("Contact for questions"),
        validators=[Length(max=200)],
        description=_l("Office, telephone or email published with the consultation."),
    )


class ClosingForm(FlaskForm):
    closes_at = DateTimeLocalField(
        _l("New closing time"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    reason = TextAreaField(_l("Reason (announced on the page)"), validators=[Length(max=2000)])


class ActivityForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=choices((k.value, label) for k, label in ACTIVITY_LABELS.items())
    )
    held_on = DateField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    participants = IntegerField(_l("Number of participants"), validators=[Optional()])
    minutes = TextAreaField(_l("Minutes"), validators=[Length(max=200_000)])


class DeleteForm(FlaskForm):
    pass


class DocumentForm(FlaskForm):
    document = FileField(_l("Attachment (PDF, DOCX, ODT; at most 20 MB)"))
