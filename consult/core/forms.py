"""Glue between WTForms and the domain layer's RuleViolation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from consult.core.errors import RuleViolation, RuleViolations


def show_violation(
    form: FlaskForm, exc: RuleViolation, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's refusal on the field it names (or on the form as a whole); every one
    of several (RuleViolations) on its own field."""
    if isinstance(exc, RuleViolations):
        for violation in exc.violations:
            show_violation(form, violation, aliases)
        return
    name = (aliases or {}).get(exc.field or "", exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 select choices (tuples are deprecated there)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


MAX_DB_INT = 2**31 - 1


def db_int(value: str) -> int:
    """A positive id or page number that fits the database's integer; for request.args.get(type=...),
    which turns the ValueError into the default."""
    number = int(value)
    if not 0 < number <= MAX_DB_INT:
        raise ValueError(value)
    return number
