"""Forms: an interpretation (with the decision, or a follow-up), a question, an answer, a
moderation, a specialist. Limits from interpretation.rules; the services are the gate."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from consult.comments.rules import HIDE_REASON_LABELS
from consult.core.forms import choices
from consult.interpretation import rules


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _title() -> StringField:
    return StringField(
        _l("Title of the interpretation"),
        validators=[Length(max=rules.MAX_TITLE)],
        render_kw={"maxlength": rules.MAX_TITLE},
    )


def _body() -> TextAreaField:
    return TextAreaField(
        _l("Interpretation"),
        description=_l("What was decided, for whom, what changes and why, in plain words."),
        validators=[Length(max=rules.MAX_BODY)],
        render_kw={"maxlength": rules.MAX_BODY, "rows": 10},
    )


def _forms() -> MultiCheckboxField:
    return MultiCheckboxField(
        _l("Forms of the interpretation"),
        description=_l("The text is always published; the other forms need a link."),
        choices=choices(rules.FORM_LABELS.items()),
        validate_choice=False,
    )


def _link() -> StringField:
    return StringField(
        _l("Link to the graphic, video or press conference"),
        validators=[Length(max=rules.MAX_URL)],
        render_kw={"maxlength": rules.MAX_URL, "placeholder": "https://", "type": "url"},
    )


# An interpretation's parts, as the service takes them and the forms name their fields.
_PARTS = ("title", "body", "forms", "link")


def _interpretation_of(form, prefix: str = "") -> dict[str, Any]:
    """The interpretation entered on `form`, whose fields are named `<prefix><part>`."""
    data = {part: getattr(form, prefix + part).data for part in _PARTS}
    data["forms"] = data["forms"] or []
    return data


class InterpretationFields:
    """The interpretation published with a decision, on the form that records it."""

    interpretation_title = _title()
    interpretation_body = _body()
    interpretation_forms = _forms()
    interpretation_link = _link()

    # A refused field of the service (interpretation.title) → this form's field.
    ALIASES = {
        "interpretation": "interpretation_title",
        **{f"interpretation.{part}": f"interpretation_{part}" for part in _PARTS},
    }

    def interpretation_data(self) -> dict[str, Any]:
        return _interpretation_of(self, "interpretation_")


class FollowUpForm(FlaskForm):
    title = _title()
    body = _body()
    forms = _forms()
    link = _link()

    def to_data(self) -> dict[str, Any]:
        return _interpretation_of(self)


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"),
        description=_l(
            "%(min)d to %(max)d characters. Published with its answer.",
            min=rules.QUESTION_MIN,
            max=rules.QUESTION_MAX,
        ),
        validators=[Length(max=rules.QUESTION_MAX + 100)],
        render_kw={"maxlength": rules.QUESTION_MAX, "rows": 5},
    )
    author_name = StringField(
        _l("Your name"),
        validators=[Length(max=rules.NAME_MAX)],
        render_kw={"maxlength": rules.NAME_MAX, "autocomplete": "name"},
    )
    show_name = BooleanField(_l("Show my name with the question"))
    contact = StringField(
        _l("Phone or email (optional, never published)"),
        description=_l("Only the department sees it, to reach you if needed."),
        validators=[Length(max=rules.CONTACT_MAX)],
        render_kw={"maxlength": rules.CONTACT_MAX},
    )
    consent = BooleanField(_l("I agree that my question and its answer are published"))

    def to_data(self) -> dict[str, Any]:
        return {
            "body": self.body.data or "",
            "author_name": self.author_name.data or "",
            "show_name": bool(self.show_name.data),
            "contact": self.contact.data or "",
            "consent": bool(self.consent.data),
        }


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Answer"),
        validators=[Length(max=rules.ANSWER_MAX + 100)],
        render_kw={"maxlength": rules.ANSWER_MAX, "rows": 8},
    )
    whole_group = BooleanField(_l("Give the same answer to the repeats of this question"))


class HideForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=choices(
            [("", "—")] + [(k.value, label) for k, label in HIDE_REASON_LABELS.items()]
        ),
    )
    note = TextAreaField(
        _l("Note (internal)"),
        validators=[Optional(), Length(max=rules.NOTE_MAX)],
        render_kw={"maxlength": rules.NOTE_MAX, "rows": 2},
    )


class SpecialistForm(FlaskForm):
    user_id = SelectField(_l("Officer"), coerce=int, choices=[])
    remit = StringField(
        _l("Answers for"),
        description=_l("Published: which decisions or questions this specialist answers."),
        validators=[Length(max=rules.MAX_REMIT)],
        render_kw={"maxlength": rules.MAX_REMIT},
    )


class EmptyForm(FlaskForm):
    """An action button's form: only its CSRF token."""
