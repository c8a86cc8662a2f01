"""Salesforce over HTTP: the JWT bearer grant, the REST API, and the org's API usage.

The REST side of the integration (the session comes from ``_jwt.py``; agent
sign-in is ``login.py``). Endpoints (protocols.md 7.3, 7.4):

- ``POST {my domain}/services/oauth2/token`` grant_type=jwt-bearer, assertion=<RS256 JWT>
  -> ``{access_token, instance_url, id, token_type, scope}``
- ``GET /services/oauth2/userinfo`` -> ``{user_id, organization_id, ...}``
- ``GET|PATCH /services/data/vXX.X/sobjects/{SObject}/{Id}`` (PATCH -> 204)
- ``PATCH /services/data/vXX.X/sobjects/{SObject}/{ExtIdField}/{value}`` -> 201 | 200 | 204 | 300
- ``POST /services/data/vXX.X/composite`` -> ``{"compositeResponse": [...]}`` (always 200)
- ``GET /services/data/vXX.X/query?q=SOQL`` -> ``{totalSize, done, records, nextRecordsUrl?}``
- ``GET /services/data/vXX.X/limits`` -> ``{"DailyApiRequests": {"Max", "Remaining"}, ...}``

Every response's ``Sforce-Limit-Info`` is tracked (:attr:`SalesforceClient.usage`);
``403 REQUEST_LIMIT_EXCEEDED`` goes through the :class:`LimitGate`; ``401 INVALID_SESSION_ID``
mints a new session once. Tokens never reach a log or an error message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from pydantic import SecretStr, ValidationError

from providers.errors import ProviderConfigError, ProviderNotReady
from providers.salesforce._errors import (
    ApiErrorItem,
    RecordRejected,
    SessionRejected,
    error_items,
    has_code,
)
from providers.salesforce._jwt import JwtBearer
from providers.salesforce._limits import ApiUsage, LimitGate, parse_limit_info
from providers.salesforce._models import (
    Method,
    Subrequest,
    SubResponse,
    UpsertResult,
    UserInfo,
)
from providers.salesforce.config import SalesforceSettings
from providers.salesforce.const import (
    COMPOSITE_MAX,
    DEFAULT_BUDGET,
    DEFAULT_TIMINGS,
    INVALID_SESSION_ID,
    REQUEST_LIMIT_EXCEEDED,
    USERINFO_PATH,
    LimitBudget,
    Timings,
)

__all__ = [
    "SalesforceCheck",
    "SalesforceClient",
    "SubResponse",
    "Subrequest",
    "UpsertResult",
    "UserInfo",
]

log = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError)
CHECK_BUDGET = LimitBudget(probes=1, concurrency=1, cooldown=60.0, seconds=10.0)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: Any


class SalesforceClient:
    """The integration's calls to one org, as its JWT bearer integration user."""

    def __init__(
        self,
        settings: SalesforceSettings,
        session: aiohttp.ClientSession,
        *,
        timings: Timings = DEFAULT_TIMINGS,
        budget: LimitBudget = DEFAULT_BUDGET,
    ) -> None:
        self._settings = settings
        self._http = session
        self._timings = timings
        self._gate = LimitGate(timings, budget)
        self._jwt = JwtBearer(settings, session, timings)
        self.usage: ApiUsage | None = None

    @property
    def settings(self) -> SalesforceSettings:
        """The settings this client was built with."""
        return self._settings

    @property
    def refused_for_limit(self) -> int:
        """How many requests the org refused with REQUEST_LIMIT_EXCEEDED so far."""
        return self._gate.refused_total

    # -- records -------------------------------------------------------------------------

    async def get_record(
        self, sobject: str, record_id: str, fields: Sequence[str]
    ) -> dict[str, Any]:
        """The record's ``fields``."""
        query = urlencode({"fields": ",".join(fields)})
        path = f"/sobjects/{_seg(sobject)}/{_seg(record_id)}?{query}"
        body = await self._data("GET", path, what=f"reading {sobject} {record_id}")
        return body if isinstance(body, dict) else {}

    async def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Update a record's fields (204)."""
        path = f"/sobjects/{_seg(sobject)}/{_seg(record_id)}"
        await self._data("PATCH", path, dict(fields), what=f"the {sobject} update")

    async def upsert(
        self, sobject: str, id_field: str, value: str, fields: Mapping[str, Any]
    ) -> UpsertResult:
        """Create or update the one record whose external id ``id_field`` is ``value``."""
        path = f"/sobjects/{_seg(sobject)}/{_seg(id_field)}/{_seg(value)}"
        answer = await self._data_call("PATCH", path, dict(fields))
        what = f"the {sobject} upsert"
        if answer.status == 300:
            raise RecordRejected(what, 300, _duplicates(id_field, value))
        body = _ok(answer, what)
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            return UpsertResult(id=body["id"], created=bool(body.get("created")))
        # Older API versions answer an update with 204 and no body.
        return UpsertResult(id="", created=answer.status == 201)

    async def composite(
        self, requests: Sequence[Subrequest], *, all_or_none: bool = True
    ) -> list[SubResponse]:
        """Several requests as one API call; ``RecordRejected`` naming the first failure."""
        if not 1 <= len(requests) <= COMPOSITE_MAX:
            raise ValueError(f"a composite request takes 1 to {COMPOSITE_MAX} subrequests")
        payload = {
            "allOrNone": all_or_none,
            "compositeRequest": [self._subrequest(request) for request in requests],
        }
        body = await self._data("POST", "/composite", payload, what="the composite request")
        try:
            answers = [SubResponse.model_validate(item) for item in body["compositeResponse"]]
        except (TypeError, KeyError, ValidationError) as err:
            raise ProviderNotReady("Salesforce sent an unexpected composite response") from err
        _raise_first_failure(answers)
        return answers

    async def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record a SOQL query returns, following ``nextRecordsUrl``."""
        answer = await self._data_call("GET", "/query?" + urlencode({"q": soql}))
        records: list[dict[str, Any]] = []
        while True:
            body = _ok(answer, "the query")
            records.extend(body.get("records", []))
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not isinstance(next_url, str):
                return records
            answer = await self._call("GET", self._instance_url() + next_url)

    # -- the org -------------------------------------------------------------------------

    async def userinfo(self) -> UserInfo:
        """Who the integration user is, and in which org."""
        url = self._settings.base_url + USERINFO_PATH
        body = _ok(await self._call("GET", url), "the userinfo request")
        try:
            return UserInfo.model_validate(body)
        except ValidationError as err:
            raise ProviderNotReady("Salesforce sent an unexpected userinfo response") from err

    async def daily_api_requests(self) -> tuple[int, int]:
        """``(max, remaining)`` of the org's rolling 24-hour API request allocation."""
        body = await self._data("GET", "/limits", what="the limits request")
        daily = body.get("DailyApiRequests", {}) if isinstance(body, dict) else {}
        return int(daily.get("Max", 0)), int(daily.get("Remaining", 0))

    async def check(self) -> str:
        """JWT bearer sign-in, the org id, and the API allocation; the real error if not."""
        info = await self.userinfo()
        if info.organization_id != self._settings.organization_id:
            raise ProviderConfigError(
                f"the integration user {self._settings.username} belongs to Salesforce org "
                f"{info.organization_id}, not the configured {self._settings.organization_id} "
                "— check organization_id"
            )
        maximum, remaining = await self.daily_api_requests()
        if maximum and remaining <= 0:
            raise ProviderNotReady(
                f"the org has used its whole daily API allocation ({maximum} requests)"
            )
        return (
            f"Signed in as {self._settings.username} in org {info.organization_id}; "
            f"{maximum - remaining:,} of {maximum:,} API requests used in the last 24 hours."
        )

    async def aclose(self) -> None:
        """Forget the session (the aiohttp session belongs to the caller)."""
        self._jwt.forget()

    # -- plumbing ------------------------------------------------------------------------

    def _data_url(self, path: str) -> str:
        return f"{self._instance_url()}/services/data/{self._settings.api_version}{path}"

    def _instance_url(self) -> str:
        return self._jwt.instance_url

    def _subrequest(self, request: Subrequest) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "method": request.method,
            "url": f"/services/data/{self._settings.api_version}{request.path}",
            "referenceId": request.reference_id,
        }
        if request.body is not None:
            entry["body"] = request.body
        return entry

    async def _data(self, method: Method, path: str, body: Any = None, *, what: str) -> Any:
        return _ok(await self._data_call(method, path, body), what)

    async def _data_call(self, method: Method, path: str, body: Any = None) -> _Answer:
        await self._jwt.token()  # the REST base is the session's instance_url
        return await self._call(method, self._data_url(path), body)

    async def _call(self, method: Method, url: str, body: Any = None) -> _Answer:
        """One API call: through the limit gate, re-minting the session once on 401."""
        token = await self._jwt.token()
        answer = await self._gate.run(lambda: self._send(method, url, token, body), _limit_refused)
        if answer.status == 401 and has_code(answer.body, INVALID_SESSION_ID):
            log.info(
                "Salesforce session of tenant %s expired; minting a new one",
                self._settings.tenant_id,
            )
            token = await self._jwt.token(stale=token)
            answer = await self._gate.run(
                lambda: self._send(method, url, token, body), _limit_refused
            )
            if answer.status == 401:
                raise SessionRejected(
                    "Salesforce refused a freshly minted session (INVALID_SESSION_ID) — "
                    "check the integration user's session settings and IP restrictions"
                )
        return answer

    async def _send(self, method: Method, url: str, token: SecretStr, body: Any) -> _Answer:
        headers = {
            "Authorization": f"Bearer {token.get_secret_value()}",
            "Accept": "application/json",
        }
        timeout = aiohttp.ClientTimeout(total=self._timings.request_timeout)
        try:
            async with self._http.request(
                method, url, json=body, headers=headers, timeout=timeout
            ) as response:
                self._track(response.headers.get("Sforce-Limit-Info"))
                return _Answer(response.status, await _json(response))
        except NETWORK_ERRORS as err:
            raise ProviderNotReady(
                f"cannot reach Salesforce at {self._instance_url()}: {type(err).__name__}"
            ) from err

    def _track(self, header: str | None) -> None:
        usage = parse_limit_info(header)
        if usage is not None:
            self.usage = usage


def _limit_refused(answer: _Answer) -> bool:
    return answer.status == 403 and has_code(answer.body, REQUEST_LIMIT_EXCEEDED)


def _ok(answer: _Answer, what: str) -> Any:
    if answer.status < 300:
        return answer.body
    if answer.status >= 500:
        raise ProviderNotReady(f"Salesforce answered {answer.status} to {what}")
    if answer.status == 401:
        raise SessionRejected(f"Salesforce refused the session for {what}")
    raise RecordRejected(what, answer.status, error_items(answer.body))


def _raise_first_failure(answers: Sequence[SubResponse]) -> None:
    failed = [answer for answer in answers if answer.status >= 400]
    # With allOrNone, the subrequests after the failing one only say PROCESSING_HALTED.
    real = [a for a in failed if not has_code(a.body, "PROCESSING_HALTED")] or failed
    if real:
        first = real[0]
        what = f"composite subrequest {first.reference_id}"
        if first.status >= 500:
            raise ProviderNotReady(f"Salesforce answered {first.status} to {what}")
        raise RecordRejected(what, first.status, error_items(first.body))


def _duplicates(id_field: str, value: str) -> tuple[ApiErrorItem, ...]:
    message = f"more than one record has {id_field} = {value}"
    return (ApiErrorItem(message=message, error_code="MULTIPLE_CHOICES", fields=(id_field,)),)


def _seg(value: str) -> str:
    return quote(value, safe="")


async def _json(response: aiohttp.ClientResponse) -> Any:
    if response.status == 204 or "json" not in response.content_type:
        return None
    try:
        return await response.json()
    except ValueError:
        return None


class SalesforceCheck:
    """:class:`providers.base.ConnectionCheck`: the admin's Test connection (``check`` above)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._http = session

    async def check(self, settings: SalesforceSettings) -> str:
        """JWT bearer sign-in, userinfo's org, and the API allocation; what it found, or the
        real error."""
        # One refused request is enough to tell the admin the org is over its API limit.
        client = SalesforceClient(settings, self._http, budget=CHECK_BUDGET)
        try:
            return await client.check()
        finally:
            await client.aclose()
