"""Care mode (关怀模式): the larger, calmer rendering that MIIT's 2020 programme for
elderly-friendly websites (《互联网网站适老化通用设计规范》) asks government sites to offer.

The choice is a cookie, read on the server, so the very first paint of every page is already
in care mode (no script flips it after load, no flash) and it works without JavaScript. What
care mode changes is CSS only, under `html.care` in static/css/site.css.
"""

from __future__ import annotations

from flask import has_request_context
from flask import request

CARE_COOKIE = "care"
CARE_ON = "1"


def care_mode() -> bool:
    """Whether this request's reader has switched care mode on."""
    return has_request_context() and request.cookies.get(CARE_COOKIE) == CARE_ON
