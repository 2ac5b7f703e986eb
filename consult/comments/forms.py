from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

from consult.comments.rules import BODY_MAX
from consult.comments.rules import CONTACT_MAX
from consult.comments.rules import HIDE_REASON_LABELS
from consult.comments.rules import IMPORT_SOURCES
from consult.comments.rules import MAX_IMPORT_BYTES
from consult.comments.rules import MAX_IMPORT_ROWS
from consult.comments.rules import NAME_MAX
from consult.comments.rules import NOTE_MAX
from consult.comments.rules import SOURCE_LABELS
from consult.core.forms import choices
from consult.core.forms import local_time_field
from consult.core.ids import RECEIPT_TEXT_MAX


class CommentForm(FlaskForm):
    # The service checks the clause (an unknown one is refused there, for the API too); the
    # choices are only filled in to show the form.
    clause = SelectField(_l("Your comment is about"), choices=[], default="", validate_choice=False)
    body = TextAreaField(
        _l("Your comment"),
        description=_l("10 to 5,000 characters. Published comments are visible to everyone."),
        validators=[Length(max=BODY_MAX * 2)],
    )
    author_name = StringField(_l("Your name"), validators=[Length(max=NAME_MAX * 4)])
    show_name = BooleanField(
        _l("Show my name with the comment (otherwise it appears as anonymous)")
    )
    contact = StringField(
        _l("Phone or email (optional, never published)"),
        description=_l("Only the department sees it, to ask you about your comment."),
        validators=[Length(max=CONTACT_MAX * 4)],
    )
    attachment = FileField(_l("Attachment (optional: PDF or image, at most 10 MB)"))
    consent = BooleanField(
        _l(
            "I agree to the publication rules: my comment may be published; my contact details will not be."
        )
    )
    # A honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"))


class ReceiptLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    number = StringField(_l("Receipt number"), validators=[Length(max=RECEIPT_TEXT_MAX)])


class HideForm(FlaskForm):
    # No reason is chosen for the moderator: withholding a comment is a decision, and the
    # reason recorded is the one they picked (the service refuses an empty one).
    reason = SelectField(
        _l("Reason"),
        choices=choices(
            [("", _l("Choose a reason…"))]
            + [(k.value, label) for k, label in HIDE_REASON_LABELS.items()]
        ),
        default="",
    )
    note = TextAreaField(_l("Note for the author (optional)"), validators=[Length(max=NOTE_MAX)])


class OfflineCommentForm(FlaskForm):
    source = SelectField(
        _l("Source"),
        choices=choices((k.value, label) for k, label in SOURCE_LABELS.items() if k != "online"),
    )
    activity_id = SelectField(_l("Activity"), choices=[], default="")
    received_at = local_time_field(_l("Received at"))
    clause = SelectField(_l("About"), choices=[], default="")
    author_name = StringField(_l("Name of the person"), validators=[Length(max=NAME_MAX * 4)])
    show_name = BooleanField(_l("The person agreed to have their name shown"))
    contact = StringField(
        _l("Phone or email (never published)"), validators=[Length(max=CONTACT_MAX * 4)]
    )
    body = TextAreaField(_l("Comment"), validators=[Length(max=BODY_MAX * 2)])


class CommentImportForm(FlaskForm):
    """A file of comments gathered offline, for a consultation (comments.imports). The
    consultations offered are those the user manages; the service is the gate."""

    consultation = SelectField(_l("Consultation"), choices=[], validate_choice=False)
    source = SelectField(
        _l("Where the comments came from"),
        choices=choices(
            [("", _l("Named in each row (column 渠道 source)"))]
            + [(value, SOURCE_LABELS[value]) for value in IMPORT_SOURCES]
        ),
        default="",
        description=_l("Rows whose source cell is empty get the source chosen here."),
    )
    file = FileField(
        _l("File"),
        description=_l(
            "CSV (UTF-8 or GB18030/GBK) or XLSX, at most %(mb)d MB and %(rows)s rows.",
            mb=MAX_IMPORT_BYTES // (1024 * 1024),
            rows=f"{MAX_IMPORT_ROWS:,}",
        ),
    )


class ImportStepForm(FlaskForm):
    """The go-ahead for a checked file (or starting a stopped job again): a button."""
