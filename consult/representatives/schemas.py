"""What the API gives about the public-representative pool (no contacts, rule 6)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from consult.core.schemas import Count
from consult.core.schemas import Enum
from consult.core.schemas import Id
from consult.core.schemas import PageQuery
from consult.core.schemas import Schema
from consult.core.schemas import page_of
from consult.representatives.models import CATEGORY_VALUES
from consult.representatives.models import REP_STATUS_VALUES


class RepresentativeQuery(PageQuery):
    category: Enum(CATEGORY_VALUES) | None = Field(None, description="Category")


class Attendance(Schema):
    """Over meetings whose attendance has been recorded."""

    invited: Count
    accepted: Count
    attended: Count
    rate: Annotated[float, Field(ge=0, le=1)] | None


class Representative(Schema):
    """A member of the public-representative pool. No phone, no email (rule 6)."""

    id: Id
    name: str
    category: Enum(CATEGORY_VALUES)
    affiliation: str
    interests: list[str]
    term_start: date
    term_end: date
    status: Enum(REP_STATUS_VALUES)
    attendance: Attendance


RepresentativePage = page_of(Representative)
