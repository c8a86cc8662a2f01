"""Agent actions in Genesys Cloud, made with the agent's own token (never the integration's).

The agent's communication is looked up in ``GET /api/v2/conversations/{id}``: the participant
with purpose ``agent`` whose ``userId`` is the signed-in agent, and its message communication.
Replies go to ``.../communications/{communicationId}/messages`` as ``{"textBody"}``; notes to
``.../participants/{participantId}/communications/{communicationId}/wrapup`` as a provisional
wrap-up (docs/genesys.md cites both).
"""

from __future__ import annotations

import aiohttp
from pydantic import SecretStr

from providers.errors import ActionRefused
from providers.genesys._agent import AgentClient, Communication, Conversation, Participant
from providers.genesys.config import GenesysSettings


class GenesysActions:
    """Sends replies and saves wrap-up notes in Genesys Cloud (``AgentActions``)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._client = AgentClient(session)

    async def send_reply(
        self,
        settings: GenesysSettings,
        token: SecretStr,
        *,
        agent_id: str,
        conversation_id: str,
        text: str,
    ) -> str:
        """Post ``text`` on the agent's connected communication; the new message's id."""
        conversation = await self._client.conversation(settings, token, conversation_id)
        _, communication = agent_communication(conversation, agent_id, connected=True)
        return await self._client.send_message(
            settings, token, conversation_id, communication.id, text
        )

    async def save_notes(
        self,
        settings: GenesysSettings,
        token: SecretStr,
        *,
        agent_id: str,
        conversation_id: str,
        text: str,
    ) -> None:
        """Save ``text`` as the agent's provisional wrap-up notes."""
        conversation = await self._client.conversation(settings, token, conversation_id)
        participant, communication = agent_communication(conversation, agent_id, connected=False)
        await self._client.save_wrapup_notes(
            settings,
            token,
            conversation_id=conversation_id,
            participant_id=participant.id,
            communication_id=communication.id,
            notes=text,
        )


def agent_communication(
    conversation: Conversation, agent_id: str, *, connected: bool
) -> tuple[Participant, Communication]:
    """The agent's participant and message communication (newest first); refused if none."""
    for participant in reversed(conversation.participants):
        if participant.purpose != "agent" or participant.user_id != agent_id:
            continue
        for communication in reversed(participant.messages):
            if not connected or communication.state == "connected":
                return participant, communication
    raise ActionRefused("you are not the connected agent on this conversation in Genesys Cloud")
