"""Health, readiness and metrics endpoints tell operators the truth."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import customer_says


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
    widget = await connect_widget()
    await widget.call("join", {"conversation_id": "conv-1"})
    headers = {"Authorization": f"Bearer {api_keys['acme']}"}
    message = customer_says("e1", "router keeps dropping")
    await client.post("/api/v1/events", json=message, headers=headers)
    await client.post("/api/v1/events", json=message, headers=headers)

    received = len((await widget.next("suggestions"))["items"])
    response = await client.get("/metrics")
    text = await response.text()

    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'cuecard_events_ingested_total{kind="message",provider="test"} 1.0' in text
    assert 'cuecard_duplicates_dropped_total{provider="test"} 1.0' in text
    assert f"cuecard_suggestions_emitted_total {received:.1f}" in text
    assert "cuecard_connected_widgets 1.0" in text
    assert "cuecard_pipeline_latency_seconds_count 1.0" in text
