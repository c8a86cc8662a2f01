"""The double's own tests use the shared Salesforce fixtures under short names."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from tests.doubles.salesforce.world import SalesforceWorld


@pytest.fixture
def world(salesforce_world: SalesforceWorld) -> SalesforceWorld:
    return salesforce_world


@pytest.fixture
def double(salesforce_double: TestServer) -> TestServer:
    return salesforce_double
