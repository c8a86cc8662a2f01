"""Five9 settings: the SDK only from Five9's own hosts over https, the desktops allowed to frame
the widget."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from providers.five9 import Five9Settings
from providers.five9.embed import Five9Embedding


def test_defaults_load_five9s_sdk_and_allow_the_regions_desktop() -> None:
    settings = Five9Settings(tenant_id="acme", region="eu")

    assert str(settings.sdk_url).startswith("https://app.five9.com/")
    assert settings.sdk_origin == "https://app.five9.com"
    assert Five9Embedding().frame_origins(settings) == ("https://app.eu.five9.eu",)


def test_configured_desktop_origins_replace_the_default() -> None:
    settings = Five9Settings.model_validate(
        {"tenant_id": "acme", "desktop_origins": ["https://acme.my.salesforce.com/lightning/"]}
    )

    assert settings.frame_origins == ("https://acme.my.salesforce.com",)


@pytest.mark.parametrize("field", ["sdk_url", "desktop_origins"])
def test_plain_http_is_refused_except_on_this_machine(field: str) -> None:
    def value(url: str) -> object:
        return [url] if field == "desktop_origins" else url

    with pytest.raises(ValidationError, match="https"):
        Five9Settings.model_validate({"tenant_id": "acme", field: value("http://cdn.example")})
    local = Five9Settings.model_validate(
        {"tenant_id": "acme", field: value("http://127.0.0.1:8123/x")}
    )
    assert local is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://app.eu.five9.eu/dev/sdk/crm/latest/five9.crm.sdk.js",
        "https://cdn.prod.us.five9.net/stable/crm-sdk-lib/five9.crm.sdk.js",
        "https://APP.FIVE9.COM/dev/sdk/crm/latest/five9.crm.sdk.js",
    ],
)
def test_the_sdk_may_come_from_any_of_five9s_own_hosts(url: str) -> None:
    settings = Five9Settings.model_validate({"tenant_id": "acme", "sdk_url": url})

    assert settings.sdk_origin.endswith((".five9.com", ".five9.eu", ".five9.net"))


@pytest.mark.parametrize(
    "url",
    [
        "https://cdn.example/five9.crm.sdk.js",
        "https://app.five9.com.attacker.example/five9.crm.sdk.js",
        "https://notfive9.com/five9.crm.sdk.js",
    ],
)
def test_an_sdk_anywhere_else_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="must be on Five9's own hosts"):
        Five9Settings.model_validate({"tenant_id": "acme", "sdk_url": url})


def test_the_sdk_origin_keeps_a_non_default_port() -> None:
    settings = Five9Settings.model_validate(
        {"tenant_id": "acme", "sdk_url": "http://127.0.0.1:8123/sdk/five9.crm.sdk.js"}
    )

    assert settings.sdk_origin == "http://127.0.0.1:8123"


def test_a_five9_tenant_id_is_digits() -> None:
    with pytest.raises(ValidationError, match="five9_tenant_id"):
        Five9Settings.model_validate({"tenant_id": "acme", "five9_tenant_id": "acme"})


def test_embedding_has_no_url_placeholders_and_states_no_origin() -> None:
    embedding = Five9Embedding()

    assert embedding.url_query == ""
    assert embedding.host_origin_param is None
    assert "Five9" in embedding.instructions
    assert embedding.frame_origins(None) == ()
