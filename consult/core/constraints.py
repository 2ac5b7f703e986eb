"""The named CHECK rules and partial indexes that the models' tables repeat, built from the
column they guard. Each name is the rule's (`ck_<table>_<name>` by the naming convention in
consult.extensions), so a violated rule names itself."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa


def one_of(column: str, values: Iterable[str]) -> str:
    """SQL: `column` holds one of `values` (strings, or an enum's members)."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def filled(column: str) -> str:
    """SQL: `column` holds text that is not blank (NULL is not)."""
    return f"length(trim(coalesce({column}, ''))) > 0"


def known(column: str, values: Iterable[str], *, optional: bool = False) -> sa.CheckConstraint:
    """`<column>_known`: the column holds one of `values` (or NULL, if `optional`)."""
    rule = one_of(column, values)
    if optional:
        rule = f"{column} IS NULL OR {rule}"
    return sa.CheckConstraint(rule, name=f"{column}_known")


def not_blank(column: str, *, name: str | None = None) -> sa.CheckConstraint:
    """`<column>_not_blank`: the text is not empty nor only white space."""
    return sa.CheckConstraint(f"length(trim({column})) > 0", name=name or f"{column}_not_blank")


def counts_within(total: str, *parts: str) -> sa.CheckConstraint:
    """`counts_consistent`: the counts `parts` are not negative and add up to at most `total`."""
    rule = " AND ".join(f"{part} >= 0" for part in parts)
    return sa.CheckConstraint(
        f"{rule} AND {' + '.join(parts)} <= {total}", name="counts_consistent"
    )


def not_negative(column: str) -> sa.CheckConstraint:
    """`<column>_not_negative`: a count or size."""
    return sa.CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative")


def filled_unless(condition: str, column: str, *, name: str) -> sa.CheckConstraint:
    """`column` holds text that is not blank, except where `condition` (SQL) holds: e.g. a
    withdrawal's reason, required once the status is 'withdrawn'."""
    return sa.CheckConstraint(f"{condition} OR {filled(column)}", name=name)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> sa.Index:
    """An index of the rows where `where` (SQL) holds, on SQLite and on PostgreSQL alike."""
    return sa.Index(
        name,
        *columns,
        unique=unique,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )
