"""Outgoing mail, sent after the commit. The backend is configuration: SMTP in production,
an outbox folder in development (the government office reads it on an admin page)."""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

from consult.core.time import now_utc

log = logging.getLogger(__name__)


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    unsubscribe_url: str | None = None


def render_mail(kind: str, to: str, *, unsubscribe_url: str | None = None, **context) -> Mail:
    """A mail from its templates, `templates/mail/<kind>/subject.txt` and `body.txt`, in the
    platform's language (zh_Hans: a mail is read later, away from the site's language
    switch). Links in the templates come from `public_url` (PUBLIC_URL, never a Host header)."""
    from flask_babel import force_locale

    from consult.core.urls import public_url

    env = current_app.jinja_env
    context = {"public_url": public_url, **context}
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        subject = env.get_template(f"mail/{kind}/subject.txt").render(context)
        body = env.get_template(f"mail/{kind}/body.txt").render(context)
    return Mail(to=to, subject=subject.strip(), body=body, unsubscribe_url=unsubscribe_url)


def _message(mail: Mail, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config.get(
        "MAIL_FROM", "东湖区重大行政决策公开平台 <noreply@donghu.example>"
    )
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="consult.local")
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.body)
    return msg


def outbox_dir() -> Path:
    return Path(current_app.config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def send(mails: list[Mail]) -> int:
    """Deliver mails; a failure is logged and never undoes the state change that caused it."""
    backend = current_app.config.get("MAIL_BACKEND", "outbox")
    now = now_utc()
    sent = 0
    for mail in mails:
        if not mail.to:
            continue
        msg = _message(mail, now)
        try:
            if backend == "smtp":
                with smtplib.SMTP(
                    current_app.config["MAIL_SERVER"],
                    current_app.config.get("MAIL_PORT", 25),
                    timeout=10,
                ) as smtp:
                    if current_app.config.get("MAIL_USE_TLS"):
                        smtp.starttls()
                    if current_app.config.get("MAIL_USERNAME"):
                        smtp.login(
                            current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"]
                        )
                    smtp.send_message(msg)
            elif backend == "outbox":
                folder = outbox_dir()
                folder.mkdir(parents=True, exist_ok=True)
                # Time first (names sort by it); the random part keeps two sends in the
                # same instant (several processes, a frozen test clock) from overwriting.
                name = f"{now:%Y%m%dT%H%M%S%f}-{sent:03d}-{secrets.token_hex(4)}.eml"
                (folder / name).write_bytes(bytes(msg))
            elif backend != "null":
                raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
            sent += 1
        except (OSError, smtplib.SMTPException):
            log.exception("could not send mail %r to %s", mail.subject, mail.to)
    return sent
