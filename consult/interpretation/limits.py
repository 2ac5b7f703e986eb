"""The question submission limits, per client, shared by the web form and the API (as the
comments' are, comments.limits): accepted questions, and attempts, so that a refused text does
not lock a resident out while a script trying the form in a loop is stopped. A limited web
submission gets the form again with the text as typed."""

from __future__ import annotations

from consult.core.limits import submission_limits

question_limits = submission_limits(
    "question",
    endpoint="interpretation.questions",
    view_arg="matter_id",
    form_again="consult.interpretation.views:limited",
    methods=["POST"],
)
