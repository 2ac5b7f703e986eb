"""Labels of stored values: what pages, forms and exports show for an enum's words.

A domain's rules keep the labels of all their enums in one table (`labels_by_kind`), literal
`_l(...)` calls where babel finds them, and take one {member: label} dict per enum they name from it.
Each dict is checked complete when the module is imported: an enum value added without its
label fails there, not on the page that shows it.
"""

from __future__ import annotations

import enum
from typing import Any


def labels_by_kind(
    kinds: tuple[type[enum.Enum], ...], table: dict[enum.Enum, Any]
) -> tuple[dict[Any, Any], ...]:
    """{member: label} for each enum of `kinds`, in that order (each in the table's order).
    Naming the enums keeps each name on the left of the unpacking tied to its enum, whatever
    the table's order; a member of another enum, or one left without a label, fails here."""
    found: dict[type[enum.Enum], dict[Any, Any]] = {kind: {} for kind in kinds}
    for member, label in table.items():
        if type(member) not in found:
            raise ValueError(f"{type(member).__name__} is not one of the enums named")
        found[type(member)][member] = label
    for kind, labels in found.items():
        # Members of two kinds with the same value are one key of `table`: one of them is
        # missing here.
        if labels.keys() != set(kind):
            missing = sorted(m.name for m in kind if m not in labels)
            raise ValueError(f"{kind.__name__} values without a label: {missing}")
    return tuple(found.values())
