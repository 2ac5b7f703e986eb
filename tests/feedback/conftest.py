"""The feedback tests' fixtures: the scenario of tests/helpers.py (`build_scenario`)."""

from __future__ import annotations

import pytest

from tests.helpers import HOUR
from tests.helpers import Scenario


@pytest.fixture
def scenario(world, prepared) -> Scenario:
    """A consultation with six comments (two the same, one hidden, one by hotline) and one
    elsewhere, from a prepared database; the test's `world` is the one it was built in."""
    built_in, scenario = prepared("scenario")
    vars(world).update(vars(built_in))
    return scenario


@pytest.fixture
def closed(scenario, clock) -> Scenario:
    """The department's consultation closed an hour ago."""
    clock.set(scenario.consultation.closes_at + HOUR)
    return scenario
