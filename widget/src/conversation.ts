// What the widget knows about the conversation on screen; pure data, no DOM, no socket.

import type { ConversationStatus, Line, Snapshot, Suggestion } from "./protocol";

/** Cards kept on screen at most; older ones fall off the bottom. */
export const MAX_CARDS = 10;

export interface ConversationState {
  conversationId: string;
  status: ConversationStatus | null;
  queue: string | null;
  /** Transcript lines in `seq` order, each `seq` at most once. */
  lines: Line[];
  /** Suggestion cards, newest set first, at most one per source document. */
  cards: Suggestion[];
  /** Documents the agent dismissed in this conversation; they are not shown again. */
  dismissedDocuments: Set<string>;
}

export function emptyConversation(conversationId: string): ConversationState {
  return {
    conversationId,
    status: null,
    queue: null,
    lines: [],
    cards: [],
    dismissedDocuments: new Set(),
  };
}

/** The key cards are de-duplicated by: the source document, else the suggestion itself. */
export function documentKey(suggestion: Suggestion): string {
  return suggestion.source?.document_id || `suggestion:${suggestion.id}`;
}

/** Adds a line unless its `seq` is already shown; returns whether it was added. */
export function addLine(state: ConversationState, line: Line): boolean {
  if (state.lines.some((known) => known.seq === line.seq)) {
    return false;
  }
  const at = state.lines.findIndex((known) => known.seq > line.seq);
  if (at === -1) {
    state.lines.push(line);
  } else {
    state.lines.splice(at, 0, line);
  }
  return true;
}

/** Puts a newly ranked set on top of the cards, one card per document, at most MAX_CARDS. */
export function addSuggestionSet(state: ConversationState, items: readonly Suggestion[]): void {
  const seen = new Set<string>();
  const merged: Suggestion[] = [];
  for (const suggestion of [...items, ...state.cards]) {
    const key = documentKey(suggestion);
    if (seen.has(key) || state.dismissedDocuments.has(key)) {
      continue;
    }
    seen.add(key);
    merged.push(suggestion);
  }
  state.cards = merged.slice(0, MAX_CARDS);
}

/** Removes a card and remembers its document so a later set does not bring it back. */
export function dismissCard(state: ConversationState, suggestion: Suggestion): void {
  const key = documentKey(suggestion);
  state.dismissedDocuments.add(key);
  state.cards = state.cards.filter((card) => documentKey(card) !== key);
}

/**
 * Replaces what is shown with a snapshot, keeping the agent's dismissals.
 *
 * Snapshot suggestions are taken to be in the order they were produced, oldest first, so each
 * trigger's set is applied in turn and the newest set ends up on top.
 */
export function applySnapshot(state: ConversationState, snapshot: Snapshot): void {
  state.status = snapshot.status;
  state.queue = snapshot.queue;
  state.lines = [];
  for (const line of snapshot.transcript) {
    addLine(state, line);
  }
  state.cards = [];
  for (const set of groupByTrigger(snapshot.suggestions)) {
    addSuggestionSet(state, set);
  }
}

function groupByTrigger(suggestions: readonly Suggestion[]): Suggestion[][] {
  const sets: Suggestion[][] = [];
  let current: Suggestion[] = [];
  let trigger: string | null = null;
  for (const suggestion of suggestions) {
    if (current.length > 0 && suggestion.trigger_event_id !== trigger) {
      sets.push(current);
      current = [];
    }
    trigger = suggestion.trigger_event_id;
    current.push(suggestion);
  }
  if (current.length > 0) {
    sets.push(current);
  }
  return sets;
}
