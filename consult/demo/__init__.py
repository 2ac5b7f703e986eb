"""The 东湖区 demo (`flask seed-demo`): an engine that replays a year's story through the
services under a frozen clock (`engine`), the story itself as data, one TOML file per domain
(`story`), and the generator of a mass consultation's comments (`crowd`)."""

from consult.demo.engine import DEMO_PASSWORD
from consult.demo.engine import DemoDataExists
from consult.demo.engine import clear_database
from consult.demo.engine import database_has_data
from consult.demo.engine import seed_demo
from consult.demo.engine import summary
from consult.demo.story import StoryError

__all__ = [
    "DEMO_PASSWORD",
    "DemoDataExists",
    "StoryError",
    "clear_database",
    "database_has_data",
    "seed_demo",
    "summary",
]
