"""The columns the models' tables share, declared once: SQLAlchemy `Annotated` column types
(`created_at: Mapped[timestamp]`), the surrogate key and the creation stamp."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from consult.core.time import UTCDateTime
from consult.core.time import now_utc

# A moment, stored in UTC (core.time.UTCDateTime): `Mapped[moment | None]` for one that may
# not have come yet.
moment = Annotated[datetime, mapped_column(UTCDateTime)]
# When the row's event happened: by default, when the row is made.
timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=now_utc)]
# Who did it: an account, or NULL for the system (accounts.models.SYSTEM) or nobody known.
user_fk = Annotated[int | None, mapped_column(sa.ForeignKey("user.id"))]


class SurrogateKey:
    """A table keyed by an integer id of its own, its first column."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class Created:
    """When the row was made, and by whom (NULL: the system)."""

    created_at: Mapped[timestamp]
    created_by_id: Mapped[user_fk]
