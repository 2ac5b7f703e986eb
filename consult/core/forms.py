"""Glue between WTForms and the domain layer's RuleViolation."""

from __future__ import annotations

from flask_wtf import FlaskForm

from consult.core.errors import RuleViolation


def show_violation(form: FlaskForm, exc: RuleViolation, aliases: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the field it names (or on the form as a whole)."""
    name = (aliases or {}).get(exc.field or "", exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)
