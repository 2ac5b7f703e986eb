"""Redirect targets taken from user input must stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


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
