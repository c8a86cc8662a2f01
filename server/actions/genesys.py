"""Agent actions in Genesys Cloud, made with the agent's own token (never the integration's).

The agent's communication is looked up in ``GET /api/v2/conversations/{id}``: the participant
with purpose ``agent`` whose ``userId`` is the signed-in agent, and its message communication.
Replies go to ``.../communications/{communicationId}/messages`` as ``{"textBody"}``; notes to
``.../participants/{participantId}/communications/{communicationId}/wrapup`` as a provisional
wrap-up (docs/genesys.md cites both).
"""

from __future__ import annotations

import logging

from pydantic import SecretStr

from providers.errors import ProviderError, ProviderNotReady
from providers.genesys._agent import (
    AgentClient,
    AgentTokenRejected,
    Communication,
    Conversation,
    Participant,
)
from providers.genesys.config import GenesysSettings
from server.auth.custody import GenesysTokens
from server.auth.errors import GenesysSessionEnded
from server.auth.genesys_login import SettingsLookup, genesys_settings
from server.errors import Forbidden, Unavailable

log = logging.getLogger(__name__)


class GenesysActions:
    """Sends replies and saves wrap-up notes in Genesys Cloud for signed-in agents."""

    def __init__(
        self, *, settings: SettingsLookup, custody: GenesysTokens, client: AgentClient
    ) -> None:
        self._settings = settings
        self._custody = custody
        self._client = client

    async def send_reply(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> str:
        settings, token = await self._credentials(tenant_id, agent_id)
        try:
            conversation = await self._client.conversation(settings, token, conversation_id)
            _, communication = _agent_communication(conversation, agent_id, connected=True)
            return await self._client.send_message(
                settings, token, conversation_id, communication.id, text
            )
        except ProviderError as err:
            raise await self._translated(err, tenant_id, agent_id) from err

    async def save_notes(
        self, tenant_id: str, agent_id: str, conversation_id: str, text: str
    ) -> None:
        settings, token = await self._credentials(tenant_id, agent_id)
        try:
            conversation = await self._client.conversation(settings, token, conversation_id)
            participant, communication = _agent_communication(
                conversation, agent_id, connected=False
            )
            await self._client.save_wrapup_notes(
                settings,
                token,
                conversation_id=conversation_id,
                participant_id=participant.id,
                communication_id=communication.id,
                notes=text,
            )
        except ProviderError as err:
            raise await self._translated(err, tenant_id, agent_id) from err

    async def _credentials(
        self, tenant_id: str, agent_id: str
    ) -> tuple[GenesysSettings, SecretStr]:
        settings = await genesys_settings(self._settings, tenant_id)
        return settings, await self._custody.access_token(tenant_id, agent_id, settings)

    async def _translated(self, err: ProviderError, tenant_id: str, agent_id: str) -> Exception:
        if isinstance(err, AgentTokenRejected):
            await self._custody.forget(tenant_id, agent_id)
            return GenesysSessionEnded("your Genesys Cloud session has expired; sign in again")
        if isinstance(err, ProviderNotReady):
            log.info("Genesys Cloud unavailable for an agent action: %s", err)
            return Unavailable("Genesys Cloud is not reachable right now; try again")
        return Forbidden(str(err), field="conversation_id")


def _agent_communication(
    conversation: Conversation, agent_id: str, *, connected: bool
) -> tuple[Participant, Communication]:
    """The agent's participant and message communication (newest first); Forbidden if none."""
    for participant in reversed(conversation.participants):
        if participant.purpose != "agent" or participant.user_id != agent_id:
            continue
        for communication in reversed(participant.messages):
            if not connected or communication.state == "connected":
                return participant, communication
    raise Forbidden(
        "you are not the connected agent on this conversation in Genesys Cloud",
        field="conversation_id",
    )
