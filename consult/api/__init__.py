"""JSON API under /api/v1. Same services as the web UI; conventions in DESIGN.md."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint
from flask import g
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.accounts import services as accounts
from consult.api.spec import operation
from consult.core.errors import Forbidden
from consult.extensions import csrf
from consult.extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent by browsers on their own, so CSRF does not apply to them; a
# browser session writing to the API must still present the CSRF token (checked below).
csrf.exempt(bp)


class ApiError(Exception):
    def __init__(self, status: int, message, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.status, self.message, self.field, self.code = status, message, field, code


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    from consult import error_response

    db.session.rollback()
    return error_response(exc.status, exc.message, field=exc.field, code=exc.code)


def api_actor():
    """The authenticated user behind this request (staff, or a representative): bearer token,
    or session + CSRF. None when anonymous."""
    if "api_actor" in g:
        return g.api_actor
    header = request.headers.get("Authorization", "")
    user = None
    if header.startswith("Bearer "):
        user = accounts.user_for_token(header[7:].strip())
        if user is None:
            raise ApiError(401, _l("The token is unknown or revoked."), code="unauthorized")
    elif current_user.is_authenticated:
        from flask_wtf.csrf import validate_csrf
        from wtforms import ValidationError

        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            raise ApiError(400, _l("Missing or invalid CSRF token."), code="csrf") from None
        user = current_user._get_current_object()
    g.api_actor = user
    return user


def staff_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = api_actor()
        if user is None:
            raise ApiError(401, _l("Authentication required."), code="unauthorized")
        if not user.is_staff:
            raise Forbidden(_l("Staff only."))
        return view(*args, **kwargs)

    wrapper.api_access = "staff"  # type: ignore[attr-defined]  (read by api.spec)
    return wrapper


def user_required(view):
    """Any authenticated user; the service decides what they may do (a representative answers
    their own invitations)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if api_actor() is None:
            raise ApiError(401, _l("Authentication required."), code="unauthorized")
        return view(*args, **kwargs)

    wrapper.api_access = "user"  # type: ignore[attr-defined]  (read by api.spec)
    return wrapper


GUARDS = {None: None, "staff": staff_required, "user": user_required}


def operations(tag: str) -> Callable[..., Callable]:
    """How a file of handlers declares its operations (`api.spec.operation`) under `tag`:

        operation = operations("meetings")

        @bp.post("/meetings/<int:meeting_id>/draw")
        @operation({201: schemas.Draw}, access="staff")
        def draw(meeting_id: int, body: schemas.DrawInput): ...

    `access` puts a guard in front of the body's parsing: "staff" (staff_required) or "user"
    (user_required); without it the operation is public. The summary and description are
    the handler's docstring (see api.spec)."""

    def declare(responses: dict[int, Any], *, access: str | None = None, **declared) -> Callable:
        guard = GUARDS[access]

        def decorate(view: Callable) -> Callable:
            handler = operation(tag, responses, **declared)(view)
            return guard(handler) if guard else handler

        return decorate

    return declare


def listed(items: list, total: int, page: int, per_page: int) -> dict:
    """The list envelope of every list the API gives (DESIGN.md, core.schemas.page_of)."""
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def paginated(stmt, serialise, page: int, per_page: int) -> dict:
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return listed([serialise(x) for x in result.items], result.total, page, per_page)


from consult.api import consultations  # noqa: E402,F401  (routes register on bp)
from consult.api import decisions  # noqa: E402,F401  (routes register on bp)
from consult.api import feedback  # noqa: E402,F401  (routes register on bp)
from consult.api import interpretation  # noqa: E402,F401  (routes register on bp)
from consult.api import meetings  # noqa: E402,F401  (routes register on bp)
from consult.api import meta  # noqa: E402,F401  (routes register on bp)
from consult.api import representatives  # noqa: E402,F401  (routes register on bp)
