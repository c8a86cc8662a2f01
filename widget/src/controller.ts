// Applies what the connection reports to the conversation state and the views.

import {
  answerFromSuggestions,
  applyDelta,
  dropAnswer,
  finishAnswer,
  shownAnswer,
  startAnswer,
  type AnswerState,
} from "./answer";
import type { AnswerView } from "./answer-view";
import type { SendText } from "./card";
import { CardList } from "./card-list";
import type { ConnectionListener, LinkStatus } from "./connection";
import {
  addLine,
  addSuggestionSet,
  applySnapshot,
  dismissCard,
  emptyConversation,
  type ConversationState,
} from "./conversation";
import { alertText, externalCards } from "./external";
import type {
  AlertEvent,
  AnswerDeltaEvent,
  AnswerDoneEvent,
  AnswerDroppedEvent,
  AnswerEvent,
  ExternalSuggestionsEvent,
  FeedbackAction,
  Handoff,
  HandoffEvent,
  IntegrationStatusEvent,
  PartialEvent,
  Snapshot,
  StatusEvent,
  Suggestion,
  SuggestionsEvent,
  TranscriptEvent,
} from "./protocol";
import type { HandoffView } from "./handoff-view";
import type { IntegrationBanner } from "./integration-banner";
import type { StatusView } from "./status-view";
import type { TranscriptView } from "./transcript-view";

export type SendFeedback = (suggestion: Suggestion, action: FeedbackAction) => void;

/** What only some embeddings offer: Send / Insert on cards, and the platform connection banner. */
export interface ControllerExtras {
  send?: SendText;
  insert?: SendText;
  banner?: IntegrationBanner;
  /** The context card: what an IVR or a bot learnt before the handoff. */
  handoff?: HandoffView;
}

export class WidgetController implements ConnectionListener {
  private state: ConversationState | null = null;
  private answerState: AnswerState | null = null;
  private handoffState: Handoff | null = null;
  private readonly cards: CardList;

  constructor(
    private readonly status: StatusView,
    private readonly transcriptView: TranscriptView,
    cardContainer: HTMLElement,
    cardsEmpty: HTMLElement,
    private readonly sendFeedback: SendFeedback,
    private readonly answerView: AnswerView,
    private readonly extras: ControllerExtras = {},
  ) {
    this.cards = new CardList(cardContainer, cardsEmpty, {
      used: (s) => this.feedback(s, "used"),
      dismiss: (s) => this.dismiss(s),
      ...(extras.send ? { send: extras.send } : {}),
      ...(extras.insert ? { insert: extras.insert } : {}),
    });
    this.status.showConversation(null, null);
  }

  linkChanged(status: LinkStatus): void {
    this.status.showLink(status);
  }

  conversationChanged(conversationId: string): void {
    this.state = emptyConversation(conversationId);
    this.answerState = null;
    this.handoffState = null;
    this.renderAll();
  }

  snapshot(snapshot: Snapshot): void {
    const state = this.stateFor(snapshot.conversation_id);
    applySnapshot(state, snapshot);
    this.handoffState = snapshot.handoff ?? null;
    // Answers are not in the snapshot: keep the live one, else derive the extractive one.
    const newest = snapshot.suggestions[snapshot.suggestions.length - 1]?.trigger_event_id;
    if (this.answerState === null || this.answerState.triggerEventId !== newest) {
      const newestSet = snapshot.suggestions.filter((s) => s.trigger_event_id === newest);
      this.answerState = answerFromSuggestions(newestSet);
    }
    this.renderAll();
  }

  transcript(event: TranscriptEvent): void {
    const state = this.stateFor(event.conversation_id);
    // The speaker's final words replace what was shown while they were being recognised.
    this.transcriptView.showPartial(event.line.speaker, null);
    if (addLine(state, event.line)) {
      this.transcriptView.insert(event.line, state.lines);
    }
  }

  partial(event: PartialEvent): void {
    this.stateFor(event.conversation_id);
    this.transcriptView.showPartial(event.speaker, event.text);
  }

  suggestions(event: SuggestionsEvent): void {
    const state = this.stateFor(event.conversation_id);
    addSuggestionSet(state, event.items);
    this.cards.show(state.cards);
  }

  externalSuggestions(event: ExternalSuggestionsEvent): void {
    const state = this.stateFor(event.conversation_id);
    addSuggestionSet(state, externalCards(event));
    this.cards.show(state.cards);
  }

  alert(event: AlertEvent): void {
    this.stateFor(event.conversation_id);
    this.status.notice(alertText(event));
  }

  handoff(event: HandoffEvent): void {
    this.stateFor(event.conversation_id);
    this.handoffState = event;
    this.extras.handoff?.show(event);
  }

  conversationStatus(event: StatusEvent): void {
    const state = this.stateFor(event.conversation_id);
    state.status = event.status;
    state.queue = event.queue;
    this.status.showConversation(state.conversationId, state.status);
  }

  answer(event: AnswerEvent): void {
    this.stateFor(event.conversation_id);
    this.answerState = startAnswer(event);
    this.renderAnswer();
  }

  answerDelta(event: AnswerDeltaEvent): void {
    if (applyDelta(this.answerState, event)) {
      this.renderAnswer();
    }
  }

  answerDone(event: AnswerDoneEvent): void {
    if (finishAnswer(this.answerState, event)) {
      this.renderAnswer();
    }
  }

  answerDropped(event: AnswerDroppedEvent): void {
    if (dropAnswer(this.answerState, event)) {
      this.renderAnswer();
    }
  }

  notice(message: string): void {
    this.status.notice(message);
  }

  integrationStatus(event: IntegrationStatusEvent): void {
    this.extras.banner?.update(event);
  }

  private dismiss(suggestion: Suggestion): void {
    if (this.state === null) {
      return;
    }
    const index = this.cards.indexOf(suggestion.id);
    this.feedback(suggestion, "dismissed");
    dismissCard(this.state, suggestion);
    this.cards.show(this.state.cards);
    this.cards.focusNear(index);
  }

  // cuecard learns from feedback on its own cards; the platform's are not its to rank.
  private feedback(suggestion: Suggestion, action: FeedbackAction): void {
    if (suggestion.provided_by === undefined) {
      this.sendFeedback(suggestion, action);
    }
  }

  private stateFor(conversationId: string): ConversationState {
    if (this.state === null || this.state.conversationId !== conversationId) {
      this.state = emptyConversation(conversationId);
      this.answerState = null;
      this.handoffState = null;
    }
    return this.state;
  }

  private renderAll(): void {
    const state = this.state;
    this.transcriptView.show(state?.lines ?? []);
    this.cards.show(state?.cards ?? []);
    this.status.showConversation(state?.conversationId ?? null, state?.status ?? null);
    this.extras.handoff?.show(this.handoffState);
    this.renderAnswer();
  }

  private renderAnswer(): void {
    this.answerView.show(this.answerState === null ? null : shownAnswer(this.answerState));
  }
}
