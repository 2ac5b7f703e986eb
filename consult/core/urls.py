"""Addresses: absolute links for what leaves the site, and safe redirect targets.

Every link in a PDF, a mail or a feed is built from the configured PUBLIC_URL, never from
the request's Host header: a forged Host would otherwise be printed into a report that is
archived for years, or mailed to every subscriber. The same helper works outside a request
(`flask tick`, report jobs, the demo), where there is no Host to take anything from.
"""

from __future__ import annotations

import logging
from urllib.parse import quote
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)

# Used only when a deployment that is not production left PUBLIC_URL empty on purpose.
FALLBACK_PUBLIC_URL = "http://localhost"
_warned: list[bool] = []  # warn once per process


def check_public_url(value: str) -> str:
    """`value` without its trailing slash if it is an absolute http(s) address with a host and
    at most a path (no query, fragment or user info); ValueError otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"PUBLIC_URL must be an absolute http(s) address, not {value!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"PUBLIC_URL must not carry a query, fragment or user: {value!r}")
    return value.strip().rstrip("/")


def public_base() -> str:
    """The site's public address (PUBLIC_URL), e.g. "https://consult.example.gov.cn"."""
    configured = current_app.config.get("PUBLIC_URL") or ""
    if configured:
        return check_public_url(configured)
    if not _warned:
        _warned.append(True)
        log.warning(
            "PUBLIC_URL is not set: links in mails, feeds and PDFs use %s", FALLBACK_PUBLIC_URL
        )
    return FALLBACK_PUBLIC_URL


def public_host() -> str:
    """The host of PUBLIC_URL (tag: URIs of feeds, iCalendar UIDs)."""
    return (urlsplit(public_base()).hostname or "localhost").lower()


def public_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` under PUBLIC_URL, like `url_for(..., _external=True)`
    but from configuration only, in a request or outside one.

    The URL map is bound to PUBLIC_URL's host and path (not the request's): a site published
    under a path prefix (https://gov.example/consult) gets it once, where joining a request's
    `url_for` path (which carries the proxy's SCRIPT_NAME) onto it could double it."""
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    parts = urlsplit(public_base())
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="")
    return url


def public_link(path: str) -> str:
    """An absolute address for a path of this site that is already built (starts with "/")."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"not a path of this site: {path!r}")
    return public_base() + path


def safe_local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`.

    Refuses schemes and hosts, protocol-relative `//host`, backslashes (browsers read them
    as slashes) and control characters (Werkzeug strips a tab, turning `/\\t/evil` into
    `//evil`, and a newline would break the header)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
