"""Cache validators for public lists, feeds and downloads: ETag, Last-Modified and the
conditional GET that answers 304 Not Modified when nothing changed.

Pages differ by language (a cookie) and by login state, so every ETag mixes both in and the
responses keep `Vary: Cookie`; pages for a logged-in browser get no validators at all (they
carry per-session CSRF tokens, so they never repeat anyway). `Cache-Control: no-cache` makes
every cache revalidate: without it a browser could guess a freshness lifetime from
Last-Modified and show a stale list without asking.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import Response
from flask import request
from flask_login import current_user

from consult.core import i18n


def _authenticated() -> bool:
    return bool(request.headers.get("Authorization")) or bool(
        getattr(current_user, "is_authenticated", False)
    )


def variant() -> list[str]:
    """What, besides the data, a representation depends on: the language and login state."""
    return [i18n.requested_language(), "auth" if _authenticated() else "anon"]


def etag_for(*parts: Any) -> str:
    """A strong entity tag from the given parts and the request's variant."""
    raw = json.dumps([*parts, *variant()], default=_plain, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def body_etag(response: Response) -> str:
    """An entity tag from a finished (non-streamed) body and the request's variant."""
    digest = hashlib.sha256(response.get_data()).hexdigest()
    return etag_for("body", digest)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _http_time(value: datetime | None) -> datetime | None:
    # HTTP dates have whole seconds; Werkzeug compares them truncated too.
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0)


def set_validators(
    response: Response, *, etag: str, last_modified: datetime | None = None
) -> Response:
    """Put the ETag, Last-Modified, Cache-Control and Vary headers on a response."""
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = _http_time(last_modified)
    response.cache_control.no_cache = True
    if _authenticated():
        response.cache_control.private = True
    response.vary.add("Cookie")
    if request.path.startswith("/api/"):
        response.vary.add("Authorization")
    return response


def conditional(
    response: Response,
    *,
    last_modified: datetime | None = None,
    etag_parts: tuple | list | None = None,
) -> Response:
    """Add validators to a finished response and answer 304 when the client's copy is
    current. The ETag comes from `etag_parts` (plus the variant) or else from the body."""
    etag = etag_for(*etag_parts) if etag_parts is not None else body_etag(response)
    set_validators(response, etag=etag, last_modified=last_modified)
    return response.make_conditional(request)


def not_modified(*, etag: str, last_modified: datetime | None = None) -> Response | None:
    """A 304 response when the client's copy matches, else None. Checked before a streamed
    download is started, so an unchanged file costs no query beyond its version."""
    probe = Response(status=200)
    set_validators(probe, etag=etag, last_modified=last_modified)
    probe.make_conditional(request)
    return probe if probe.status_code == 304 else None


def streaming(response: Response) -> Response:
    """Keep Werkzeug from turning a streamed body into a list (to measure its length for
    a conditional answer, for example), which would hold the whole download in memory."""
    response.implicit_sequence_conversion = False
    return response


def validate_page(response: Response, last_modified: datetime | None) -> Response:
    """The after-request step for a public list or feed: validators on a plain 200 answer to
    an anonymous GET, then the conditional check. Streamed bodies and responses that already
    carry an ETag are left as they are."""
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or response.is_streamed
        or response.direct_passthrough
        or "ETag" in response.headers
    ):
        return response
    if getattr(current_user, "is_authenticated", False) and not request.path.startswith("/api/"):
        return response
    return conditional(response, last_modified=last_modified)


# --- request size -----------------------------------------------------------------------


def upload_limit(max_bytes: int) -> Callable:
    """A view that takes uploads larger than MAX_CONTENT_LENGTH (a file of comments): its
    requests may carry `max_bytes`. (Set before the CSRF check reads the form.)"""

    def decorate(view: Callable) -> Callable:
        view.max_content_length = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


def register_upload_limits(app: Flask) -> None:
    """Apply the views' `upload_limit`s; registered before CSRFProtect, which reads the form
    before the view runs."""

    @app.before_request
    def _upload_limit() -> None:
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "max_content_length", None)
        if limit:
            request.max_content_length = limit
