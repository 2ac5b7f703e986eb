"""Access guards shared by the staff blueprints of every domain module."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint
from flask_login import current_user
from flask_login import login_required

from consult.core.errors import Forbidden
from consult.extensions import db

M = TypeVar("M")


def staff_only(bp: Blueprint) -> Blueprint:
    """Every route of `bp` needs a logged-in department officer or the government office.
    (Which department's objects they may touch is decided by the services.)"""

    @bp.before_request
    @login_required
    def _staff_only():
        if not current_user.is_staff:
            raise Forbidden()

    return bp


def admin_only(target: Blueprint | Callable) -> Blueprint | Callable:
    """The government office only: every route of a blueprint, or one view."""

    def _check() -> None:
        if not current_user.is_authenticated or not current_user.is_admin:
            raise Forbidden()

    if isinstance(target, Blueprint):

        @target.before_request
        @login_required
        def _admins_only():
            _check()

        return target

    @functools.wraps(target)
    @login_required
    def view(*args, **kwargs):
        _check()
        return target(*args, **kwargs)

    return view


def managed_or_403(model: type[M], ident: int, *, via: str | None = None) -> M:
    """The `model` row `ident` for a staff screen: 404 when there is none, 403 unless the
    logged-in user manages it (Rule 4, `can_manage`), or manages what it belongs to, named by
    `via` (a comment's `consultation`)."""
    obj = db.get_or_404(model, ident)
    owner = getattr(obj, via) if via else obj
    if not owner.can_manage(current_user):
        raise Forbidden()
    return obj
