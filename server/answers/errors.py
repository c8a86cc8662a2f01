"""Why a generated answer failed; each ``code`` reaches the widget as an ``answer.dropped`` reason.

Messages name statuses and error classes only, never the prompt, the answer or the key.
"""

from __future__ import annotations

from server.errors import CuecardError


class LlmError(CuecardError):
    """Root of the errors of the chat-completions client."""

    code = "llm_error"
    status = 502


class LlmTimeout(LlmError):
    """No first token, or no complete answer, within the endpoint's time limits."""

    code = "timeout"
    status = 504


class LlmUnavailable(LlmError):
    """The endpoint could not be reached or answered 5xx / 429."""

    code = "llm_unavailable"


class LlmRejected(LlmError):
    """The endpoint refused the request (bad key, unknown model, bad request): a config error."""

    code = "llm_rejected"


class LlmBadResponse(LlmError):
    """The endpoint answered, but not with a well-formed chat-completions stream."""

    code = "llm_bad_response"


class AnswerTooLong(LlmError):
    """The model kept going past the longest answer an agent could use."""

    code = "too_long"
