"""The shapes Google sends: Pub/Sub messages and push envelopes, Dialogflow's event JSON.

Field names follow the googleapis protos (``google/cloud/dialogflow/v2``) in their JSON form
(lowerCamelCase; snake_case is accepted too). Unknown fields are ignored, so a field Google
adds later does not turn good messages into poison.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


@dataclass(frozen=True, slots=True)
class PubsubMessage:
    """One Pub/Sub message as pulled or pushed: where it came from, its bytes and metadata."""

    subscription: str
    message_id: str
    data: bytes
    publish_time: datetime
    attributes: Mapping[str, str] = field(default_factory=dict)
    ordering_key: str = ""

    @property
    def key(self) -> str:
        """Unique per message and stable across redeliveries (ids are unique per topic)."""
        return f"{self.subscription}/{self.message_id}"


def _enum_names(names: dict[int, str]) -> BeforeValidator:
    """Proto3 JSON may spell an enum by number: read it as its name (unknown: TYPE_<n>)."""

    def to_name(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return names.get(value, f"TYPE_{value}")
        return value

    return BeforeValidator(to_name)


EventType = Annotated[
    str,
    _enum_names(
        {
            0: "TYPE_UNSPECIFIED",
            1: "CONVERSATION_STARTED",
            2: "CONVERSATION_FINISHED",
            3: "HUMAN_INTERVENTION_NEEDED",
            4: "UNRECOVERABLE_ERROR",
            5: "NEW_MESSAGE",
            7: "NEW_RECOGNITION_RESULT",
        }
    ),
]
Role = Annotated[
    str, _enum_names({0: "ROLE_UNSPECIFIED", 1: "HUMAN_AGENT", 2: "AUTOMATED_AGENT", 3: "END_USER"})
]
RecognitionType = Annotated[
    str,
    _enum_names({0: "MESSAGE_TYPE_UNSPECIFIED", 1: "TRANSCRIPT", 2: "END_OF_SINGLE_UTTERANCE"}),
]


class _Google(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="ignore", alias_generator=to_camel, populate_by_name=True
    )


# -- push envelope (protocols.md 8.1) --------------------------------------------------------


class PushedMessage(_Google):
    """The ``message`` of a wrapped push: data is base64, ids come in both spellings."""

    data: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)
    message_id: str = Field(min_length=1, max_length=100)
    publish_time: AwareDatetime
    ordering_key: str = ""


class PushEnvelope(_Google):
    """A wrapped push request body."""

    message: PushedMessage
    subscription: str = Field(min_length=1, max_length=300)
    delivery_attempt: int | None = None

    def pubsub_message(self) -> PubsubMessage:
        """The message inside, its data decoded; ``ValueError`` if the data is not base64."""
        try:
            data = base64.b64decode(self.message.data, validate=True)
        except binascii.Error as err:
            raise ValueError("message.data is not base64") from err
        return PubsubMessage(
            subscription=self.subscription,
            message_id=self.message.message_id,
            data=data,
            publish_time=self.message.publish_time,
            attributes=self.message.attributes,
            ordering_key=self.message.ordering_key,
        )


# -- Dialogflow ConversationEvent (protocols.md 8.3) -----------------------------------------


class Status(_Google):
    """``google.rpc.Status``: why something failed."""

    code: int = 0
    message: str = ""


class DialogflowMessage(_Google):
    """``Message``: a line of the conversation, typed or transcribed."""

    name: str = Field(min_length=1)
    content: str = ""
    participant: str = ""
    participant_role: Role = "ROLE_UNSPECIFIED"
    create_time: AwareDatetime | None = None
    send_time: AwareDatetime | None = None


class RecognitionResult(_Google):
    """``StreamingRecognitionResult``: an interim or final transcript of speech."""

    message_type: RecognitionType = "MESSAGE_TYPE_UNSPECIFIED"
    transcript: str = ""
    is_final: bool = False


class ConversationEvent(_Google):
    """Lifecycle, new-message and recognition-result notifications."""

    conversation: str = Field(min_length=1)
    type: EventType = "TYPE_UNSPECIFIED"
    error_status: Status | None = None
    new_message_payload: DialogflowMessage | None = None
    new_recognition_result_payload: RecognitionResult | None = None


# -- HumanAgentAssistantEvent: Agent Assist suggestions --------------------------------------


class ArticleAnswer(_Google):
    title: str = ""
    uri: str = ""
    snippets: list[str] = Field(default_factory=list)
    confidence: float | None = None
    answer_record: str = ""


class FaqAnswer(_Google):
    answer: str = ""
    question: str = ""
    confidence: float | None = None
    answer_record: str = ""


class SmartReplyAnswer(_Google):
    reply: str = ""
    confidence: float | None = None
    answer_record: str = ""


class SuggestArticlesResponse(_Google):
    article_answers: list[ArticleAnswer] = Field(default_factory=list)


class SuggestFaqAnswersResponse(_Google):
    faq_answers: list[FaqAnswer] = Field(default_factory=list)


class SuggestSmartRepliesResponse(_Google):
    smart_reply_answers: list[SmartReplyAnswer] = Field(default_factory=list)


class FreeFormSuggestion(_Google):
    response: str = ""


class SummarySection(_Google):
    section: str = ""
    summary: str = ""


class SummarySuggestion(_Google):
    summary_sections: list[SummarySection] = Field(default_factory=list)


class GeneratorSuggestion(_Google):
    free_form_suggestion: FreeFormSuggestion | None = None
    summary_suggestion: SummarySuggestion | None = None


class GeneratorSuggestionAnswer(_Google):
    generator_suggestion: GeneratorSuggestion | None = None
    source_generator: str = ""
    answer_record: str = ""


class GenerateSuggestionsResponse(_Google):
    generator_suggestion_answers: list[GeneratorSuggestionAnswer] = Field(default_factory=list)


class SuggestedQuery(_Google):
    query_text: str = ""


class GenerativeSnippet(_Google):
    uri: str = ""
    title: str = ""


class GenerativeSource(_Google):
    snippets: list[GenerativeSnippet] = Field(default_factory=list)


class KnowledgeAnswer(_Google):
    answer_text: str = ""
    generative_source: GenerativeSource | None = None


class KnowledgeAssistAnswer(_Google):
    suggested_query: SuggestedQuery | None = None
    suggested_query_answer: KnowledgeAnswer | None = None
    answer_record: str = ""


class SuggestKnowledgeAssistResponse(_Google):
    knowledge_assist_answer: KnowledgeAssistAnswer | None = None


class SuggestionResult(_Google):
    """One feature's output; exactly one of these is set (or ``error``)."""

    error: Status | None = None
    suggest_articles_response: SuggestArticlesResponse | None = None
    suggest_faq_answers_response: SuggestFaqAnswersResponse | None = None
    suggest_smart_replies_response: SuggestSmartRepliesResponse | None = None
    generate_suggestions_response: GenerateSuggestionsResponse | None = None
    suggest_knowledge_assist_response: SuggestKnowledgeAssistResponse | None = None


class HumanAgentAssistantEvent(_Google):
    """Suggestions for the human agent of a conversation."""

    conversation: str = Field(min_length=1)
    participant: str = ""
    suggestion_results: list[SuggestionResult] = Field(default_factory=list)
