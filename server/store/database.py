"""The store: one object owning the engine, the migrations and the repositories.

Example::

    store = await Store.connect("postgresql://cuecard@db/cuecard")
    await store.migrate()
    tenant = await store.tenants.create("acme", "Acme Corp")
    key, plaintext = await store.api_keys.create(tenant.id)
    ...
    await store.aclose()
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from server.store.admins import AdminRepository, AdminSessionRepository
from server.store.agent_idps import AgentIdpRepository
from server.store.api_keys import ApiKeyRepository
from server.store.conversations import ConversationRepository, FeedbackRepository
from server.store.documents import DocumentRepository
from server.store.engine import Database, build_engine
from server.store.entity_types import EntityTypeRepository
from server.store.integrations import IntegrationRepository
from server.store.knowledge_bases import KnowledgeBaseRepository
from server.store.live import LiveRecordRepository
from server.store.llm_integrations import LlmIntegrationRepository
from server.store.migrations import migration_turn, upgrade_to_head
from server.store.positions import StreamPositionRepository
from server.store.queue_mappings import QueueMappingRepository
from server.store.reveals import RevealRepository
from server.store.tenants import TenantRepository
from server.store.write_backs import WriteBackRepository

logger = logging.getLogger(__name__)


class Store:
    """Durable state behind repositories; SQL and driver errors never leave it untranslated.

    Connection failures surface as :class:`server.errors.Unavailable`, uniqueness violations
    as :class:`server.errors.Conflict`.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self.tenants = TenantRepository(db)
        self.api_keys = ApiKeyRepository(db)
        self.knowledge_bases = KnowledgeBaseRepository(db)
        self.documents = DocumentRepository(db)
        self.conversations = ConversationRepository(db)
        self.feedback = FeedbackRepository(db)
        self.queue_mappings = QueueMappingRepository(db)
        self.llm_integrations = LlmIntegrationRepository(db)
        self.integrations = IntegrationRepository(db)
        self.admins = AdminRepository(db)
        self.admin_sessions = AdminSessionRepository(db)
        self.reveals = RevealRepository(db)
        self.agent_idps = AgentIdpRepository(db)
        self.live = LiveRecordRepository(db)
        self.positions = StreamPositionRepository(db)
        self.write_backs = WriteBackRepository(db)
        self.entity_types = EntityTypeRepository(db)

    @classmethod
    async def connect(cls, url: str) -> Store:
        """A store for ``url`` (``sqlite://`` or ``postgresql://``, async drivers implied).

        Connections are opened lazily; call :meth:`ping` or :meth:`migrate` to find out
        whether the database is reachable. An unsupported URL raises ``ValueError``.
        """
        return cls(Database(build_engine(url)))

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.backend

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision; a no-op when it is already there."""
        async with migration_turn(self._db.engine.url), self._db.transaction() as conn:
            await upgrade_to_head(conn)
        logger.info("database schema is up to date")

    async def ping(self) -> None:
        """Raise :class:`server.errors.Unavailable` unless the database answers."""
        async with self._db.reading() as conn:
            await conn.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.live.aclose()
        await self._db.engine.dispose()
