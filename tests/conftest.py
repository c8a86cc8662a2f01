"""Fixtures shared by the whole suite: settings, a seeded store, the app and widget clients."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.redis",
    "tests.fixtures.app",
    "tests.fixtures.genesys",
    "tests.fixtures.oidc",
    "tests.fixtures.relay",
    "tests.fixtures.salesforce",
    "tests.fixtures.pubsub",
]
