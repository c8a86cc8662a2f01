// The platform's own suggestions and alerts in the widget's terms; pure data, no DOM.

import type { AlertEvent, ExternalCard, ExternalSuggestionsEvent, Suggestion } from "./protocol";

const KINDS: Record<ExternalCard["type"], Suggestion["kind"]> = {
  article: "article",
  faq: "answer",
  smart_reply: "action",
  generated: "answer",
};

const UNTITLED: Record<ExternalCard["type"], string> = {
  article: "Article",
  faq: "FAQ answer",
  smart_reply: "Suggested reply",
  generated: "Suggestion",
};

/** The event's cards as suggestion cards marked with who suggested them. */
export function externalCards(event: ExternalSuggestionsEvent): Suggestion[] {
  return event.items.map((item, index) => {
    const id = `${event.event_id}#${index}`;
    return {
      id,
      kind: KINDS[item.type] ?? "answer",
      title: item.title ?? UNTITLED[item.type] ?? "Suggestion",
      snippet: item.text,
      highlights: [],
      // The platform's own id keeps one card per suggestion across repeated sets.
      source: { document_id: item.reference ?? `external:${id}`, url: item.url },
      score: item.confidence ?? 0,
      trigger_event_id: event.event_id,
      provided_by: event.source,
    };
  });
}

/** What an alert tells the agent. */
export function alertText(event: AlertEvent): string {
  if (event.alert === "human_intervention_needed") {
    return "The platform asks for a person to step in on this conversation.";
  }
  const detail = event.detail ? `: ${event.detail}` : ".";
  return `The platform stopped handling this conversation${detail}`;
}
