"""The integration's REST client against the double: JWT bearer, limits, sessions, errors."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from joserfc import jwt
from joserfc.jwk import RSAKey

from providers.errors import ProviderAuthFailed, ProviderConfigError, ProviderNotReady
from providers.salesforce import SalesforceClient
from providers.salesforce._errors import RecordRejected, SessionRejected, error_items
from providers.salesforce.client import Subrequest
from tests.doubles.salesforce.world import SalesforceWorld

from .conftest import BUDGET, FAST, INTEGRATION_USER, app_keys, fixture, settings_for, stranger_keys


def client_with(
    double: TestServer, http: aiohttp.ClientSession, **changes: Any
) -> SalesforceClient:
    return SalesforceClient(settings_for(double, **changes), http, timings=FAST, budget=BUDGET)


async def test_the_jwt_bearer_assertion_is_rs256_signed_for_the_app_and_user(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    info = await client.userinfo()

    [form] = world.token_requests
    public = RSAKey.import_key(app_keys().private_pem).as_dict(private=False)
    token = jwt.decode(form["assertion"], RSAKey.import_key(public), algorithms=["RS256"])
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert "client_secret" not in form
    assert token.header["alg"] == "RS256"
    assert token.claims["iss"] == world.app.consumer_key
    assert token.claims["sub"] == INTEGRATION_USER
    assert token.claims["aud"] == "https://login.salesforce.com"
    assert 0 < token.claims["exp"] - token.claims["iat"] <= 180
    assert info.preferred_username == INTEGRATION_USER


async def test_one_session_serves_many_calls(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Router drops")
    for _ in range(3):
        await client.get_record("Case", case_id, ["Subject"])
    assert len(world.token_requests) == 1


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (
            {"private_key": stranger_keys().private_pem},
            ProviderAuthFailed,
            "the certificate uploaded to the External Client App does not match private_key",
        ),
        (
            {"consumer_key": "3MVG9someOtherAppEntirely"},
            ProviderConfigError,
            "invalid_client_id: client identifier invalid) — check consumer_key",
        ),
        (
            {"login_url": "https://test.salesforce.com"},
            ProviderConfigError,
            "audience is invalid) — check login_url",
        ),
    ],
)
async def test_a_refused_jwt_grant_says_what_to_fix(
    double: TestServer,
    http: aiohttp.ClientSession,
    changes: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as caught:
        await client_with(double, http, **changes).userinfo()
    assert message in str(caught.value)


async def test_a_user_not_pre_authorized_is_an_auth_failure(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    world.user_by_name(INTEGRATION_USER).preauthorized = False  # type: ignore[union-attr]
    with pytest.raises(ProviderAuthFailed) as caught:
        await client.userinfo()
    assert str(caught.value) == (
        f"Salesforce refused the JWT bearer sign-in as {INTEGRATION_USER} (invalid_grant: user "
        "hasn't approved this consumer) — pre-authorize the integration user for the External "
        "Client App (its permission set or profile)"
    )


async def test_sforce_limit_info_is_tracked_from_every_response(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    world.api_used, world.api_max = 10_017, 100_000
    case_id = world.insert("Case", Subject="Router drops")
    assert client.usage is None
    await client.get_record("Case", case_id, ["Subject"])
    await client.update("Case", case_id, {"Status": "Working"})

    assert client.usage is not None
    usage = client.usage.api_usage
    assert usage is not None
    assert (usage.used, usage.max) == (10_019, 100_000)


async def test_an_expired_session_is_minted_again_once(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Router drops")
    await client.get_record("Case", case_id, ["Subject"])
    world.expire_sessions()

    record = await client.get_record("Case", case_id, ["Subject"])

    assert record["Subject"] == "Router drops"
    assert len(world.token_requests) == 2
    assert [status for _, _, status in world.requests] == [200, 401, 200]


async def test_a_session_refused_twice_stops_after_one_new_mint(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Router drops")
    world.faults.invalid_session = 5
    with pytest.raises(SessionRejected):
        await client.update("Case", case_id, {"Status": "Working"})
    assert len(world.token_requests) == 2
    assert len(world.requests) == 2
    assert world.records["Case"][case_id].get("Status") is None


@pytest.mark.parametrize(
    ("fields", "codes", "named"),
    [
        ({"Hold_Count__c": 2}, ("INVALID_FIELD",), ("Hold_Count__c",)),
        ({"Status": "Done"}, ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",), ("Status",)),
        ({"WhatId": "500Ho00000NoSuchAAA"}, ("INVALID_CROSS_REFERENCE_KEY",), ("WhatId",)),
    ],
)
async def test_the_error_array_names_the_fields(
    world: SalesforceWorld,
    client: SalesforceClient,
    fields: dict[str, Any],
    codes: tuple[str, ...],
    named: tuple[str, ...],
) -> None:
    with pytest.raises(RecordRejected) as caught:
        await client.upsert("Task", "Cuecard_Id__c", "conv-1", fields)
    assert caught.value.error_codes == codes
    assert caught.value.fields == named
    assert all(name in str(caught.value) for name in named)
    assert "Task" not in world.records or world.records["Task"] == {}


async def test_a_validation_rule_names_its_field(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    [rule] = fixture("error_validation.json")[:1]
    world.validation_rules.append(lambda sobject, row: None if row.get("Description") else rule)
    with pytest.raises(RecordRejected) as caught:
        await client.upsert("Task", "Cuecard_Id__c", "conv-1", {"Subject": "Wrap-up"})
    assert str(caught.value) == (
        "Salesforce refused the Task upsert: FIELD_CUSTOM_VALIDATION_EXCEPTION on Description: "
        "Wrap-up notes are required on completed tasks"
    )


def test_recorded_error_arrays_parse_with_every_field() -> None:
    items = error_items(fixture("error_validation.json"))
    assert [(i.error_code, i.fields) for i in items] == [
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", ("Description",)),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ("Status",)),
    ]
    assert [i.error_code for i in error_items(fixture("error_request_limit.json"))] == [
        "REQUEST_LIMIT_EXCEEDED"
    ]


async def test_upsert_creates_once_then_updates_the_same_record(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    first = await client.upsert("Task", "Cuecard_Id__c", "conv-1", {"Subject": "Wrap-up"})
    second = await client.upsert("Task", "Cuecard_Id__c", "conv-1", {"Subject": "Wrap-up 2"})
    assert first.created
    assert not second.created
    assert first.id == second.id
    assert [row["Subject"] for row in world.records["Task"].values()] == ["Wrap-up 2"]


async def test_an_external_id_matching_two_records_is_refused(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    world.insert("Task", Cuecard_Id__c="conv-1", Subject="a")
    world.insert("Task", Cuecard_Id__c="conv-1", Subject="b")
    with pytest.raises(RecordRejected, match="more than one record has Cuecard_Id__c = conv-1"):
        await client.upsert("Task", "Cuecard_Id__c", "conv-1", {"Subject": "c"})


async def test_a_composite_request_is_one_api_call_and_rolls_back_on_failure(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Router drops")
    good = Subrequest(
        method="PATCH",
        path=f"/sobjects/Case/{case_id}",
        reference_id="case",
        body={"Status": "Working"},
    )
    bad = Subrequest(
        method="PATCH",
        path="/sobjects/Task/Cuecard_Id__c/conv-1",
        reference_id="task",
        body={"WhatId": "500Ho00000NoSuchAAA"},
    )
    await client.userinfo()  # mint first, so the count below is only the composite
    used = world.api_used

    with pytest.raises(RecordRejected) as caught:
        await client.composite([good, bad])

    assert world.api_used == used + 1
    assert str(caught.value).startswith("Salesforce refused composite subrequest task: ")
    assert caught.value.fields == ("WhatId",)
    assert world.records["Case"][case_id].get("Status") is None


async def test_composite_references_read_earlier_answers(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    case_id = world.insert("Case", Subject="Router drops")
    session_id = world.insert("MessagingSession", CaseId=case_id)
    answers = await client.composite(
        [
            Subrequest(
                method="GET",
                path=f"/sobjects/MessagingSession/{session_id}?fields=CaseId",
                reference_id="session",
            ),
            Subrequest(
                method="PATCH",
                path="/sobjects/Task/Cuecard_Id__c/conv-1",
                reference_id="task",
                body={"WhatId": "@{session.CaseId}"},
            ),
        ]
    )
    [task] = world.records["Task"].values()
    assert [a.status for a in answers] == [200, 201]
    assert task["WhatId"] == case_id


async def test_a_query_follows_next_records_url(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    world.query_page_size = 2
    for number in range(5):
        world.insert("Case", Subject=f"case {number}", Status="New")
    records = await client.query("SELECT Id, Subject FROM Case WHERE Status = 'New'")
    assert sorted(r["Subject"] for r in records) == [f"case {n}" for n in range(5)]
    assert sum(1 for _, path, _ in world.requests if path.startswith("/services/data")) == 3


async def test_a_malformed_query_is_refused_with_salesforces_code(
    client: SalesforceClient,
) -> None:
    with pytest.raises(RecordRejected, match="MALFORMED_QUERY"):
        await client.query("SELECT FROM WHERE")


async def test_check_passes_for_working_settings(client: SalesforceClient) -> None:
    await client.check()


async def test_check_names_the_org_the_user_really_belongs_to(
    double: TestServer, http: aiohttp.ClientSession
) -> None:
    client = client_with(double, http, organization_id="00DHo000000OthRMAS")
    with pytest.raises(ProviderConfigError) as caught:
        await client.check()
    assert str(caught.value) == (
        f"the integration user {INTEGRATION_USER} belongs to Salesforce org 00DHo000000CueCMAS, "
        "not the configured 00DHo000000OthRMAS — check organization_id"
    )


async def test_check_reports_an_exhausted_daily_allocation(
    world: SalesforceWorld, client: SalesforceClient
) -> None:
    world.api_used = world.api_max
    with pytest.raises(ProviderNotReady, match="whole daily API allocation"):
        await client.check()


async def test_an_unreachable_org_is_not_ready(http: aiohttp.ClientSession) -> None:
    unreachable = "http://127.0.0.1:9"
    settings = settings_for(_At(unreachable))
    client = SalesforceClient(settings, http, timings=FAST, budget=BUDGET)
    with pytest.raises(ProviderNotReady, match=r"cannot reach Salesforce at http://127\.0\.0\.1:9"):
        await client.userinfo()


class _At:
    """A base URL where nothing listens."""

    def __init__(self, base: str) -> None:
        self.base = base

    def make_url(self, path: str) -> str:
        return self.base + path
