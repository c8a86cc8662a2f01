"""Agent Assist suggestion results (articles, FAQ answers, smart replies, generators) as cards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from pydantic import ValidationError

from providers.google_ccai._payloads import (
    ArticleAnswer,
    FaqAnswer,
    GeneratorSuggestionAnswer,
    KnowledgeAssistAnswer,
    SmartReplyAnswer,
    SuggestionResult,
)
from providers.models import ExternalSuggestion, SuggestionType

# More would crowd the widget; Agent Assist sends three or so per feature.
MAX_CARDS = 20
SUMMARY_TITLE = "Summary"

Answer = TypeVar("Answer")


def suggestion_items(results: Iterable[SuggestionResult]) -> tuple[ExternalSuggestion, ...]:
    """One card per usable answer, in Google's order; failed features contribute nothing."""
    cards: list[ExternalSuggestion] = []
    for result in results:
        if result.error is not None:
            continue
        cards.extend(_cards(result))
    return tuple(cards[:MAX_CARDS])


def _cards(result: SuggestionResult) -> Iterator[ExternalSuggestion]:
    if result.suggest_articles_response is not None:
        yield from _each(_article, result.suggest_articles_response.article_answers)
    if result.suggest_faq_answers_response is not None:
        yield from _each(_faq, result.suggest_faq_answers_response.faq_answers)
    if result.suggest_smart_replies_response is not None:
        yield from _each(_smart_reply, result.suggest_smart_replies_response.smart_reply_answers)
    if result.generate_suggestions_response is not None:
        answers = result.generate_suggestions_response.generator_suggestion_answers
        yield from _each(_generated, answers)
    if result.suggest_knowledge_assist_response is not None:
        answer = result.suggest_knowledge_assist_response.knowledge_assist_answer
        yield from _each(_knowledge, [answer] if answer is not None else [])


def _each(
    build: Callable[[Answer], ExternalSuggestion | None], answers: Iterable[Answer]
) -> Iterator[ExternalSuggestion]:
    for answer in answers:
        try:
            card = build(answer)
        except ValidationError:
            # One unusable answer (a javascript: link, an over-long text) loses that card only.
            continue
        if card is not None:
            yield card


def _article(answer: ArticleAnswer) -> ExternalSuggestion | None:
    snippets = " … ".join(snippet.strip() for snippet in answer.snippets if snippet.strip())
    text = snippets or answer.title.strip()
    if not text:
        return None
    return ExternalSuggestion(
        type=SuggestionType.ARTICLE,
        title=answer.title.strip() or None,
        text=text,
        url=_web_link(answer.uri),
        confidence=_share(answer.confidence),
        reference=answer.answer_record or None,
    )


def _faq(answer: FaqAnswer) -> ExternalSuggestion | None:
    if not answer.answer.strip():
        return None
    return ExternalSuggestion(
        type=SuggestionType.FAQ,
        title=answer.question.strip() or None,
        text=answer.answer,
        confidence=_share(answer.confidence),
        reference=answer.answer_record or None,
    )


def _smart_reply(answer: SmartReplyAnswer) -> ExternalSuggestion | None:
    if not answer.reply.strip():
        return None
    return ExternalSuggestion(
        type=SuggestionType.SMART_REPLY,
        text=answer.reply,
        confidence=_share(answer.confidence),
        reference=answer.answer_record or None,
    )


def _generated(answer: GeneratorSuggestionAnswer) -> ExternalSuggestion | None:
    suggestion = answer.generator_suggestion
    if suggestion is None:
        return None
    title: str | None = None
    text = suggestion.free_form_suggestion.response if suggestion.free_form_suggestion else ""
    if not text.strip() and suggestion.summary_suggestion is not None:
        sections = suggestion.summary_suggestion.summary_sections
        text = "\n".join(f"{s.section}: {s.summary}" for s in sections if s.summary.strip())
        title = SUMMARY_TITLE
    if not text.strip():
        return None
    return ExternalSuggestion(
        type=SuggestionType.GENERATED,
        title=title,
        text=text,
        reference=answer.answer_record or None,
    )


def _knowledge(answer: KnowledgeAssistAnswer) -> ExternalSuggestion | None:
    reply = answer.suggested_query_answer
    if reply is None or not reply.answer_text.strip():
        return None
    query = answer.suggested_query.query_text.strip() if answer.suggested_query else ""
    snippets = reply.generative_source.snippets if reply.generative_source else []
    return ExternalSuggestion(
        type=SuggestionType.GENERATED,
        title=query or None,
        text=reply.answer_text,
        url=next((link for s in snippets if (link := _web_link(s.uri))), None),
        reference=answer.answer_record or None,
    )


def _web_link(uri: str) -> str | None:
    # Knowledge documents may live in Cloud Storage (gs://): only web links become links.
    uri = uri.strip()
    return uri if uri.startswith(("https://", "http://")) else None


def _share(confidence: float | None) -> float | None:
    if confidence is None:
        return None
    return min(max(confidence, 0.0), 1.0)
