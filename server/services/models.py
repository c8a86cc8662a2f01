"""Bodies the services take and give: shared by the REST API and the admin pages.

They live below both, so a service never imports the REST layer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
)

from providers.models import TenantId
from server.assist.base import Route
from server.store.models import (
    Document,
    KnowledgeBase,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

Prompt = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]

RowId = Annotated[str, StringConstraints(min_length=1, max_length=32)]

ApiKeyText = Annotated[
    SecretStr, Field(min_length=8, max_length=1000, description="Write-only; never returned.")
]


def _port_in_range(origin: str) -> str:
    """``origin``, refused when its port is not 1 to 65535 (the pattern allows five digits)."""
    if urlsplit(origin).port == 0:  # .port itself refuses one above 65535
        raise ValueError("the port must be 1 to 65535")
    return origin


Origin = Annotated[
    str,
    StringConstraints(pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$", max_length=300),
    AfterValidator(_port_in_range),
]


class In(BaseModel):
    """Base of request bodies: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Out(BaseModel):
    """Base of response bodies."""

    model_config = ConfigDict(frozen=True)


class KnowledgeBaseIn(In):
    name: Name
    is_default: bool = False


class KnowledgeBasePatch(In):
    name: Name | None = None
    is_default: bool | None = None


class KnowledgeBaseOut(Out):
    id: str
    name: str
    is_default: bool
    document_count: int
    created_at: datetime

    @classmethod
    def of(cls, kb: KnowledgeBase, document_count: int) -> KnowledgeBaseOut:
        return cls(
            id=kb.id,
            name=kb.name,
            is_default=kb.is_default,
            document_count=document_count,
            created_at=kb.created_at,
        )


class DocumentSummary(Out):
    external_id: str
    title: str
    url: str | None
    tags: tuple[str, ...]
    updated_at: datetime

    @classmethod
    def of(cls, doc: Document) -> DocumentSummary:
        return cls(
            external_id=doc.external_id,
            title=doc.title,
            url=doc.url,
            tags=doc.tags,
            updated_at=doc.updated_at,
        )


class SearchResultOut(Out):
    document_id: str
    title: str
    url: str | None
    snippet: str
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) offsets into snippet of the words that matched."
    )
    score: float


class QueueMappingIn(In):
    kb_id: RowId | None = None
    system_prompt: Prompt | None = None
    llm_integration_id: RowId | None = None


class MatchedRow(Out):
    provider: str
    queue: str


class ResolutionOut(Out):
    provider: str | None
    queue: str | None
    match: Literal["exact", "any_provider", "provider_default", "tenant_default", "default_kb"]
    mapping: MatchedRow | None
    route: Route


class LlmIntegrationIn(In):
    name: Name
    base_url: AnyHttpUrl
    model: Name
    api_key: ApiKeyText | None = None


class LlmIntegrationPatch(In):
    name: Name | None = None
    base_url: AnyHttpUrl | None = None
    model: Name | None = None
    api_key: ApiKeyText | None = Field(default=None, description="null removes the key.")


class TenantIn(In):
    id: Annotated[
        TenantId, Field(description="Lowercase letters, digits and dashes; cannot change later.")
    ]
    name: Name
    allowed_origins: Annotated[list[Origin], Field(max_length=50)] = []


class TenantPatch(In):
    name: Name | None = None
    dense_retrieval: bool | None = None
    allowed_origins: Annotated[list[Origin], Field(max_length=50)] | None = None
