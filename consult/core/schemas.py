"""The schema layer's building blocks: what the API takes and gives, as pydantic models.

Each domain's `schemas.py` declares its inputs and public records with these types, taking
every limit from its `rules.py` (or from `core.values` for what holds everywhere), so the
API's validation, the generated OpenAPI document and the open-data field notes cannot
disagree with the rules the services enforce.

- `Schema`: a public record. Closed (`additionalProperties: false`): a record that grew a
  private field fails its own construction, and tests check the served answers against the
  document.
- `Input`: a request body, closed too (a misspelt field is refused, not ignored), validated
  strictly from JSON (5 is not text, "true" is not true).
- `Query`: query parameters, validated from the URL's text.

Descriptions are English (the document's language); field notes shown to people (the
open-data page) are marked with `note(...)` and translated where they are shown.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from typing import Annotated
from typing import Any
from typing import Literal
from typing import get_args
from typing import get_origin

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator
from pydantic import AwareDatetime
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import PlainSerializer
from pydantic import ValidationError
from pydantic import ValidationInfo
from pydantic import WithJsonSchema
from pydantic import create_model
from pydantic_core import PydanticCustomError

from consult.core import paging
from consult.core import values
from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations


def note(text: str) -> str:
    """A field note people read (open data): extracted for translation, translated where it is
    shown (`gettext(note)`)."""
    return text


def labelled(label: str, meaning: str | None = None, default: Any = ..., **extra: Any) -> Any:
    """A record's field with its Chinese column label (the open-data CSV header) and its
    meaning (the API document's description, the open-data page's note, translated there).
    Without a meaning, an enum field's note is its list of values."""
    return Field(default, title=label, description=meaning, **extra)


def field_notes(
    model: type[BaseModel], omit: tuple[str, ...] = ()
) -> tuple[tuple[str, str, Any], ...]:
    """(field, label, meaning) of each labelled field of a record, for the open-data page."""
    notes = []
    for name, info in model.model_fields.items():
        if name in omit or info.title is None:
            continue
        if info.description:
            meaning: Any = _l(info.description)  # extracted where note(...) marks it
        else:
            meaning = " | ".join(_enum_values(info.annotation))
        notes.append((name, info.title, meaning))
    return tuple(notes)


def _enum_values(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    for arg in get_args(annotation):
        found = _enum_values(arg)
        if found:
            return found
    return ()


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def record(self) -> dict[str, Any]:
        """The JSON-ready dict served by the API and written to open data."""
        return self.model_dump(mode="json")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Nested(Input):
    """An object inside a request whose fields the errors name by their path
    (`selection.state`), as the service that checks it again does."""


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- value types ------------------------------------------------------------------------------

# Control characters other than line breaks and tabs; lone surrogates cannot be written in a
# pattern, the validator refuses them.
STORABLE_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
TIME_BOUNDS = (
    f"between {values.TIME_MIN.isoformat()} and {values.TIME_MAX.isoformat()}, "
    "ISO 8601 with a UTC offset"
)


_PATTERN_UP_TO = 10_000


def _storable(text: str) -> str:
    if values.unstorable(text):
        raise PydanticCustomError(
            "unstorable", "The text contains characters that cannot be stored."
        )
    return text


def _in_time_bounds(moment: datetime) -> datetime:
    if not values._within(moment):
        raise PydanticCustomError("time_range", "The time is out of range.")
    return moment


def _in_date_bounds(day: date) -> date:
    if not values.DATE_MIN <= day <= values.DATE_MAX:
        raise PydanticCustomError("time_range", "The date is out of range.")
    return day


def Text(limit: int, *, minimum: int = 0, description: str | None = None, **extra: Any) -> Any:  # noqa: N802 - a type
    """Text of `minimum` to `limit` characters (counted as the rules count them, trimmed) that
    both databases store. The pattern that says so is left out of long texts (drafts): a
    generator cannot build a boundary value of 200,000 characters under a pattern; the
    validator refuses the same characters there."""
    return Annotated[
        str,
        Field(
            max_length=limit,
            min_length=minimum or None,
            pattern=STORABLE_PATTERN if limit <= _PATTERN_UP_TO else None,
            description=description,
            **extra,
        ),
        AfterValidator(_storable),
    ]


def _integral(value: Any, info: ValidationInfo) -> Any:
    """JSON Schema counts 594.0 as an integer: take it. Text is a number only in a query
    string (or a form), never in JSON."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    from_json = bool(info.context and info.context.get("json"))
    if (
        not from_json
        and isinstance(value, str)
        and re.fullmatch(r"[+-]?\d{1,20}(\.0*)?", value.strip())
    ):
        return int(value.strip().split(".")[0])
    return value


def Int(minimum: int | None = None, maximum: int | None = None, **extra: Any) -> Any:  # noqa: N802 - a type
    """A whole number within bounds (strict: not true, not "5" in JSON, but 5.0 is 5)."""
    return Annotated[int, Field(ge=minimum, le=maximum, **extra), BeforeValidator(_integral)]


Id = Int(1, values.INT_MAX)
Count = Int(0, values.INT_MAX)
Moment = Annotated[
    AwareDatetime,
    AfterValidator(_in_time_bounds),
    Field(
        description=TIME_BOUNDS,
        json_schema_extra={
            "formatMinimum": values.TIME_MIN.isoformat(),
            "formatMaximum": values.TIME_MAX.isoformat(),
        },
    ),
]
Day = Annotated[
    date,
    AfterValidator(_in_date_bounds),
    Field(
        description=f"between {values.DATE_MIN.isoformat()} and {values.DATE_MAX.isoformat()}",
        json_schema_extra={
            "formatMinimum": values.DATE_MIN.isoformat(),
            "formatMaximum": values.DATE_MAX.isoformat(),
        },
    ),
]
# Output times and dates: what the records hold, not bounded again, written as
# datetime.isoformat() does (+00:00, as every answer has been).
Time = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
    Field(description="ISO 8601 with UTC offset"),
]


# Names a public object never carries (rule 6); free-form objects refuse them as keys too.
PRIVATE_NAMES = ("contact", "email", "phone", "submitter_ip", "ip", "password", "checkin_code")


def _no_private_keys(found: dict) -> dict:
    if any(key in PRIVATE_NAMES for key in found):
        raise PydanticCustomError("private", "A public record carries no private field.")
    return found


def Free(item: Any = Any, *, description: str) -> Any:  # noqa: N802 - a type
    """An object whose keys vary (audit details, quotas); private names are still refused."""
    return Annotated[
        dict[str, item],
        Field(
            description=description,
            json_schema_extra={"propertyNames": {"not": {"enum": list(PRIVATE_NAMES)}}},
        ),
        AfterValidator(_no_private_keys),
    ]


def Enum(allowed) -> Any:  # noqa: N802 - a type
    """One of the enum values (from the models: the same words API, exports and templates use)."""
    return Literal[tuple(allowed)]


def left_out_if_none(**extra: Any) -> Any:
    """A field absent from the record, rather than null, when it has no value."""
    return Field(None, exclude_if=lambda value: value is None, **extra)


def page_of(item: type[Schema]) -> type[Schema]:
    """`{"items", "total", "page", "per_page"}` of `item` records."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        __doc__=f"A page of {item.__name__} records.",
        items=(list[item], ...),
        total=(Count, ...),
        page=(Int(1), ...),
        per_page=(Int(1), ...),
    )


class PageQuery(Query):
    page: Annotated[int, Field(ge=1, le=values.INT_MAX, description="Page number")] = 1
    per_page: Annotated[int, Field(ge=1, le=paging.PER_PAGE_MAX, description="Items per page")] = (
        paging.PER_PAGE_DEFAULT
    )


# --- validation -------------------------------------------------------------------------------


def check(model: type[BaseModel], data: Any, *, json: bool = False) -> Any:
    """`data` (a dict, or JSON bytes when `json`) as `model`, or RuleViolations naming every
    field at fault, with translated messages. JSON is validated strictly."""
    try:
        if json:
            return model.model_validate_json(data, strict=True, context={"json": True})
        return model.model_validate(data)
    except ValidationError as exc:
        raise _violations(exc, model) from None


def _violations(exc: ValidationError, model: type[BaseModel] | None = None) -> RuleViolations:
    found: list[RuleViolation] = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        field = _field_of(model, error["loc"])
        violation = RuleViolation(field, _message(error, field), code=_code(error, loc))
        found.append(violation)
    return RuleViolations(found)


def _field_of(model: type[BaseModel] | None, loc: tuple) -> str | None:
    """The field at fault: the request's own field (`procedures` for any of its parts), or,
    for a nested object whose fields are named by their path (`Nested`, as the services
    name them: selection.state), that path."""
    if not loc:
        return None
    first = str(loc[0])
    info = model.model_fields.get(first) if model is not None else None
    nested = info is not None and any(
        isinstance(t, type) and issubclass(t, Nested) for t in (info.annotation, *_args(info))
    )
    if nested and len(loc) > 1 and isinstance(loc[1], str):
        return f"{first}.{loc[1]}"
    return first


def _args(info) -> tuple:
    import typing

    return typing.get_args(info.annotation)


def _code(error: dict, loc: list[str]) -> str:
    if error["type"] == "json_invalid" or (not loc and error["type"] in _NOT_AN_OBJECT):
        return "bad_request"
    return "rule_violation"


_NOT_AN_OBJECT = {"model_type", "dict_type", "model_attributes_type"}


def _message(error: dict, field: str | None):
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _l("This field is required.")
    if kind == "json_invalid" or kind in _NOT_AN_OBJECT:
        return _l("Send a JSON object.")
    if kind == "extra_forbidden":
        return _l("This field is not part of the request.")
    if kind in ("string_type", "string_unicode"):
        return _l("Enter text.")
    if kind == "string_too_short":
        return _l("Write at least %(n)d characters.", n=ctx.get("min_length", 1))
    if kind == "string_too_long":
        return _l("At most %(n)d characters.", n=ctx.get("max_length", 0))
    if kind in ("string_pattern_mismatch", "unstorable"):
        return _l("The text contains characters that cannot be stored.")
    if kind in ("bool_type", "bool_parsing"):
        return _l("%(field)s must be true or false.", field=field or "")
    if kind.startswith("int_") or kind in ("float_type", "finite_number"):
        return _l("Enter a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _l("At least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _l("At most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    if kind in ("literal_error", "enum"):
        return _l("Choose one of: %(values)s", values=ctx.get("expected", ""))
    if kind == "time_range":
        return values._time_range_message()
    if kind.startswith("date_") and not kind.startswith("datetime"):
        return _l("Use a date as YYYY-MM-DD.")
    if kind.startswith("datetime") or kind.startswith("timezone"):
        return _l("Use ISO 8601 with a UTC offset, e.g. 2026-12-01T09:00:00+08:00.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _l("Send a list.")
    return _l("This value is not valid.")
