// The answer panel's state: extractive first, deltas in order, done replaces, dropped falls back.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  answerFromSuggestions,
  applyDelta,
  dropAnswer,
  finishAnswer,
  shownAnswer,
  startAnswer,
} from "../src/answer";
import type { AnswerEvent, Citation, Suggestion } from "../src/protocol";

const P1: Citation = {
  ref: "P1",
  suggestion_id: "s1",
  document_id: "router-reset",
  title: "Resetting your router",
  url: "https://kb.example/router-reset",
};

function answer(pending: boolean, id = "a1"): AnswerEvent {
  return {
    conversation_id: "c1",
    answer_id: id,
    trigger_event_id: "e1",
    text: "Hold reset for 10 seconds.",
    citations: [P1],
    pending,
  };
}

function delta(index: number, text: string, id = "a1") {
  return { conversation_id: "c1", answer_id: id, index, text };
}

test("without an LLM the extractive answer is shown as final", () => {
  const state = startAnswer(answer(false));
  assert.deepEqual(shownAnswer(state), {
    text: "Hold reset for 10 seconds.",
    citations: [P1],
    phase: "extractive",
  });
  assert.equal(applyDelta(state, delta(0, "late")), false);
});

test("deltas stream over the extractive answer, then done replaces them", () => {
  const state = startAnswer(answer(true));
  assert.equal(shownAnswer(state).phase, "waiting");
  assert.equal(shownAnswer(state).text, "Hold reset for 10 seconds.");
  assert.equal(applyDelta(state, delta(0, "Unplug")), true);
  assert.equal(applyDelta(state, delta(1, " it")), true);
  assert.deepEqual(shownAnswer(state), { text: "Unplug it", citations: [], phase: "streaming" });

  finishAnswer(state, { conversation_id: "c1", answer_id: "a1", text: "Unplug it [P1].", citations: [P1] });
  assert.deepEqual(shownAnswer(state), { text: "Unplug it [P1].", citations: [P1], phase: "generated" });
});

test("a repeated delta and another answer's delta are ignored", () => {
  const state = startAnswer(answer(true));
  applyDelta(state, delta(0, "A"));
  assert.equal(applyDelta(state, delta(0, "A")), false);
  assert.equal(applyDelta(state, delta(1, "B", "a-old")), false);
  assert.equal(shownAnswer(state).text, "A");
});

test("a dropped answer falls back to the extractive one", () => {
  const state = startAnswer(answer(true));
  applyDelta(state, delta(0, "Something uncited"));
  assert.equal(dropAnswer(state, { conversation_id: "c1", answer_id: "a1", reason: "no_citations" }), true);
  assert.deepEqual(shownAnswer(state), {
    text: "Hold reset for 10 seconds.",
    citations: [P1],
    phase: "extractive",
  });
  assert.equal(applyDelta(state, delta(1, " more")), false);
});

test("the same answer id starts over", () => {
  const first = startAnswer(answer(true));
  applyDelta(first, delta(0, "half"));
  const again = startAnswer(answer(true));
  assert.equal(again.generated, "");
  assert.equal(applyDelta(again, delta(0, "fresh")), true);
});

test("a late widget derives the extractive answer from the newest suggestions", () => {
  const top: Suggestion = {
    id: "s9",
    kind: "article",
    title: "Refunds",
    snippet: "Refunds take 5 days.",
    source: { document_id: "refunds", url: null },
    score: 1,
    trigger_event_id: "e9",
  };
  const state = answerFromSuggestions([top]);
  assert.ok(state);
  assert.equal(state.triggerEventId, "e9");
  assert.deepEqual(shownAnswer(state).citations.map((c) => c.suggestion_id), ["s9"]);
  assert.equal(answerFromSuggestions([]), null);
});
