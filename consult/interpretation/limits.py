"""The question submission limits, per client, shared by the web form and the API (as the
comments' are, comments.limits): accepted questions, and attempts, so that a refused text does
not lock a resident out while a script trying the form in a loop is stopped. A limited web
submission gets the form again with the text as typed."""

from __future__ import annotations

from consult.core.limits import submission_limits


def _form_again(matter_id: int):
    from consult.interpretation.views import limited  # the views import the limits

    return limited(matter_id)


question_limits = submission_limits(
    "question", endpoint="interpretation.questions", form_again=_form_again, methods=["POST"]
)
