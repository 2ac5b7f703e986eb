"""A page of a list whose total is known without counting it (a stored count)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

# The longest page a list in the API gives.
PER_PAGE_MAX = 100
PER_PAGE_DEFAULT = 20


@dataclass
class Page:
    """What the templates' pager and the API's list envelope read, like Flask-SQLAlchemy's
    Pagination, for lists counted elsewhere (comments: comments.grouping's tally)."""

    page: int
    per_page: int
    total: int
    items: list[Any] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def __iter__(self):
        return iter(self.items)
