"""Stream positions of one running integration, kept in the database across restarts."""

from __future__ import annotations

from server.store.positions import StreamPositionRepository


class StoredPositions:
    """The ``PositionStore`` an adapter reading a log by position is built with.

    Scoped to one integration of one tenant, so a restarted adapter (a new deploy, a settings
    change, another node taking over) resumes just after the last message it processed.
    """

    def __init__(
        self, repository: StreamPositionRepository, tenant_id: str, integration_id: str
    ) -> None:
        self._repository = repository
        self._tenant_id = tenant_id
        self._integration_id = integration_id

    async def get(self, topic: str) -> str | None:
        """The position stored for ``topic``, or None if it was never read."""
        return await self._repository.get(self._tenant_id, self._integration_id, topic)

    async def put(self, topic: str, position: str) -> None:
        """Remember ``position`` as the last one processed on ``topic``."""
        await self._repository.put(self._tenant_id, self._integration_id, topic, position)
