"""Durable state: SQLAlchemy Core on SQLite or PostgreSQL, migrated by Alembic."""

from server.store.database import Store
from server.store.models import (
    ApiKey,
    ConversationRecord,
    Document,
    DocumentIn,
    Feedback,
    KnowledgeBase,
    LlmIntegration,
    QueueMapping,
    Tenant,
)

__all__ = [
    "ApiKey",
    "ConversationRecord",
    "Document",
    "DocumentIn",
    "Feedback",
    "KnowledgeBase",
    "LlmIntegration",
    "QueueMapping",
    "Store",
    "Tenant",
]
