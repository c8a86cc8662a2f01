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
  addExternalCards,
  addLine,
  addSuggestionSet,
  applySnapshot,
  dismissCard,
  emptyConversation,
  latestCustomerLine,
  shownCards,
  type ConversationState,
} from "./conversation";
import { alertText, externalCards } from "./external";
import type { DetailsView } from "./details-view";
import type { StepsView } from "./steps-view";
import type {
  AlertEvent,
  AnswerDeltaEvent,
  AnswerDoneEvent,
  AnswerDroppedEvent,
  AnswerEvent,
  ExternalSuggestionsEvent,
  EntitiesEvent,
  FeedbackAction,
  Handoff,
  HandoffEvent,
  IntegrationStatusEvent,
  PartialEvent,
  Snapshot,
  StatusEvent,
  StepsEvent,
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

/** The panels that follow the conversation besides the cards. */
export interface FollowUpViews {
  steps: StepsView;
  details: DetailsView;
  /** The customer's newest line, kept in view above the cards. */
  latestLine: HTMLElement;
}

// What the empty card list says, by the reason the server gave.
const EMPTY_TEXT = {
  none: "Suggestions appear here as the conversation goes on.",
  listening: "Listening… cards appear once the customer says what they need.",
  unsure: "No confident match yet — keep listening, or search.",
};

export class WidgetController implements ConnectionListener {
  private state: ConversationState | null = null;
  private answerState: AnswerState | null = null;
  private handoffState: Handoff | null = null;
  private readonly cards: CardList;

  constructor(
    private readonly status: StatusView,
    private readonly transcriptView: TranscriptView,
    cardContainer: HTMLElement,
    private readonly cardsEmpty: HTMLElement,
    private readonly sendFeedback: SendFeedback,
    private readonly answerView: AnswerView,
    private readonly followUp: FollowUpViews,
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
      this.renderLatestLine();
    }
  }

  partial(event: PartialEvent): void {
    this.stateFor(event.conversation_id);
    this.transcriptView.showPartial(event.speaker, event.text);
  }

  suggestions(event: SuggestionsEvent): void {
    const state = this.stateFor(event.conversation_id);
    addSuggestionSet(state, event.items, event.reason ?? null);
    this.renderCards();
  }

  steps(event: StepsEvent): void {
    const state = this.stateFor(event.conversation_id);
    state.steps = event;
    this.followUp.steps.show(event);
  }

  entities(event: EntitiesEvent): void {
    const state = this.stateFor(event.conversation_id);
    state.entities = event.items;
    this.followUp.details.show(event.items);
  }

  externalSuggestions(event: ExternalSuggestionsEvent): void {
    const state = this.stateFor(event.conversation_id);
    addExternalCards(state, externalCards(event));
    this.renderCards();
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
    this.renderCards();
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
    this.renderCards();
    this.renderLatestLine();
    this.followUp.steps.show(state?.steps ?? null);
    this.followUp.details.show(state?.entities ?? []);
    this.status.showConversation(state?.conversationId ?? null, state?.status ?? null);
    this.extras.handoff?.show(this.handoffState);
    this.renderAnswer();
  }

  private renderCards(): void {
    const state = this.state;
    this.cards.show(state === null ? [] : shownCards(state));
    this.cardsEmpty.textContent = EMPTY_TEXT[state?.reason ?? "none"];
    this.cardsEmpty.dataset["reason"] = state?.reason ?? "none";
    this.renderAnswer();
  }

  private renderLatestLine(): void {
    const line = this.state === null ? null : latestCustomerLine(this.state);
    this.followUp.latestLine.hidden = line === null;
    this.followUp.latestLine.textContent = line?.text ?? "";
  }

  private renderAnswer(): void {
    const shown = this.answerState === null ? null : shownAnswer(this.answerState);
    // The extractive answer is the top card's passage: shown twice it only takes room.
    const top = this.state?.cards[0];
    const repeat = shown !== null && shown.phase === "extractive" && top !== undefined && sameText(shown.text, top.snippet);
    this.answerView.show(repeat ? null : shown);
  }
}

function sameText(a: string, b: string): boolean {
  const plain = (text: string): string => text.replace(/…/g, "").replace(/\s+/g, " ").trim();
  return plain(a) === plain(b);
}
