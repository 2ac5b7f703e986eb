"""The feedback tests' fixtures: the district of tests/feedback/feedback_support.py."""

from __future__ import annotations

import pytest

from tests.consultations.consultation_support import HOUR
from tests.feedback.feedback_support import Scenario, build_scenario


@pytest.fixture
def scenario(world, clock, db) -> Scenario:
    return build_scenario(world, clock, db)


@pytest.fixture
def closed(scenario, clock) -> Scenario:
    """The department's consultation closed an hour ago."""
    clock.set(scenario.consultation.closes_at + HOUR)
    return scenario
