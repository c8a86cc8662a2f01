"""Health, readiness and metrics endpoints tell operators the truth."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, make_mocked_request

from server.app import create_app
from server.errors import Forbidden
from server.routes import metrics
from tests.fixtures.app import customer_says, make_settings


async def test_healthz(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


async def test_readyz_reports_each_dependency(client: TestClient[Any, Any]) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready", "checks": {"database": "ok", "state": "ok"}}


async def test_metrics_count_events_duplicates_suggestions_and_widgets(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    message = customer_says("e1", "router keeps dropping")
    await client.post("/api/v1/events", json=message, headers=headers)
    await client.post("/api/v1/events", json=message, headers=headers)

    received = len((await widget.next("suggestions"))["items"])
    response = await client.get("/metrics")
    text = await response.text()

    assert response.headers["Content-Type"].startswith("text/plain")
    # "test" is no platform cuecard knows: it is counted, under "other".
    assert 'cuecard_events_ingested_total{kind="message",provider="other"} 1.0' in text
    assert 'cuecard_duplicates_dropped_total{provider="other"} 1.0' in text
    assert f"cuecard_suggestions_emitted_total {received:.1f}" in text
    assert "cuecard_connected_widgets 1.0" in text
    assert "cuecard_pipeline_latency_seconds_count 1.0" in text


async def test_made_up_provider_names_never_become_metric_labels(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    made_up = [
        {**customer_says(f"e{i}", "hello"), "provider": f"made-up-{i}", "conversation_id": f"c{i}"}
        for i in range(300)
    ]
    simulated = {**customer_says("s1", "hello"), "provider": "simulator"}
    for start in range(0, len(made_up), 100):
        batch = {"events": made_up[start : start + 100]}
        assert (await client.post("/api/v1/events", json=batch, headers=headers)).status == 200
    await client.post("/api/v1/events", json=simulated, headers=headers)

    text = await (await client.get("/metrics")).text()

    assert "made-up" not in text
    assert 'cuecard_events_ingested_total{kind="message",provider="other"} 300.0' in text
    assert 'cuecard_events_ingested_total{kind="message",provider="simulator"} 1.0' in text


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
    ],
)
async def test_metrics_through_a_proxy_are_refused_by_default(
    client: TestClient[Any, Any], header: dict[str, str]
) -> None:
    response = await client.get("/metrics", headers=header)

    assert response.status == 403
    body = await response.json()
    assert body["code"] == "forbidden"
    assert "CUECARD_METRICS_TOKEN" in body["message"]


async def test_metrics_from_another_host_are_refused_by_default(
    client: TestClient[Any, Any],
) -> None:
    request = make_mocked_request(
        "GET", "/metrics", app=client.app, transport=peer_at("203.0.113.9")
    )

    with pytest.raises(Forbidden):
        await metrics(request)


async def test_a_configured_metrics_token_is_required_from_everyone(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    api_keys: dict[str, str],
) -> None:
    token = "scrape-" + secrets.token_urlsafe(24)
    client = await aiohttp_client(create_app(make_settings(tmp_path, metrics_token=token)))

    missing = await client.get("/metrics")
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    right = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    proxied = await client.get(
        "/metrics", headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9"}
    )
    remote = make_mocked_request(
        "GET",
        "/metrics",
        headers={"Authorization": f"Bearer {token}"},
        app=client.app,
        transport=peer_at("203.0.113.9"),
    )

    assert (missing.status, wrong.status) == (401, 401)
    assert right.status == 200
    assert proxied.status == 200
    assert (await metrics(remote)).status == 200


def peer_at(address: str) -> Any:
    """A transport whose peer is ``address``, as aiohttp reads ``request.remote`` from it."""

    class Transport:
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return (address, 40_000) if name == "peername" else default

    return Transport()
