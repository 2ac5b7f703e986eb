"""Reading the development outbox: the .eml files `core.mail` writes when MAIL_BACKEND is
"outbox". Only names written by the mailer are opened, and only inside the folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.parser import BytesParser
from pathlib import Path

from consult.core.mail import outbox_dir

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}\.eml")
MAX_BYTES = 5 * 1024 * 1024
SHOWN_HEADERS = (
    "Date",
    "From",
    "To",
    "Subject",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass
class OutboxEntry:
    name: str
    date: datetime | None
    to: str
    subject: str


@dataclass
class OutboxMail:
    entry: OutboxEntry
    headers: list[tuple[str, str]]
    body: str


def _date(message: EmailMessage) -> datetime | None:
    header = message.get("Date")
    try:
        return header.datetime if header is not None else None
    except (AttributeError, ValueError, TypeError):
        return None


def _entry(name: str, message: EmailMessage) -> OutboxEntry:
    return OutboxEntry(
        name=name,
        date=_date(message),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
    )


def _path(name: str) -> Path | None:
    """The file for `name` if it is a mail in the outbox folder itself, else None."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return None
    folder = outbox_dir().resolve()
    path = folder / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder:
        return None
    return path


def list_mails(limit: int = 200) -> tuple[list[OutboxEntry], int]:
    """The newest `limit` mails (newest first) and how many there are."""
    folder = outbox_dir()
    if not folder.is_dir():
        return [], 0
    names = sorted((p.name for p in folder.iterdir() if NAME.fullmatch(p.name)), reverse=True)
    entries = []
    parser = BytesHeaderParser(policy=policy.default)
    for name in names[:limit]:
        path = _path(name)
        if path is None:
            continue
        with path.open("rb") as fh:
            entries.append(_entry(name, parser.parse(fh)))
    # File names start with the sending time; the Date header decides between equals.
    entries.sort(key=lambda e: (e.date.timestamp() if e.date else 0.0, e.name), reverse=True)
    return entries, len(names)


def read_mail(name: str) -> OutboxMail | None:
    path = _path(name)
    if path is None:
        return None
    with path.open("rb") as fh:
        raw = fh.read(MAX_BYTES)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = [(key, str(message[key])) for key in SHOWN_HEADERS if message.get(key) is not None]
    part = message.get_body(preferencelist=("plain",))
    try:
        body = part.get_content() if part is not None else ""
    except (LookupError, UnicodeDecodeError):
        body = ""
    return OutboxMail(entry=_entry(name, message), headers=headers, body=body)
