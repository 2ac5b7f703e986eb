"""The comment submission limits, per client, shared by the web form and the API (scopes of
their own, so five a minute means five, whichever way they arrive).

Two limits: accepted comments (COMMENT_RATE_LIMIT, the one residents are told about), and
attempts (COMMENT_ATTEMPT_LIMIT, higher), so that a resident whose text is refused three
times for being too short is not then locked out, while a script trying the form in a loop
still is. On the web form, a limited submission gets the consultation page again with the
text as typed (in the site's layout), not a bare error page.
"""

from __future__ import annotations

from consult.core.limits import submission_limits


def _form_again(consultation_id: int):
    from consult.comments.views import limited  # the views import the limits

    return limited(consultation_id)


comment_limits = submission_limits("comment", endpoint="comments.submit", form_again=_form_again)
