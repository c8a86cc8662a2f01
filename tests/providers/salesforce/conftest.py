"""Provider tests run against the Salesforce double (tests/fixtures/salesforce.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from providers.salesforce import SalesforceClient
from providers.salesforce.const import LimitBudget
from tests.doubles.salesforce.world import SalesforceWorld
from tests.fixtures.salesforce import (
    AGENT_ID,
    CALLBACK,
    FAST,
    FOREIGN_AGENT_ID,
    INTEGRATION_USER,
    app_keys,
    settings_for,
    stranger_keys,
)

__all__ = [
    "AGENT_ID",
    "BUDGET",
    "CALLBACK",
    "FAST",
    "FOREIGN_AGENT_ID",
    "INTEGRATION_USER",
    "app_keys",
    "fixture",
    "settings_for",
    "stranger_keys",
]

FIXTURES = Path(__file__).parent / "fixtures"
BUDGET = LimitBudget(probes=4, concurrency=3, cooldown=0.3, seconds=5.0)


def fixture(name: str) -> Any:
    """A recorded-shape payload from fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def world(salesforce_world: SalesforceWorld) -> SalesforceWorld:
    return salesforce_world


@pytest.fixture
def double(salesforce_double: TestServer) -> TestServer:
    return salesforce_double


@pytest.fixture
def client(double: TestServer, http: aiohttp.ClientSession) -> SalesforceClient:
    """The integration's client against the double, with short back-offs."""
    return SalesforceClient(settings_for(double), http, timings=FAST, budget=BUDGET)
