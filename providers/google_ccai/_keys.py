"""Google's token signing keys, fetched over HTTPS and cached as long as Google says."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from multidict import CIMultiDict

from providers.errors import ProviderNotReady
from providers.google_ccai.const import (
    CERTS_DEFAULT_MAX_AGE,
    CERTS_REFETCH_SECONDS,
    CERTS_TIMEOUT_SECONDS,
)

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(no-store|no-cache)\b", re.IGNORECASE)


def cache_seconds(headers: Mapping[str, str]) -> float:
    """How long a response may be reused: ``max-age`` less ``Age``; 0 for no-store/no-cache."""
    control = headers.get("Cache-Control", "")
    if _NO_CACHE.search(control):
        return 0.0
    match = _MAX_AGE.search(control)
    if match is None:
        return CERTS_DEFAULT_MAX_AGE
    age = headers.get("Age", "0")
    return max(0.0, float(match[1]) - (float(age) if age.isdigit() else 0.0))


class GoogleKeys:
    """The key set at ``url`` (Google's ``oauth2/v3/certs``), shared by concurrent requests.

    Example::

        keys = GoogleKeys("https://www.googleapis.com/oauth2/v3/certs", session)
        key_set = await keys.for_key_id(header["kid"])
    """

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._session = session
        self._clock = clock
        self._keys: KeySet | None = None
        self._fresh_until = 0.0
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def for_key_id(self, kid: str) -> KeySet:
        """The key set, fetched again when stale or, now and then, when ``kid`` is not in it.

        Raises ``ProviderNotReady`` if the keys cannot be had: the push should be retried.
        """
        async with self._lock:
            now = self._clock()
            stale = self._keys is None or now >= self._fresh_until
            # A forger can name any key id: an unknown one refetches at most once a minute.
            unknown = not stale and not _has(self._keys, kid)
            if stale or (unknown and now - self._fetched_at >= CERTS_REFETCH_SECONDS):
                await self._fetch(now)
            assert self._keys is not None
            return self._keys

    async def fetch(self) -> KeySet:
        """Fetch the keys now (the connection check)."""
        async with self._lock:
            await self._fetch(self._clock())
            assert self._keys is not None
            return self._keys

    async def _fetch(self, now: float) -> None:
        timeout = aiohttp.ClientTimeout(total=CERTS_TIMEOUT_SECONDS)
        try:
            async with self._session.get(self._url, timeout=timeout) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
                headers = CIMultiDict(response.headers)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise ProviderNotReady(
                f"Google's signing keys are unavailable ({type(err).__name__})"
            ) from err
        try:
            keys = KeySet.import_key_set(body)
        except (JoseError, ValueError, TypeError, KeyError) as err:
            raise ProviderNotReady(f"{self._url} did not return a key set") from err
        self._keys, self._fetched_at = keys, now
        self._fresh_until = now + cache_seconds(headers)


def _has(keys: KeySet | None, kid: str) -> bool:
    return keys is not None and any(key.kid == kid for key in keys.keys)
