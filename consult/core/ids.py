"""Receipt numbers: unique, not guessable, easy to read over the phone.

Format `ZX-2026-7K3M-9P2X`: 征询 prefix, the year, eight characters from an alphabet without
look-alikes (no 0/O, 1/I/L, U). 30^8 ≈ 6.6e11 values, drawn from the OS's CSPRNG.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "ZX"
_RECEIPT = re.compile(rf"^[A-Z]{{2}}-(\d{{4}})-([{ALPHABET}]{{4}})-([{ALPHABET}]{{4}})$")
# What a receipt field takes: the number as people type it, with spaces or without dashes.
RECEIPT_TEXT_MAX = 40
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_receipt(year: int, prefix: str = PREFIX) -> str:
    """A comment's receipt; other prefixes for other things a person keeps a number of
    (SQ-…: an application to the representative pool)."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{year:04d}-{chars[:4]}-{chars[4:]}"


def normalise_receipt(text: str, prefix: str = PREFIX) -> str | None:
    """Accept what people type: lower case, spaces, missing dashes. None if it cannot be one
    (of the kind `prefix` names)."""
    raw = re.sub(r"[\s\-_—–]", "", (text or "").upper())
    if not raw.startswith(prefix) or len(raw) != len(prefix) + 4 + 8:
        return None
    year, chars = raw[2:6], raw[6:]
    candidate = f"{prefix}-{year}-{chars[:4]}-{chars[4:]}"
    return candidate if _RECEIPT.match(candidate) else None
