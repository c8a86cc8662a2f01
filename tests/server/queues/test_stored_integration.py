"""An LLM integration set up through the admin API answers the queue it is mapped to."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.keys import LLM_INTEGRATIONS
from tests.fixtures.app import customer_says
from tests.fixtures.llm import API_KEY, MODEL, FakeLlm, fake_llm  # noqa: F401  (fixture)


async def admin(client: TestClient[Any, Any], key: str, method: str, path: str, body: Any) -> Any:
    response = await client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def test_mapped_queue_streams_an_answer_from_the_stored_integration(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    connect_widget: Any,
    fake_llm: FakeLlm,  # noqa: F811
) -> None:
    key = api_keys["acme"]
    integration = await admin(
        client,
        key,
        "POST",
        "/api/v1/llm-integrations",
        {
            "name": "local",
            "base_url": fake_llm.base_url,
            "model": MODEL,
            "api_key": API_KEY,
        },
    )
    await admin(
        client,
        key,
        "PUT",
        "/api/v1/queue-mappings/test/broadband",
        {"llm_integration_id": integration["id"]},
    )
    widget = await connect_widget(supervisor=True)
    await widget.call("join", {"conversation_id": "conv-1"})
    await widget.next("snapshot")

    await admin(
        client,
        key,
        "POST",
        "/api/v1/events",
        customer_says("e1", "my router keeps dropping", queue="broadband"),
    )

    assert (await widget.next("answer"))["pending"] is True
    done = await widget.next("answer.done", within=10)
    assert done["text"] == fake_llm.script.text
    assert [c["ref"] for c in done["citations"]] == ["P1"]
    assert fake_llm.requests[0]["model"] == MODEL


async def test_unmapped_queue_and_other_tenants_get_no_endpoint(
    client: TestClient[Any, Any],
    api_keys: dict[str, str],
    fake_llm: FakeLlm,  # noqa: F811
) -> None:
    integration = await admin(
        client,
        api_keys["acme"],
        "POST",
        "/api/v1/llm-integrations",
        {
            "name": "local",
            "base_url": fake_llm.base_url,
            "model": MODEL,
            "api_key": API_KEY,
        },
    )
    source = client.app[LLM_INTEGRATIONS]

    own = await source.get("acme", integration["id"])
    assert own is not None
    assert own.api_key.get_secret_value() == API_KEY
    assert await source.get("globex", integration["id"]) is None
    assert await source.get("acme", None) is None
    assert await source.get("acme", "no-such-id") is None
