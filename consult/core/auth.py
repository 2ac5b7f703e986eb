"""Access guards shared by the staff blueprints of every domain module."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint
from flask_login import current_user, login_required

from consult.core.errors import Forbidden


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
