"""The comment submission limit: one per client, shared by the web form and the API (a
scope of its own, so five a minute means five, whichever way they arrive)."""

from __future__ import annotations

from flask import current_app

from consult.extensions import limiter


def _comment_limit() -> str:
    return current_app.config["COMMENT_RATE_LIMIT"]


comment_limit = limiter.shared_limit(_comment_limit, scope="comment_submission")
