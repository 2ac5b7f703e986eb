"""The 东湖区 demo (`flask seed-demo`): an engine that replays a year's story through the
services under a frozen clock (`engine`), the story itself, and a mass consultation's
generated comments (`crowd`)."""

from consult.demo.engine import (
    DEMO_PASSWORD,
    DemoDataExists,
    clear_database,
    database_has_data,
    seed_demo,
    summary,
)

__all__ = [
    "DEMO_PASSWORD",
    "DemoDataExists",
    "clear_database",
    "database_has_data",
    "seed_demo",
    "summary",
]
