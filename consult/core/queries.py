"""Small query shapes the staff and account pages share."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from consult.extensions import db


def newest_first(order: InstrumentedAttribute[Any], *where: sa.ColumnElement[bool]) -> list:
    """Every row of `order`'s model that matches `where`, the latest `order` first (a page's
    whole list: an account's tokens, a representative's conflicts)."""
    return list(db.session.scalars(sa.select(order.class_).where(*where).order_by(order.desc())))
