"""Bodies are refused before they cost anything: no inflating a gzip bomb, no big anonymous
uploads; the server stays responsive meanwhile."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import ClientError
from aiohttp.test_utils import TestClient

MIB = 1024 * 1024


def gzip_bomb_chunks(inflated_mib: int) -> Iterator[bytes]:
    """A gzip stream of ``inflated_mib`` MiB of zeros, about 1 KiB on the wire per MiB.

    After a full flush deflate starts afresh, so the compressed form of the next MiB of zeros
    is the same bytes every time: the stream is produced without compressing a GiB.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MIB)
    yield compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(inflated_mib - 1):
        yield again


async def streamed(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes the server's zlib decompressor produced, one entry per call."""
    from aiohttp import compression_utils

    produced: list[int] = []
    real = compression_utils.ZLibDecompressor.decompress_sync

    def counting(self: Any, data: bytes, max_length: int = 0) -> bytes:
        out: bytes = real(self, data, max_length)
        produced.append(len(out))
        return out

    monkeypatch.setattr(compression_utils.ZLibDecompressor, "decompress_sync", counting)
    return produced


async def post_bomb(client: TestClient[Any, Any], path: str, headers: dict[str, str]) -> int:
    """POST a 1 GiB gzip bomb; the status, or 0 if the connection was reset before the client
    read the answer (the server closes it rather than read the rest of the body)."""
    headers = {**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    try:
        response = await client.post(path, data=streamed(gzip_bomb_chunks(1024)), headers=headers)
    except ClientError:
        return 0
    return response.status


async def test_a_gzip_bomb_without_credentials_is_refused_uninflated(
    client: TestClient[Any, Any], inflated: list[int]
) -> None:
    status = await post_bomb(client, "/api/v1/events", {"Authorization": "Bearer cc_wrong"})
    healthz = await client.get("/healthz")

    assert status in (0, 401)
    assert healthz.status == 200
    assert sum(inflated) < 8 * MIB


async def test_a_gzip_bomb_with_credentials_stops_at_the_body_limit(
    client: TestClient[Any, Any], api_keys: dict[str, str], inflated: list[int]
) -> None:
    status = await post_bomb(
        client, "/api/v1/events", {"Authorization": f"Bearer {api_keys['acme']}"}
    )
    healthz = await client.get("/healthz")

    assert status in (0, 413)
    assert healthz.status == 200
    assert sum(inflated) < 8 * MIB
