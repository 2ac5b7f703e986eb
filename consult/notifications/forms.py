"""Forms: subscribing (on public pages), confirming, unsubscribing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import Length

from consult.notifications.rules import MAX_EMAIL


class SubscribeForm(FlaskForm):
    """Without a CSRF token on purpose: the form sits on cached public lists (whose bodies
    must not change per visitor), nothing about it is tied to a session, and the double
    opt-in mail, not the form, is what lets an address be used. Rate-limited per IP."""

    class Meta:
        csrf = False

    email = EmailField(
        _l("Your email address"),
        description=_l(
            "Used only to send these mails; every mail has a link to unsubscribe with one click."
        ),
        validators=[Length(max=MAX_EMAIL * 2)],
    )
    topic = SelectField(_l("Send me mail about"), choices=[], validate_choice=False)
    next = HiddenField()
    # A honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"))


class ConfirmForm(FlaskForm):
    pass


class UnsubscribeForm(FlaskForm):
    """The button on the unsubscribe page. The link's secret token is the protection (a mail
    client's one-click POST carries no cookie either), so no CSRF token."""

    class Meta:
        csrf = False
