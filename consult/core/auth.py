"""Access guards shared by the staff blueprints of every domain module."""

from __future__ import annotations

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
