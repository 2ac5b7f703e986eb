"""The comment submission limits, per client, shared by the web form and the API (scopes of
their own, so five a minute means five, whichever way they arrive).

Two limits: accepted comments (COMMENT_RATE_LIMIT, the one residents are told about), and
attempts (COMMENT_ATTEMPT_LIMIT, higher), so that a resident whose text is refused three
times for being too short is not then locked out, while a script trying the form in a loop
still is. On the web form, a limited submission gets the consultation page again with the
text as typed (in the site's layout), not a bare error page.
"""

from __future__ import annotations

from flask import request

from consult.extensions import configured_limit
from consult.extensions import limiter

ACCEPTED = (201, 303)


def _accepted(response) -> bool:
    return response.status_code in ACCEPTED


def _typed_text_kept(limit):
    """The web form's answer to a limited submission (None: the API's usual 429 envelope)."""
    if request.endpoint != "comments.submit":
        return None
    from consult.comments.views import limited

    return limited(request.view_args["consultation_id"])


comment_limit = limiter.shared_limit(
    configured_limit("COMMENT_RATE_LIMIT"),
    scope="comment_submission",
    deduct_when=_accepted,
    on_breach=_typed_text_kept,
)
attempt_limit = limiter.shared_limit(
    configured_limit("COMMENT_ATTEMPT_LIMIT"), scope="comment_attempt", on_breach=_typed_text_kept
)


def comment_limits(view):
    return attempt_limit(comment_limit(view))
