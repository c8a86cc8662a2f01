// The platform's own cards join cuecard's, marked with their source; alerts read as sentences.

import assert from "node:assert/strict";
import { test } from "node:test";

import { addExternalCards, addSuggestionSet, dismissCard, emptyConversation, shownCards } from "../src/conversation";
import { alertText, externalCards } from "../src/external";
import type { ExternalSuggestionsEvent, Suggestion } from "../src/protocol";

function agentAssist(eventId = "e-1"): ExternalSuggestionsEvent {
  return {
    conversation_id: "c-1",
    event_id: eventId,
    source: "Google Agent Assist",
    items: [
      {
        type: "article",
        text: "Switch the router to channel 1, 6 or 11.",
        title: "Router drops Wi-Fi in the evening",
        url: "https://help.acme.example/articles/router",
        confidence: 0.82,
        reference: "answerRecords/ar-1",
      },
      { type: "smart_reply", text: "Let me run a line test.", title: null, url: null, confidence: null, reference: null },
    ],
  };
}

const own: Suggestion = {
  id: "s-1",
  kind: "article",
  title: "Resetting your home router",
  snippet: "Hold the reset button",
  source: { document_id: "doc-1", url: null },
  score: 1,
  trigger_event_id: "t-1",
};

test("external cards are marked with their source and keep the platform's link", () => {
  const [article, reply] = externalCards(agentAssist());

  assert.equal(article?.provided_by, "Google Agent Assist");
  assert.equal(article?.title, "Router drops Wi-Fi in the evening");
  assert.equal(article?.source.url, "https://help.acme.example/articles/router");
  assert.equal(reply?.title, "Suggested reply");
  assert.equal(reply?.kind, "action");
});

test("external cards show beside cuecard's own, and a repeated set does not double them", () => {
  const state = emptyConversation("c-1");
  addSuggestionSet(state, [own]);
  addExternalCards(state, externalCards(agentAssist("e-1")));
  addExternalCards(state, externalCards(agentAssist("e-2")));
  // cuecard's next card set replaces its own cards only.
  addSuggestionSet(state, [own]);

  assert.deepEqual(
    shownCards(state).map((card) => card.provided_by ?? "cuecard"),
    ["Google Agent Assist", "Google Agent Assist", "Google Agent Assist", "cuecard"],
  );
  // The article has the platform's id: one card, however often it is suggested.
  assert.equal(shownCards(state).filter((card) => card.title.startsWith("Router")).length, 1);
});

test("a dismissed external card stays dismissed", () => {
  const state = emptyConversation("c-1");
  const [article] = externalCards(agentAssist("e-1"));
  addExternalCards(state, externalCards(agentAssist("e-1")));
  dismissCard(state, article as Suggestion);
  addExternalCards(state, externalCards(agentAssist("e-2")));

  assert.equal(shownCards(state).some((card) => card.title.startsWith("Router")), false);
});

test("alerts say what the platform reported", () => {
  const base = { conversation_id: "c-1" };
  assert.match(alertText({ ...base, alert: "human_intervention_needed", detail: null }), /person/);
  assert.equal(
    alertText({ ...base, alert: "unrecoverable_error", detail: "Speech is not configured" }),
    "The platform stopped handling this conversation: Speech is not configured",
  );
});
