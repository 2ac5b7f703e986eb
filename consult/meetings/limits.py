"""The on-site check-in limit, per account and shared by the web page and the API (one scope,
so ten a minute means ten whichever way they arrive). Per account rather than per address:
everyone at the venue may come through one Wi-Fi address, while a person trying to guess the
six-digit code from home is one account."""

from __future__ import annotations

from flask import request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from consult.extensions import configured_limit
from consult.extensions import limiter


def _account() -> str:
    user = None
    if request.path.startswith("/api/"):
        from consult.api import ApiError
        from consult.api import api_actor

        try:
            user = api_actor()
        except ApiError:
            user = None
    elif current_user.is_authenticated:
        user = current_user
    return f"user:{user.id}" if user is not None else get_remote_address()


checkin_limit = limiter.shared_limit(
    configured_limit("CHECKIN_RATE_LIMIT"), scope="venue_check_in", key_func=_account
)
