"""Shared set-up for the notification tests: an outbox folder of the test's own, reading
its .eml files with the email package, and subscribing through the services.

Not a test module: the `outbox` fixture (tests/conftest.py) is an `Outbox`; the tests import
the readers they use from here."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

from consult.extensions import db
from consult.notifications import services
from consult.notifications.models import Subscription

_URL = re.compile(r"https?://[^\s<>]+")


class Outbox:
    """The mails the app wrote, oldest first; `take()` returns the new ones and clears."""

    def __init__(self, folder: Path):
        self.folder = folder

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        return [parser.parsebytes(path.read_bytes()) for path in self.files()]

    def take(self) -> list[EmailMessage]:
        found = self.messages()
        for path in self.files():
            path.unlink()
        return found


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def recipients(messages: list[EmailMessage]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


def links(message: EmailMessage) -> list[str]:
    return _URL.findall(body(message))


def path_of(url: str) -> str:
    return urlsplit(url).path


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith("<") and header.endswith(">"), header
    return path_of(header[1:-1])


def confirm_path(message: EmailMessage) -> str:
    return next(path_of(u) for u in links(message) if "/subscriptions/confirm/" in u)


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def subscribe(email: str, topic: str, *, confirmed: bool = True) -> Subscription:
    """A subscription made through the services (and committed), confirmed by default."""
    result = services.subscribe(email, topic)
    if confirmed:
        services.confirm_subscription(result.token)
    db.session.commit()
    return result.subscription
