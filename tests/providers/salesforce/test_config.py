"""Salesforce settings: org ids, My Domain and Lightning origins, the JWT key, the manifest."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from providers.base import Capability, Embedding, SignInFlow
from providers.salesforce.config import SalesforceSettings, org_id_18
from providers.salesforce.embed import SalesforceEmbedding
from providers.salesforce.manifest import MANIFEST
from providers.salesforce.mapping import HostMessageModel

from .conftest import app_keys, fixture

VALID: dict[str, Any] = {
    "tenant_id": "acme",
    "my_domain_url": "https://acme.my.salesforce.com",
    "organization_id": "00DHo000000CueCMAS",
    "consumer_key": "3MVG9cuecardConsumerKey",
    "username": "cuecard@acme.example",
}


def settings(**changes: Any) -> SalesforceSettings:
    return SalesforceSettings.model_validate(
        {**VALID, "private_key": app_keys().private_pem, **changes}
    )


def problems(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        settings(**changes)
    return {".".join(map(str, e["loc"])) or "settings": e["msg"] for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("00D000000000062", "00D000000000062EAA"),
        ("00DHo000000CueC", "00DHo000000CueCMAS"),
        ("00DHo000000CueCMAS", "00DHo000000CueCMAS"),
        ("00DHo000000CueCmas", "00DHo000000CueCMAS"),
    ],
)
def test_org_ids_become_their_18_character_form(given: str, expected: str) -> None:
    assert org_id_18(given) == expected
    assert settings(organization_id=given).organization_id == expected


@pytest.mark.parametrize("bad", ["00DHo000000CueCAAA", "001Ho000000CueC", "00D-short", ""])
def test_a_wrong_org_id_is_refused(bad: str) -> None:
    assert "organization_id" in problems(organization_id=bad)


@pytest.mark.parametrize(
    ("my_domain", "lightning"),
    [
        ("https://acme.my.salesforce.com", "https://acme.lightning.force.com"),
        (
            "https://acme--uat.sandbox.my.salesforce.com",
            "https://acme--uat.sandbox.lightning.force.com",
        ),
        (
            "https://acme-dev-ed.develop.my.salesforce.com",
            "https://acme-dev-ed.develop.lightning.force.com",
        ),
        ("https://agency.my.salesforce.mil", "https://agency.lightning.crmforce.mil"),
    ],
)
def test_the_lightning_origin_follows_from_my_domain(my_domain: str, lightning: str) -> None:
    configured = settings(my_domain_url=my_domain)
    assert configured.frame_origins == (lightning,)
    assert SalesforceEmbedding().frame_origins(configured) == (lightning,)


def test_an_unusual_domain_needs_its_lightning_origins() -> None:
    assert "lightning_origins" in str(problems(my_domain_url="https://login.acme.example"))
    configured = settings(
        my_domain_url="https://login.acme.example", lightning_origins=["https://crm.acme.example"]
    )
    assert configured.frame_origins == ("https://crm.acme.example",)


def test_plain_http_is_only_for_loopback() -> None:
    assert problems(my_domain_url="http://acme.my.salesforce.com") == {
        "my_domain_url": "Value error, must be an https URL"
    }
    assert settings(
        my_domain_url="http://127.0.0.1:9999", lightning_origins=["http://127.0.0.1:8443"]
    ).base_url == ("http://127.0.0.1:9999")


def test_the_private_key_must_be_an_rsa_private_key() -> None:
    assert problems(private_key="-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----") == {
        "private_key": "Value error, must be a PEM-encoded RSA private key"
    }
    public = app_keys().certificate_pem
    assert "private_key" in problems(private_key=public)


def test_a_private_key_pasted_into_a_one_line_field_gets_its_line_breaks_back() -> None:
    # Browsers drop the line breaks of a value typed or pasted into an <input>.
    pasted = app_keys().private_pem.replace("\n", "")
    configured = settings(private_key=pasted)
    assert configured.private_key.get_secret_value() == app_keys().private_pem


def test_the_limit_budget_comes_from_the_settings() -> None:
    budget = settings(api_limit_probes=3, api_limit_cooldown_seconds=120).limit_budget
    assert (budget.probes, budget.cooldown) == (3, 120.0)
    assert problems(api_limit_probes=0) == {
        "api_limit_probes": "Input should be greater than or equal to 1"
    }


def test_the_private_key_is_a_secret_and_the_consumer_key_is_not() -> None:
    configured = settings()
    assert "PRIVATE KEY" not in repr(configured)
    assert configured.model_dump()["consumer_key"] == "3MVG9cuecardConsumerKey"


def test_the_manifest_declares_what_the_folder_implements() -> None:
    assert MANIFEST.name == "salesforce"
    assert MANIFEST.settings is SalesforceSettings
    assert MANIFEST.capabilities == {
        Capability.DESKTOP_BRIDGE,
        Capability.AGENT_SIGN_IN,
        Capability.DESKTOP_ACTIONS,
        Capability.EMBEDDING,
        Capability.CONNECTION_CHECK,
        Capability.CONVERSATION_RECORDS,
    }
    assert MANIFEST.sign_in is SignInFlow.PLATFORM_OAUTH
    assert MANIFEST.oauth is not None
    assert MANIFEST.bridge is not None
    assert MANIFEST.bridge.message_model is HostMessageModel
    assert isinstance(MANIFEST.embedding, Embedding)
    assert MANIFEST.adapter is None
    assert MANIFEST.actions is None


def test_the_example_settings_are_a_working_section() -> None:
    # The platform contract builds the platform from this file (a throwaway test key).
    configured = SalesforceSettings.model_validate(
        {**fixture("settings.json"), "tenant_id": "acme"}
    )
    assert configured.frame_origins == ("https://acme.lightning.force.com",)


def test_the_embedding_page_values_for_a_tenant() -> None:
    values = SalesforceEmbedding().setup_values(
        settings(),
        widget_url="https://cuecard.acme.example/widget/salesforce?tenant=acme",
        callback_url="https://cuecard.acme.example/auth/salesforce/callback",
    )
    assert {value.label: value.value for value in values} == {
        "Widget URL": "https://cuecard.acme.example/widget/salesforce?tenant=acme",
        "CSP Trusted Site URL": "https://cuecard.acme.example",
        "Callback URL": "https://cuecard.acme.example/auth/salesforce/callback",
        "Lightning origins": "https://acme.lightning.force.com",
    }
    assert SalesforceEmbedding().host_origin_param == "hostOrigin"
