"""Knowledge bases and documents over REST: CRUD, idempotency, and a live index."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.fixtures.app import Widget

KBS = "/api/v1/knowledge-bases"
DOC = {"title": "Pair a zorblax remote", "body": "Hold the zorblax pairing button for ten seconds."}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_kb(client: TestClient[Any, Any], key: str, name: str = "extra") -> str:
    response = await client.post(KBS, json={"name": name}, headers=auth(key))
    assert response.status == 201
    kb_id: str = (await response.json())["id"]
    return kb_id


async def test_kb_crud(client: TestClient[Any, Any], api_keys: dict[str, str]) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key)

    listed = await (await client.get(KBS, headers=auth(key))).json()
    patched = await client.patch(f"{KBS}/{kb_id}", json={"name": "renamed"}, headers=auth(key))
    deleted = await client.delete(f"{KBS}/{kb_id}", headers=auth(key))
    gone = await client.get(f"{KBS}/{kb_id}", headers=auth(key))

    assert {kb["name"] for kb in listed["items"]} == {"main", "extra"}
    assert (await patched.json())["name"] == "renamed"
    assert deleted.status == 204
    assert gone.status == 404


async def test_put_is_idempotent_and_ids_may_contain_slashes(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key)
    url = f"{KBS}/{kb_id}/documents/help/remotes/pairing"

    first = await client.put(url, json=DOC, headers=auth(key))
    again = await client.put(url, json=DOC, headers=auth(key))
    listed = await (await client.get(f"{KBS}/{kb_id}/documents", headers=auth(key))).json()

    assert (first.status, again.status) == (201, 200)
    assert [doc["external_id"] for doc in listed["items"]] == ["help/remotes/pairing"]
    assert (await client.delete(url, headers=auth(key))).status == 204
    assert (await client.delete(url, headers=auth(key))).status == 404


async def test_a_put_document_is_searchable_at_once(
    client: TestClient[Any, Any], api_keys: dict[str, str], connect_widget: Any
) -> None:
    key = api_keys["acme"]
    widget: Widget = await connect_widget()
    before = await widget.call("search", {"query": "zorblax pairing"})

    put = await client.put(
        f"{KBS}/{await _default_kb(client, key)}/documents/zorblax", json=DOC, headers=auth(key)
    )
    after = await widget.call("search", {"query": "zorblax pairing"})

    assert put.status == 201
    assert "zorblax" not in str(before)
    assert after["results"][0]["source"]["document_id"] == "zorblax"


async def _default_kb(client: TestClient[Any, Any], key: str) -> str:
    listed = await (await client.get(KBS, headers=auth(key))).json()
    return str(next(kb["id"] for kb in listed["items"] if kb["is_default"]))


async def test_a_batch_is_validated_whole(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key)
    batch = f"{KBS}/{kb_id}/documents:batch"
    good = {"external_id": "a", **DOC}

    bad = await client.post(
        batch, json=[good, {"external_id": "b", "title": "x"}], headers=auth(key)
    )
    too_many = await client.post(batch, json=[good] * 501, headers=auth(key))
    ok = await client.post(
        batch, json={"documents": [good, {**good, "external_id": "b"}]}, headers=auth(key)
    )
    listed = await (await client.get(f"{KBS}/{kb_id}/documents", headers=auth(key))).json()

    assert bad.status == 422
    assert (await bad.json())["field"] == "documents[1].body"
    assert too_many.status == 413
    assert (await ok.json()) == {"written": 2}
    assert [doc["external_id"] for doc in listed["items"]] == ["a", "b"]


async def test_bad_input_names_the_field(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key)

    mismatch = await client.put(
        f"{KBS}/{kb_id}/documents/a", json={**DOC, "external_id": "b"}, headers=auth(key)
    )
    unknown = await client.post(KBS, json={"name": "x", "colour": "red"}, headers=auth(key))

    assert ((await mismatch.json())["field"], mismatch.status) == ("external_id", 422)
    assert (await unknown.json())["field"] == "colour"


async def test_an_updated_at_without_a_utc_date_is_a_422_not_a_500(
    client: TestClient[Any, Any], api_keys: dict[str, str]
) -> None:
    key = api_keys["acme"]
    kb_id = await new_kb(client, key)
    url = f"{KBS}/{kb_id}/documents/far-future"

    response = await client.put(
        url, json={**DOC, "updated_at": "9999-12-31T23:59:59-14:00"}, headers=auth(key)
    )
    missing = await client.get(url, headers=auth(key))

    assert response.status == 422
    assert (await response.json())["field"] == "updated_at"
    assert missing.status == 404
