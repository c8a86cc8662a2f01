"""The Salesforce double as one aiohttp application: My Domain's OAuth and the REST API."""

from __future__ import annotations

from aiohttp import web

from tests.doubles.salesforce import oauth, rest
from tests.doubles.salesforce.oauth import WORLD
from tests.doubles.salesforce.world import SalesforceWorld


def create_salesforce_double(world: SalesforceWorld) -> web.Application:
    """The double's application, sharing ``world`` with the test."""
    app = web.Application()
    app[WORLD] = world
    oauth.install(app)
    rest.install(app)
    return app
