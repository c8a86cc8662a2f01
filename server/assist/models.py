"""What the assist step returns for a conversation turn: the card set, or why there is none."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.conversation import Suggestion

# Why a card set is empty: nothing has been asked yet, or nothing fits well enough.
AbstainReason = Literal["listening", "unsure"]


class CardSet(BaseModel):
    """The cards for the conversation's current topic, or why there are none.

    ``changed`` False means the turn added no topic evidence (an identifier, small talk, a
    confirmation): the cards on screen still stand and nothing is sent.
    """

    model_config = ConfigDict(frozen=True)

    items: list[Suggestion] = Field(default_factory=list)
    reason: AbstainReason | None = None
    turn: str | None = None
    # The event that opened the topic these cards are for.
    topic_id: str | None = None
    changed: bool = True
