"""Request and response bodies of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    Field,
    RootModel,
    SecretStr,
    StringConstraints,
)

from providers.models import Event
from server.services.models import (
    DocumentSummary,
    In,
    Name,
    Out,
    SearchResultOut,
)
from server.store.models import (
    Admin,
    AdminRole,
    ApiKey,
    Document,
    DocumentIn,
    LlmIntegration,
    QueueMapping,
    Tenant,
)


class DocumentOut(DocumentSummary):
    body: str

    @classmethod
    def of(cls, doc: Document) -> DocumentOut:
        return cls(body=doc.body, **DocumentSummary.of(doc).model_dump())


class SearchQuery(In):
    """Query of ``knowledge-bases/{kb_id}:search``."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    limit: int = Field(default=5, ge=1, le=20)


class SearchResultsOut(Out):
    query: str
    items: list[SearchResultOut]


class UploadOut(Out):
    written: int
    external_ids: list[str]


class ReindexOut(Out):
    documents: int


class QueueMappingOut(Out):
    provider: str
    queue: str
    kb_id: str | None
    system_prompt: str | None
    llm_integration_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, mapping: QueueMapping) -> QueueMappingOut:
        return cls.model_validate(mapping.model_dump())


class LlmIntegrationOut(Out):
    id: str
    name: str
    base_url: str
    model: str
    api_key_set: bool
    api_key_last4: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, integration: LlmIntegration) -> LlmIntegrationOut:
        return cls(
            id=integration.id,
            name=integration.name,
            base_url=integration.base_url,
            model=integration.model,
            api_key_set=integration.has_api_key,
            api_key_last4=integration.api_key_last4,
            created_at=integration.created_at,
            updated_at=integration.updated_at,
        )


class TenantOut(Out):
    id: str
    name: str
    allowed_origins: tuple[str, ...]
    dense_retrieval: bool
    created_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls.model_validate(tenant.model_dump())


class DocumentBatch(In):
    """Up to 500 documents written together (a bare list of documents is accepted too)."""

    documents: list[DocumentIn] = Field(min_length=1, max_length=500)


class BatchWritten(Out):
    written: int


class ResolveQuery(In):
    """Query of ``queue-mappings:resolve``; a missing part matches only ``*`` rows."""

    provider: Name | None = None
    queue: Name | None = None


class EventBatch(In):
    events: list[Event] = Field(min_length=1)


class IngestBody(RootModel[Event | EventBatch | list[Event]]):
    """One canonical event, ``{"events": [...]}``, or a bare list of events."""


class EventResult(Out):
    provider_event_id: str
    status: Literal["processed", "duplicate"]


class IngestResult(Out):
    accepted: int
    duplicates: int
    results: list[EventResult]


class TenantsOut(Out):
    items: list[TenantOut]


class ApiKeyOut(Out):
    id: str
    prefix: str = Field(description="The key's first characters after cc_, to tell keys apart.")
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id, prefix=key.prefix, created_at=key.created_at, revoked_at=key.revoked_at
        )


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The key itself: shown in this response only, never again.")


class AdminIn(In):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    password: Annotated[
        SecretStr | None,
        Field(description="Write-only; at least 12 characters."),
    ] = None
    role: AdminRole
    tenant_id: str | None = Field(default=None, description="Required for a tenant admin.")


class AdminOut(Out):
    id: str
    email: str
    role: AdminRole
    tenant_id: str | None
    created_at: datetime
    last_login_at: datetime | None
    sso_linked: bool

    @classmethod
    def of(cls, admin: Admin) -> AdminOut:
        return cls(
            id=admin.id,
            email=admin.email,
            role=admin.role,
            tenant_id=admin.tenant_id,
            created_at=admin.created_at,
            last_login_at=admin.last_login_at,
            sso_linked=admin.oidc_subject is not None,
        )


class WebhookResult(Out):
    accepted: int = Field(description="Events processed now.")
    duplicates: int = Field(description="Events already processed from an earlier delivery.")
