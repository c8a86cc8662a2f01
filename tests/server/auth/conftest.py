"""Sign-in tests run against a server whose acme tenant is connected to the Genesys double."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient


@pytest.fixture
def client(genesys_client: TestClient[Any, Any]) -> TestClient[Any, Any]:
    return genesys_client
