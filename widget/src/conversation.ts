// What the widget knows about the conversation on screen; pure data, no DOM, no socket.

import type { ConversationStatus, EntityItem, Line, Snapshot, StepsEvent, Suggestion } from "./protocol";

/** Cards kept on screen at most; older ones fall off the bottom. */
export const MAX_CARDS = 10;

export interface ConversationState {
  conversationId: string;
  status: ConversationStatus | null;
  queue: string | null;
  /** Transcript lines in `seq` order, each `seq` at most once. */
  lines: Line[];
  /** The card set for the current topic, best first, at most one per source document. */
  cards: Suggestion[];
  /** Cards the platform's own assistant suggested, newest first; live only, beside cuecard's. */
  external: Suggestion[];
  /** Why there are no cards: nothing asked yet, or nothing fits well enough. */
  reason: "listening" | "unsure" | null;
  steps: StepsEvent | null;
  entities: EntityItem[];
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
    external: [],
    reason: null,
    steps: null,
    entities: [],
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

/**
 * Shows a new card set: it replaces the cards, one per document, dismissed ones left out.
 * The server keeps still-relevant earlier cards in the set, in their places.
 */
export function addSuggestionSet(
  state: ConversationState,
  items: readonly Suggestion[],
  reason: "listening" | "unsure" | null = null,
): void {
  const seen = new Set<string>();
  const cards: Suggestion[] = [];
  for (const suggestion of items) {
    const key = documentKey(suggestion);
    if (seen.has(key) || state.dismissedDocuments.has(key)) {
      continue;
    }
    seen.add(key);
    cards.push(suggestion);
  }
  state.cards = cards.slice(0, MAX_CARDS);
  state.reason = items.length === 0 ? reason : null;
}

/**
 * Adds cards the platform's own assistant suggested ahead of its earlier ones. They stand beside
 * cuecard's card set, which replaces only its own; the platform's id keeps one card per
 * suggestion however often it is repeated.
 */
export function addExternalCards(state: ConversationState, items: readonly Suggestion[]): void {
  const seen = new Set<string>();
  state.external = [...items, ...state.external]
    .filter((card) => {
      const key = documentKey(card);
      const fresh = !seen.has(key) && !state.dismissedDocuments.has(key);
      seen.add(key);
      return fresh;
    })
    .slice(0, MAX_CARDS);
}

/** What the card list shows: the platform's cards, then cuecard's set, at most MAX_CARDS. */
export function shownCards(state: ConversationState): Suggestion[] {
  return [...state.external, ...state.cards].slice(0, MAX_CARDS);
}

/** The newest customer line, which the widget keeps in view above the cards. */
export function latestCustomerLine(state: ConversationState): Line | null {
  for (let i = state.lines.length - 1; i >= 0; i -= 1) {
    const line = state.lines[i];
    if (line !== undefined && line.speaker === "customer") {
      return line;
    }
  }
  return null;
}

/** Removes a card and remembers its document so a later set does not bring it back. */
export function dismissCard(state: ConversationState, suggestion: Suggestion): void {
  const key = documentKey(suggestion);
  state.dismissedDocuments.add(key);
  state.cards = state.cards.filter((card) => documentKey(card) !== key);
  state.external = state.external.filter((card) => documentKey(card) !== key);
}

/**
 * Replaces what is shown with a snapshot, keeping the agent's dismissals.
 *
 * The snapshot holds the card set on screen when the widget joined; a conversation with customer
 * lines and no cards is one the server is still listening to.
 */
export function applySnapshot(state: ConversationState, snapshot: Snapshot): void {
  state.status = snapshot.status;
  state.queue = snapshot.queue;
  state.lines = [];
  for (const line of snapshot.transcript) {
    addLine(state, line);
  }
  const heard = snapshot.transcript.some((line) => line.speaker === "customer");
  addSuggestionSet(state, snapshot.suggestions, heard ? "listening" : null);
}
