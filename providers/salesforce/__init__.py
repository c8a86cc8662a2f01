"""Salesforce Service Cloud: the cuecardAssist Lightning component's bridge, agent sign-in with
Salesforce, and REST write-back through the JWT bearer flow (docs/salesforce.md)."""

from providers.salesforce.client import SalesforceClient
from providers.salesforce.config import SalesforceSettings

__all__ = ["SalesforceClient", "SalesforceSettings"]
