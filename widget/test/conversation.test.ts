// The conversation model: de-duplication by seq and by document, the card cap, snapshots.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addLine,
  addSuggestionSet,
  applySnapshot,
  dismissCard,
  emptyConversation,
  latestCustomerLine,
  MAX_CARDS,
} from "../src/conversation";
import type { Line, Snapshot, Suggestion } from "../src/protocol";

function line(seq: number, text = `line ${seq}`): Line {
  return { seq, event_id: `e${seq}`, speaker: "customer", text, occurred_at: "2025-01-01T00:00:00Z" };
}

function suggestion(id: string, documentId: string, trigger = "t1"): Suggestion {
  return {
    id,
    kind: "article",
    title: `Title ${documentId}`,
    snippet: "…",
    source: { document_id: documentId, url: null },
    score: 1,
    trigger_event_id: trigger,
  };
}

function snapshot(lines: Line[], suggestions: Suggestion[]): Snapshot {
  return {
    conversation_id: "c1",
    position: lines.length,
    status: "open",
    queue: "billing",
    agent_id: "a1",
    media: "voice",
    transcript: lines,
    suggestions,
  };
}

test("a line whose seq is already shown is dropped", () => {
  const state = emptyConversation("c1");
  assert.equal(addLine(state, line(1)), true);
  assert.equal(addLine(state, line(2)), true);
  assert.equal(addLine(state, line(2, "again")), false);
  assert.deepEqual(state.lines.map((l) => l.text), ["line 1", "line 2"]);
});

test("a late line is put in seq order", () => {
  const state = emptyConversation("c1");
  addLine(state, line(1));
  addLine(state, line(3));
  addLine(state, line(2));
  assert.deepEqual(state.lines.map((l) => l.seq), [1, 2, 3]);
});

test("a new set replaces the cards and a document is shown once", () => {
  const state = emptyConversation("c1");
  addSuggestionSet(state, [suggestion("s1", "refunds"), suggestion("s2", "returns")]);
  addSuggestionSet(state, [
    suggestion("s3", "returns", "t2"),
    suggestion("s4", "billing", "t2"),
    suggestion("s5", "billing", "t2"),
  ]);
  assert.deepEqual(state.cards.map((c) => c.id), ["s3", "s4"]);
});

test("an empty set keeps its reason until cards come", () => {
  const state = emptyConversation("c1");
  addSuggestionSet(state, [], "listening");
  assert.equal(state.reason, "listening");
  assert.deepEqual(state.cards, []);
  addSuggestionSet(state, [suggestion("s1", "refunds")], null);
  assert.equal(state.reason, null);
});

test("the latest customer line is found past agent lines", () => {
  const state = emptyConversation("c1");
  addLine(state, line(1, "my router keeps dropping"));
  addLine(state, { ...line(2, "Can I take your postcode?"), speaker: "agent" });
  assert.equal(latestCustomerLine(state)?.text, "my router keeps dropping");
});

test("cards are capped", () => {
  const state = emptyConversation("c1");
  addSuggestionSet(state, Array.from({ length: MAX_CARDS + 5 }, (_, i) => suggestion(`s${i}`, `doc${i}`)));
  assert.equal(state.cards.length, MAX_CARDS);
  assert.equal(state.cards[0]?.id, "s0");
});

test("a dismissed document does not come back, not even from a snapshot", () => {
  const state = emptyConversation("c1");
  const refunds = suggestion("s1", "refunds");
  addSuggestionSet(state, [refunds, suggestion("s2", "returns")]);
  dismissCard(state, refunds);
  addSuggestionSet(state, [suggestion("s9", "refunds", "t2")]);
  applySnapshot(state, snapshot([], [suggestion("s10", "refunds", "t3")]));
  assert.deepEqual(state.cards, []);
});

test("a snapshot replaces the transcript and the cards", () => {
  const state = emptyConversation("c1");
  addLine(state, line(7, "stale"));
  addSuggestionSet(state, [suggestion("old", "old-doc")]);
  applySnapshot(state, snapshot([line(1), line(2)], [suggestion("s1", "refunds")]));
  assert.deepEqual(state.lines.map((l) => l.seq), [1, 2]);
  assert.deepEqual(state.cards.map((c) => c.id), ["s1"]);
  assert.equal(state.status, "open");
});

test("a snapshot with customer lines and no cards reads as listening", () => {
  const state = emptyConversation("c1");
  applySnapshot(state, snapshot([line(1, "hello")], []));
  assert.equal(state.reason, "listening");
  applySnapshot(state, snapshot([], []));
  assert.equal(state.reason, null);
});
