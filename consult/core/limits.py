"""Submission limits per client, shared by a web form and the API (scopes of their own, so five
a minute means five, whichever way they arrive).

Two limits: accepted submissions (the one residents are told about), and attempts (higher), so
that a resident whose text is refused three times for being too short is not then locked out,
while a script trying the form in a loop still is. On the web form, a limited submission gets
the form again with the text as typed (in the site's layout), not a bare error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from consult.extensions import configured_limit
from consult.extensions import limiter

ACCEPTED = (201, 303)


def _accepted(response) -> bool:
    return response.status_code in ACCEPTED


def submission_limits(
    kind: str,
    *,
    endpoint: str,
    form_again: Callable[..., Any],
    methods: list[str] | None = None,
) -> Callable:
    """A decorator applying the two limits of `kind` submissions: config keys
    `<KIND>_RATE_LIMIT` and `<KIND>_ATTEMPT_LIMIT`, scopes `<kind>_submission` and
    `<kind>_attempt`. On the web form (`endpoint`), a limited submission is answered by
    `form_again(**view_args)`, the form again as typed; elsewhere by the API's usual 429
    envelope."""

    def typed_text_kept(limit):
        if request.endpoint != endpoint or request.view_args is None:
            return None  # the API's usual 429 envelope
        return form_again(**request.view_args)

    accepted_limit = limiter.shared_limit(
        configured_limit(f"{kind.upper()}_RATE_LIMIT"),
        scope=f"{kind}_submission",
        deduct_when=_accepted,
        on_breach=typed_text_kept,
        methods=methods,
    )
    attempt_limit = limiter.shared_limit(
        configured_limit(f"{kind.upper()}_ATTEMPT_LIMIT"),
        scope=f"{kind}_attempt",
        on_breach=typed_text_kept,
        methods=methods,
    )

    def limits(view):
        return attempt_limit(accepted_limit(view))

    return limits
