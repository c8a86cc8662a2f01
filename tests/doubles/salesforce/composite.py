"""The double's composite resource: up to 25 subrequests, references, all-or-none.

``{"allOrNone": true, "compositeRequest": [{"method", "url", "referenceId", "body"?}]}`` →
``{"compositeResponse": [{"body", "httpHeaders", "httpStatusCode", "referenceId"}]}``, always
HTTP 200 (protocols.md 7.3). ``@{ref.field}`` in a later subrequest's URL or body reads an
earlier answer. With ``allOrNone``, one failure rolls every write back and the other
subrequests answer PROCESSING_HALTED.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from tests.doubles.salesforce.replies import Reply, error
from tests.doubles.salesforce.world import SalesforceWorld

Serve = Callable[[SalesforceWorld, str, str, Any], Reply]
MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{(\w+)\.([\w.]+)\}")
_HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same "
        "transaction failed.",
    }
]


def run(world: SalesforceWorld, version: str, body: Any, serve: Serve) -> Reply:
    """Run a composite request."""
    requests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_SUBREQUESTS:
        return error(400, "INVALID_BATCH_REQUEST", "compositeRequest takes 1 to 25 subrequests")
    all_or_none = bool(body.get("allOrNone", False))
    saved = copy.deepcopy(world.records)
    answers: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    for request in requests:
        answer = _one(world, version, request, results, serve)
        answers.append(answer)
        if answer["httpStatusCode"] >= 400 and all_or_none:
            world.records = saved
            return Reply(200, {"compositeResponse": _halt_others(answers, requests)})
    return Reply(200, {"compositeResponse": answers})


def _one(
    world: SalesforceWorld,
    version: str,
    request: Any,
    results: dict[str, Any],
    serve: Serve,
) -> dict[str, Any]:
    reference = str(request.get("referenceId", "")) if isinstance(request, dict) else ""
    url = request.get("url", "") if isinstance(request, dict) else ""
    if not reference or not isinstance(url, str) or not url.startswith(f"/services/data/{version}"):
        return _answer(
            reference,
            400,
            [
                {
                    "errorCode": "INVALID_BATCH_REQUEST",
                    "message": "each subrequest needs a referenceId and "
                    "a url below this API version",
                }
            ],
        )
    try:
        url = _resolve(url, results)
        payload = (
            json.loads(_resolve(json.dumps(request["body"]), results))
            if request.get("body") is not None
            else None
        )
    except KeyError as missing:
        return _answer(
            reference,
            400,
            [
                {
                    "errorCode": "PROCESSING_HALTED",
                    "message": f"Invalid reference specified. No value for "
                    f"{missing.args[0]} found.",
                }
            ],
        )
    reply = serve(world, str(request.get("method", "GET")), url, payload)
    results[reference] = reply.body
    return _answer(reference, reply.status, reply.body)


def _resolve(text: str, results: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found: Any = results.get(match[1])
        for part in match[2].split("."):
            if not isinstance(found, dict) or part not in found:
                raise KeyError(f"{match[1]}.{match[2]}")
            found = found[part]
        return str(found)

    return _REFERENCE.sub(value, text)


def _halt_others(answers: list[dict[str, Any]], requests: list[Any]) -> list[dict[str, Any]]:
    failed = answers[-1]
    halted = [_answer(a["referenceId"], 400, _HALTED) for a in answers[:-1]]
    rest = [_answer(str(r.get("referenceId", "")), 400, _HALTED) for r in requests[len(answers) :]]
    return [*halted, failed, *rest]


def _answer(reference: str, status: int, body: Any) -> dict[str, Any]:
    return {"body": body, "httpHeaders": {}, "httpStatusCode": status, "referenceId": reference}
