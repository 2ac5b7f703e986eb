"""The feedback tests' fixtures: the scenario of tests/helpers.py (`build_scenario`)."""

from __future__ import annotations

import pytest

from tests.helpers import HOUR, Scenario, build_scenario


@pytest.fixture
def scenario(world, clock, db) -> Scenario:
    return build_scenario(world, clock, db)


@pytest.fixture
def closed(scenario, clock) -> Scenario:
    """The department's consultation closed an hour ago."""
    clock.set(scenario.consultation.closes_at + HOUR)
    return scenario
