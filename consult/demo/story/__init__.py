"""The demo's story as data, one TOML file per domain. Dates are relative: a day written
"MM-DD" falls in the year the file or table says (the current year unless stated)."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def load(domain: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(__name__).joinpath(f"{domain}.toml").read_text("utf-8"))


def month_day(text: str) -> tuple[int, int]:
    """ "MM-DD" → (month, day)."""
    month, day = text.split("-")
    return int(month), int(day)
