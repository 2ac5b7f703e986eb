from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from consult.core.forms import choices
from consult.feedback import rules
from consult.feedback.rules import DISPOSITION_LABELS


def disposition_choices():
    return choices([("", "—")] + [(k.value, label) for k, label in DISPOSITION_LABELS.items()])


class DispositionForm(FlaskForm):
    disposition = SelectField(_l("Disposition"), choices=disposition_choices())
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required unless the comment is adopted. Published with the comment."),
        validators=[Length(max=rules.MAX_REASON)],
    )
    duplicate_of = StringField(
        _l("Duplicate of (receipt number)"),
        description=_l("Only for “not applicable”: the comment that was answered."),
        validators=[Length(max=40)],
    )
    # Applying one answer to every comment a filter matches (maybe a hundred thousand) is
    # said in the form, so that it holds without JavaScript.
    everything = BooleanField(_l("Yes, apply this answer to every comment the filter matches"))


class AssignForm(FlaskForm):
    officer = SelectField(_l("Officer"), choices=[], validate_choice=False)


class PublishForm(FlaskForm):
    summary = TextAreaField(_l("How the draft changed"), validators=[Length(max=rules.MAX_SUMMARY)])
    revised_draft = FileField(_l("Revised draft (optional: PDF, DOCX, ODT)"))
    # Publishing cannot be undone: the officer says so in the form, not in a script's dialog,
    # so that it holds without JavaScript and a refused form keeps the tick.
    confirm = BooleanField(
        _l("I have checked the answers and understand that publishing cannot be undone"),
        validators=[
            InputRequired(message=_l("Confirm that the answers may be published for good."))
        ],
    )


class CorrectionForm(FlaskForm):
    note = TextAreaField(
        _l("What this new version corrects"), validators=[Length(max=rules.MAX_CORRECTION_NOTE)]
    )


class TemplateForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=rules.MAX_TEMPLATE_TITLE)])
    disposition = SelectField(_l("Disposition"), choices=disposition_choices())
    reason = TextAreaField(_l("Reason"), validators=[Length(max=rules.MAX_REASON)])
