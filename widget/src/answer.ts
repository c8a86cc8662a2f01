// The answer panel's state: the extractive answer, a generated one streaming over it, and the
// fall-back when the generated one is dropped. Pure data, no DOM, no socket.

import type {
  AnswerDeltaEvent,
  AnswerDoneEvent,
  AnswerDroppedEvent,
  AnswerEvent,
  Citation,
  Suggestion,
} from "./protocol";

export type AnswerPhase = "extractive" | "waiting" | "streaming" | "generated";

export interface AnswerState {
  answerId: string;
  triggerEventId: string;
  extractive: { text: string; citations: Citation[] };
  /** Generated text so far; the `answer.done` text once complete. */
  generated: string;
  generatedCitations: Citation[];
  /** The `index` the next delta should have; lower ones were applied already. */
  nextIndex: number;
  phase: AnswerPhase;
}

/** What the panel shows. */
export interface ShownAnswer {
  text: string;
  citations: Citation[];
  phase: AnswerPhase;
}

/** A new answer from an `answer` event; an answer with the same id starts over. */
export function startAnswer(event: AnswerEvent): AnswerState {
  return {
    answerId: event.answer_id,
    triggerEventId: event.trigger_event_id,
    extractive: { text: event.text, citations: event.citations },
    generated: "",
    generatedCitations: [],
    nextIndex: 0,
    phase: event.pending ? "waiting" : "extractive",
  };
}

/** The extractive answer a late widget can derive from the newest suggestion set. */
export function answerFromSuggestions(cards: readonly Suggestion[]): AnswerState | null {
  const top = cards[0];
  if (top === undefined) {
    return null;
  }
  const citation: Citation = {
    ref: "P1",
    suggestion_id: top.id,
    document_id: top.source.document_id,
    title: top.title,
    url: top.source.url,
  };
  return startAnswer({
    conversation_id: "",
    answer_id: `derived:${top.trigger_event_id}`,
    trigger_event_id: top.trigger_event_id,
    text: top.snippet,
    citations: [citation],
    pending: false,
  });
}

function isCurrent(state: AnswerState | null, answerId: string): state is AnswerState {
  return state !== null && state.answerId === answerId;
}

/** Appends a chunk of the generated answer; false if it is for another answer or a repeat. */
export function applyDelta(state: AnswerState | null, event: AnswerDeltaEvent): boolean {
  if (!isCurrent(state, event.answer_id) || event.index < state.nextIndex) {
    return false;
  }
  if (state.phase !== "waiting" && state.phase !== "streaming") {
    return false;
  }
  state.generated += event.text;
  state.nextIndex = event.index + 1;
  state.phase = "streaming";
  return true;
}

/** The generated answer is complete: its final text replaces the streamed one. */
export function finishAnswer(state: AnswerState | null, event: AnswerDoneEvent): boolean {
  if (!isCurrent(state, event.answer_id) || state.phase === "extractive") {
    return false;
  }
  state.generated = event.text;
  state.generatedCitations = event.citations;
  state.phase = "generated";
  return true;
}

/** The generated answer was withdrawn: the extractive answer is shown again. */
export function dropAnswer(state: AnswerState | null, event: AnswerDroppedEvent): boolean {
  if (!isCurrent(state, event.answer_id) || state.phase === "extractive") {
    return false;
  }
  state.generated = "";
  state.generatedCitations = [];
  state.phase = "extractive";
  return true;
}

/** The text and citations to show for the answer's phase. */
export function shownAnswer(state: AnswerState): ShownAnswer {
  switch (state.phase) {
    case "streaming":
      // Citations are only known to be valid once the answer is done.
      return { text: state.generated, citations: [], phase: state.phase };
    case "generated":
      return { text: state.generated, citations: state.generatedCitations, phase: state.phase };
    default:
      return { ...state.extractive, phase: state.phase };
  }
}
