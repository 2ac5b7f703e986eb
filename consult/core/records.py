"""Records the API and the exports give, made of the models they describe."""

from __future__ import annotations

from typing import Any
from typing import TypeVar

from pydantic import BaseModel

S = TypeVar("S", bound=BaseModel)


def record_of(schema: type[S], obj: Any, **given: Any) -> S:
    """`schema` filled from `obj`: the fields `given` as given, every other one from `obj`'s
    attribute of the same name (so a record names only what it computes or withholds)."""
    copied = {name: getattr(obj, name) for name in schema.model_fields if name not in given}
    return schema(**copied, **given)
