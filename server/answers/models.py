"""What an answer is made of: the LLM endpoint, the numbered passages and the citations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from server.conversation import Suggestion


class LlmEndpoint(BaseModel):
    """An OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp, OpenAI, Azure).

    ``api_version`` set means Azure OpenAI: ``model`` is then the deployment name and the key
    goes in the ``api-key`` header instead of ``Authorization: Bearer``.
    """

    model_config = ConfigDict(frozen=True)

    base_url: str
    model: str = Field(min_length=1)
    api_key: SecretStr
    api_version: str | None = None
    # Generous defaults for a hosted model; a slow local model may need more.
    timeout_seconds: float = Field(default=8.0, gt=0)
    first_token_seconds: float = Field(default=3.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class Passage(BaseModel):
    """A retrieved passage as the model sees it, numbered ``P1``, ``P2``… in rank order."""

    model_config = ConfigDict(frozen=True)

    ref: str
    suggestion: Suggestion


class Citation(BaseModel):
    """A passage an answer cites, with what the widget needs to link to its source."""

    model_config = ConfigDict(frozen=True)

    ref: str
    suggestion_id: str
    document_id: str
    title: str
    url: str | None

    @classmethod
    def of(cls, passage: Passage) -> Citation:
        """The citation of one passage."""
        return cls.numbered(passage.ref, passage.suggestion)

    @classmethod
    def numbered(cls, ref: str, suggestion: Suggestion) -> Citation:
        """The citation of a suggestion numbered ``ref`` (``P1``…), as its passage's."""
        return cls(
            ref=ref,
            suggestion_id=suggestion.id,
            document_id=suggestion.source.document_id,
            title=suggestion.title,
            url=suggestion.source.url,
        )


def number_passages(items: list[Suggestion]) -> list[Passage]:
    """The suggestions as passages ``P1``…``Pn``, best first."""
    return [Passage(ref=f"P{rank}", suggestion=item) for rank, item in enumerate(items, 1)]


class ExtractiveAnswer(BaseModel):
    """The best passage as the answer, shown at once; ``pending`` says a generated one follows."""

    model_config = ConfigDict(frozen=True)

    answer_id: str
    trigger_event_id: str
    text: str
    citations: list[Citation]
    pending: bool
