"""Errors raised by the domain layer; views, the API and the CLI translate them."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of errors a user can cause and must be told about."""


class RuleViolation(DomainError):
    """A business rule was broken. `field` names the input at fault (None: the whole object)."""

    def __init__(self, field: str | None, message: str, code: str = "rule_violation"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        # The position of the record at fault, when one call checks many (an import).
        self.index: int | None = None


class RuleViolations(RuleViolation):
    """Several rules broken at once, each its own RuleViolation (every refused record of an
    import, with its `index`). As a RuleViolation it reads as the first of them."""

    def __init__(self, violations: list[RuleViolation]):
        first = violations[0]
        super().__init__(first.field, first.message, first.code)
        self.index = first.index
        self.violations = violations


class Violations:
    """Gathers the refusals of several checks, so that a form can show every field at fault
    at once instead of one per try.

        found = Violations()
        name = found.check(rules.clean_name, data.get("author_name"))
        ...
        found.raise_any()
    """

    def __init__(self) -> None:
        self.found: list[RuleViolation] = []

    def check(self, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except RuleViolations as exc:
            self.found.extend(exc.violations)
        except RuleViolation as exc:
            self.found.append(exc)
        return None

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise RuleViolations(self.found)


class Forbidden(DomainError):
    """The actor may not do this to this object."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


def found(obj: T | None, message: str = "") -> T:
    """`obj`, or NotFound (with `message`) when a lookup found nothing:

    meeting = found(db.session.get(Meeting, meeting_id), _l("No such meeting."))
    """
    if obj is None:
        raise NotFound(message)
    return obj
