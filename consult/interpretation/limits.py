"""The question submission limits, per client, shared by the web form and the API (as the
comments' are, comments.limits): accepted questions, and attempts, so that a refused text does
not lock a resident out while a script trying the form in a loop is stopped. A limited web
submission gets the form again with the text as typed."""

from __future__ import annotations

from flask import request

from consult.extensions import configured_limit
from consult.extensions import limiter

ACCEPTED = (201, 303)


def _accepted(response) -> bool:
    return response.status_code in ACCEPTED


def _typed_text_kept(limit):
    if request.endpoint != "interpretation.questions" or request.view_args is None:
        return None  # the API's usual 429 envelope
    from consult.interpretation.views import limited

    return limited(request.view_args["matter_id"])


question_limit = limiter.shared_limit(
    configured_limit("QUESTION_RATE_LIMIT"),
    scope="question_submission",
    deduct_when=_accepted,
    on_breach=_typed_text_kept,
    methods=["POST"],
)
attempt_limit = limiter.shared_limit(
    configured_limit("QUESTION_ATTEMPT_LIMIT"),
    scope="question_attempt",
    on_breach=_typed_text_kept,
    methods=["POST"],
)


def question_limits(view):
    return attempt_limit(question_limit(view))
