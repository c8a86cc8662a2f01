"""The Salesforce Service Cloud platform's declaration (see providers/base.py, ``Manifest``)."""

from __future__ import annotations

from providers.base import Capability, Manifest, SignInFlow
from providers.salesforce.bridge import SalesforceBridge
from providers.salesforce.client import SalesforceCheck
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.const import DISPLAY_NAME, PROVIDER
from providers.salesforce.embed import SalesforceEmbedding
from providers.salesforce.login import SalesforceOAuth
from providers.salesforce.records import SalesforceRecords

MANIFEST = Manifest(
    name=PROVIDER,
    display_name=DISPLAY_NAME,
    settings=SalesforceSettings,
    capabilities=frozenset(
        {
            Capability.DESKTOP_BRIDGE,
            Capability.AGENT_SIGN_IN,
            Capability.DESKTOP_ACTIONS,
            Capability.EMBEDDING,
            Capability.CONNECTION_CHECK,
            Capability.CONVERSATION_RECORDS,
        }
    ),
    bridge=SalesforceBridge(),
    sign_in=SignInFlow.PLATFORM_OAUTH,
    oauth=SalesforceOAuth,
    embedding=SalesforceEmbedding(),
    check=SalesforceCheck,
    records=SalesforceRecords,
    docs="docs/salesforce.md",
)
