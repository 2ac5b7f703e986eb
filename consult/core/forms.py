"""Glue between WTForms and the domain layer's RuleViolation."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from typing import Generic
from typing import TypeVar

from flask import abort
from flask import flash
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.validators import Optional

from consult.core.errors import RuleViolation
from consult.core.errors import RuleViolations

T = TypeVar("T")
F = TypeVar("F", bound=FlaskForm)


@dataclass(frozen=True)
class Done(Generic[T]):
    """A service call that was carried out and committed; `value` is what it returned."""

    value: T


def carry_out(
    form: FlaskForm | None,
    action: Callable[[], T],
    *,
    aliases: dict[str, str] | None = None,
    after_commit: Callable[[T], Any] | None = None,
) -> Done[T] | None:
    """The one way a view calls a service for a form: the service's refusal rolls back and is
    shown on the form (or, with no form, flashed as an error) and gives None, so the view
    shows the form again with what was typed; otherwise the change is committed, then
    `after_commit` runs (mails, jobs: never before the commit), and the result is Done.

        if form.validate_on_submit() and (done := carry_out(form, lambda: withdraw(...))):
            flash(...)
            return redirect(...)
    """
    from consult.extensions import db

    try:
        value = action()
    except RuleViolation as exc:
        db.session.rollback()
        if form is None:
            flash(str(exc.message), "error")
        else:
            show_violation(form, exc, aliases)
        return None
    db.session.commit()
    if after_commit is not None:
        after_commit(value)
    return Done(value)


def sent_back(sent: dict[str, FlaskForm], names: Iterable[str]) -> dict[str, FlaskForm]:
    """The forms a page is given back by name (`_page(c, bulk_form=form)`): a name the page
    does not show is a mistake in the caller, refused here rather than shown as a fresh form
    that loses what was typed."""
    unknown = set(sent) - set(names)
    if unknown:
        raise TypeError(f"this page shows no form named {', '.join(sorted(unknown))}")
    return sent


def sent_or_400(form: F) -> F:
    """The form of an action button, which only our own page sends (a CSRF token, a choice
    the page offers): one that does not validate was not sent from it, so 400."""
    if not form.validate_on_submit():
        abort(400)
    return form


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


# What a browser's datetime-local input sends (with or without seconds), and what a person
# types where the browser has no picker.
LOCAL_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def local_time_field(label: Any, description: Any = "") -> DateTimeLocalField:
    """A date and time in the configured zone (the view converts it with `from_local`). Empty
    is allowed here: the service says which time is missing, on its field."""
    return DateTimeLocalField(
        label, format=LOCAL_TIME_FORMATS, validators=[Optional()], description=description
    )


def limited(field: Callable[..., Any], label: Any, limit: int, description: Any = "", **kw: Any):
    """A text `field` (StringField, TextAreaField, EmailField) of at most `limit` characters,
    as the form's first check (the service checks its own limits again)."""
    return field(label, description=description, validators=[Length(max=limit)], **kw)


MAX_DB_INT = 2**31 - 1


def db_int(value: str) -> int:
    """A positive id or page number that fits the database's integer; for request.args.get(type=...),
    which turns the ValueError into the default."""
    number = int(value)
    if not 0 < number <= MAX_DB_INT:
        raise ValueError(value)
    return number
