"""Labels of stored values: what pages, forms and exports show for an enum's words.

A domain's rules keep the labels of all their enums in one table (`labels_by_kind`), literal
`_l(...)` calls where babel finds them, and take one {member: label} dict per enum from it.
Each dict is checked complete when the module is imported: an enum value added without its
label fails there, not on the page that shows it.
"""

from __future__ import annotations

import enum
from typing import Any


def labels_by_kind(table: dict[enum.Enum, Any]) -> tuple[dict[Any, Any], ...]:
    """{member: label} for each enum of `table`, in the order the enums first appear there
    (and each in the table's order). Unpacking the answer into one name per enum also checks
    that no enum was left out."""
    found: dict[type[enum.Enum], dict[Any, Any]] = {}
    for member, label in table.items():
        found.setdefault(type(member), {})[member] = label
    for kind, labels in found.items():
        # Members of two kinds with the same value are one key of `table`: one of them is
        # missing here.
        if labels.keys() != set(kind):
            missing = sorted(m.name for m in kind if m not in labels)
            raise ValueError(f"{kind.__name__} values without a label: {missing}")
    return tuple(found.values())
