"""``check()`` tells an admin whether the Genesys settings work, and what to fix if not."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer

from providers.base import Checkable, StatusReporting
from providers.errors import ProviderAuthFailed, ProviderConfigError, ProviderNotReady
from providers.genesys import GenesysAdapter
from providers.registry import build_adapter, get_platform, parse_settings
from tests.doubles.genesys.world import GenesysWorld, OAuthClient

from .conftest import FAST, settings_for


async def test_working_settings_pass_and_leave_no_channel(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double), timings=FAST)
    await adapter.check()
    await adapter.aclose()
    assert ("GET", "/api/v2/tokens/me") in world.requests
    assert world.channels.created == []


async def test_client_of_another_organization_names_both_orgs(
    world: GenesysWorld, double: TestServer
) -> None:
    adapter = GenesysAdapter(settings_for(double, organization_id="org-elsewhere"), timings=FAST)
    with pytest.raises(ProviderConfigError) as caught:
        await adapter.check()
    assert str(caught.value) == (
        f"the OAuth client belongs to Genesys organization {world.org_id}, not the "
        "configured org-elsewhere — check organization_id"
    )


async def test_wrong_secret_is_an_auth_failure_naming_what_to_fix(double: TestServer) -> None:
    adapter = GenesysAdapter(settings_for(double, client_secret="wrong-secret"), timings=FAST)
    with pytest.raises(ProviderAuthFailed) as caught:
        await adapter.check()
    assert str(caught.value) == (
        "Genesys refused the client credentials (invalid_client) — check client id and secret"
    )


async def test_client_without_the_grant_is_a_config_error(
    world: GenesysWorld, double: TestServer
) -> None:
    world.clients["pkce"] = OAuthClient("pkce", secret="s3cret", grants=frozenset({"code"}))
    adapter = GenesysAdapter(settings_for(double, client_id="pkce"), timings=FAST)
    with pytest.raises(ProviderConfigError, match="set its grant type to Client Credentials"):
        await adapter.check()


async def test_unreachable_login_host_is_not_ready(double: TestServer) -> None:
    unreachable = "http://127.0.0.1:9"
    settings = settings_for(double, login_base_url=unreachable, api_base_url=unreachable)
    adapter = GenesysAdapter(settings, timings=FAST)
    with pytest.raises(
        ProviderNotReady, match=r"cannot reach Genesys login at http://127\.0\.0\.1:9"
    ):
        await adapter.check()


def test_registered_adapter_reports_status_and_can_be_checked() -> None:
    manifest = get_platform("genesys")
    settings = parse_settings(
        manifest,
        {"tenant_id": "acme", "organization_id": "o-1", "client_id": "c", "client_secret": "s"},
    )
    adapter = build_adapter(manifest, settings)
    assert isinstance(adapter, StatusReporting)
    assert isinstance(adapter, Checkable)


async def test_ids_that_would_change_a_topic_name_are_refused() -> None:
    manifest = get_platform("genesys")
    settings = parse_settings(
        manifest,
        {"tenant_id": "acme", "organization_id": "o-1", "client_id": "c", "client_secret": "s"},
    )
    adapter = build_adapter(manifest, settings)
    assert isinstance(adapter, GenesysAdapter)
    with pytest.raises(ProviderConfigError, match="is not a Genesys id"):
        await adapter.watch_queues(["q.*"])
