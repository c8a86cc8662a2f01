// The socket's lifecycle: connect, report link status, (re-)join the current conversation,
// follow `assigned`, and pass the current conversation's events on, each once and in order:
// after a gap or a reconnect the widget re-joins from its last position and gets a replay.

import { io, type Socket } from "socket.io-client";

import { randomId } from "./ids";
import { Sequencer, type PositionedEvent } from "./sequencer";
import type {
  Ack,
  ActionResult,
  AnswerDeltaEvent,
  AnswerDoneEvent,
  AnswerDroppedEvent,
  AnswerEvent,
  AlertEvent,
  BridgeResult,
  EntitiesEvent,
  ClientToServerEvents,
  ExternalSuggestionsEvent,
  FeedbackAction,
  HandoffEvent,
  IntegrationStatusEvent,
  PartialEvent,
  ReplayEvent,
  ResyncEvent,
  ServerToClientEvents,
  Snapshot,
  StatusEvent,
  StepsEvent,
  Suggestion,
  SuggestionsEvent,
  TranscriptEvent,
} from "./protocol";

type AgentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type LinkStatus =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "reconnecting" }
  | { state: "disconnected" }
  | { state: "refused"; code: string; message: string };

/** What the connection tells the rest of the widget. */
export interface ConnectionListener {
  linkChanged(status: LinkStatus): void;
  conversationChanged(conversationId: string): void;
  snapshot(snapshot: Snapshot): void;
  transcript(event: TranscriptEvent): void;
  partial(event: PartialEvent): void;
  suggestions(event: SuggestionsEvent): void;
  externalSuggestions(event: ExternalSuggestionsEvent): void;
  alert(event: AlertEvent): void;
  handoff(event: HandoffEvent): void;
  conversationStatus(event: StatusEvent): void;
  answer(event: AnswerEvent): void;
  answerDelta(event: AnswerDeltaEvent): void;
  answerDone(event: AnswerDoneEvent): void;
  answerDropped(event: AnswerDroppedEvent): void;
  integrationStatus(event: IntegrationStatusEvent): void;
  steps(event: StepsEvent): void;
  entities(event: EntitiesEvent): void;
  notice(message: string): void;
}

export interface ConnectionOptions {
  origin: string;
  token: string;
  /** A conversation named in the URL; when absent the widget follows `assigned`. */
  pinnedConversationId: string | null;
  /** Told when the server refuses the connection for good (e.g. an expired token). */
  onRefused?: (code: string, message: string) => void;
}

export type ActionEvent = "reply.send" | "notes.save";

const ACK_TIMEOUT_MS = 10_000;
// After a lost connection (a server restarting), the first attempt comes 0.5-1.5 s later, then
// backs off to at most 10 s, each delay randomised by ±50%: a node's widgets do not all return
// at the same instant.
const RECONNECT_OPTIONS = {
  reconnectionDelay: 1_000,
  reconnectionDelayMax: 10_000,
  randomizationFactor: 0.5,
};
const ACTION_ATTEMPTS = 3;
const IN_PROGRESS_WAIT_MS = 1_000;
// An event ahead of a missing one waits this long for it (two nodes' emits may cross) before
// the widget asks for a replay.
const GAP_WAIT_MS = 500;
// WebSocket straight away: a server running several workers behind one port needs no sticky
// sessions for it (long-polling's requests must all reach the worker holding the session), and
// a connection costs one request instead of a polling handshake and an upgrade. Where a proxy
// blocks WebSocket, the same attempt falls back to long-polling.
const TRANSPORT_OPTIONS = {
  transports: ["websocket", "polling"],
  tryAllTransports: true,
};

/** Raised by `search` when the server refuses the query or does not answer. */
export class RequestFailed extends Error {}

export class AgentConnection {
  private readonly socket: AgentSocket;
  private conversationId: string | null;
  /** The server said the token expired; its disconnect that follows is for good. */
  private tokenExpired = false;
  /** The pinned conversation was refused as not (yet) assigned to this agent. */
  private awaitingAssignment = false;
  /** The current conversation's positioned events, in order. */
  private sequencer = new Sequencer();
  private gapTimer: number | null = null;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly listener: ConnectionListener,
  ) {
    this.conversationId = options.pinnedConversationId;
    this.socket = io(`${options.origin}/agent`, {
      auth: { token: options.token },
      ...RECONNECT_OPTIONS,
      ...TRANSPORT_OPTIONS,
    });
    this.watchLink();
    this.watchConversationEvents();
  }

  get currentConversationId(): string | null {
    return this.conversationId;
  }

  /** Runs a knowledge-base search; resolves to the ranked results. */
  async search(query: string): Promise<Suggestion[]> {
    const payload: { query: string; conversation_id?: string } = { query };
    if (this.conversationId !== null) {
      payload.conversation_id = this.conversationId;
    }
    let reply: Ack<{ results: Suggestion[] }>;
    try {
      reply = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("search", payload);
    } catch {
      throw new RequestFailed("Search timed out — try again");
    }
    if (!reply.ok) {
      throw new RequestFailed(reply.error.message);
    }
    return reply.results;
  }

  /** Tells the server the agent used or dismissed a suggestion; failures become a notice. */
  /** Ticks (or unticks) a step of the conversation's step card. */
  tickStep(documentId: string, step: number, done: boolean): void {
    const conversationId = this.conversationId;
    if (conversationId === null) {
      return;
    }
    const payload = { conversation_id: conversationId, document_id: documentId, step, done };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("steps.tick", payload, (err, reply) => {
      if (err) {
        this.listener.notice("The step was not saved");
      } else if (!reply.ok) {
        this.listener.notice(reply.error.message);
      }
    });
  }

  feedback(suggestionId: string, action: FeedbackAction): void {
    const conversationId = this.conversationId;
    if (conversationId === null) {
      return;
    }
    const payload = { conversation_id: conversationId, suggestion_id: suggestionId, action };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("feedback", payload, (err, reply) => {
      if (err) {
        this.listener.notice("Feedback was not delivered");
      } else if (!reply.ok) {
        this.listener.notice(reply.error.message);
      }
    });
  }

  /**
   * Sends a reply or saves notes; a timed-out attempt is retried with the same request id, so
   * the server carries it out once however many attempts reach it.
   */
  async act(event: ActionEvent, text: string): Promise<ActionResult> {
    const conversationId = this.conversationId;
    if (conversationId === null) {
      throw new RequestFailed("No conversation is open");
    }
    const payload = { conversation_id: conversationId, text, request_id: randomId() };
    for (let attempt = 0; attempt < ACTION_ATTEMPTS; attempt += 1) {
      let reply: Ack<ActionResult>;
      try {
        reply = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
      } catch {
        continue;
      }
      if (reply.ok) {
        return reply;
      }
      if (reply.error.code !== "conflict") {
        throw new RequestFailed(reply.error.message);
      }
      await new Promise((resolve) => window.setTimeout(resolve, IN_PROGRESS_WAIT_MS));
    }
    throw new RequestFailed("Not confirmed — check the conversation before trying again");
  }

  /** Forwards one desktop message as `bridge.event`; rejects when the ack does not come. */
  bridgeEvent(platform: string, message: unknown): Promise<Ack<BridgeResult>> {
    const sent = this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("bridge.event", { platform, message });
    return sent.then((reply) => {
      // The agent's own desktop reported a conversation: a pinned one waiting for it opens now.
      if (reply.ok && this.awaitingAssignment) {
        this.joinCurrent();
      }
      return reply;
    });
  }

  /** Uses a renewed session token: on this socket now, and for any reconnection later. */
  renew(token: string): void {
    this.tokenExpired = false;
    this.socket.auth = { token };
    if (!this.socket.connected) {
      this.socket.connect();
      return;
    }
    this.socket.timeout(ACK_TIMEOUT_MS).emit("session.renew", { token }, (err, reply) => {
      if (err || !reply.ok) {
        // The socket's old token may have lapsed meanwhile: reconnect with the new one.
        this.socket.disconnect().connect();
      }
    });
  }

  /** Closes the socket for good (the session ended). */
  close(): void {
    this.socket.disconnect();
  }

  private watchLink(): void {
    this.listener.linkChanged({ state: "connecting" });
    this.socket.on("connect", () => {
      this.listener.linkChanged({ state: "connected" });
      this.joinCurrent();
    });
    this.socket.on("disconnect", () => {
      if (this.tokenExpired && !this.socket.active) {
        this.refused({ code: "token_expired", message: REFUSAL_MESSAGES["token_expired"] ?? "" });
        return;
      }
      // `active` stays true while socket.io's own reconnection is going to try again.
      this.listener.linkChanged({ state: this.socket.active ? "reconnecting" : "disconnected" });
    });
    this.socket.on("connect_error", (err: Error & { data?: unknown }) => {
      if (this.socket.active) {
        this.listener.linkChanged({ state: "reconnecting" });
      } else {
        this.refused(refusalReason(err));
      }
    });
  }

  private refused(reason: { code: string; message: string }): void {
    this.listener.linkChanged({ state: "refused", ...reason });
    this.options.onRefused?.(reason.code, reason.message);
  }

  private watchConversationEvents(): void {
    const isCurrent = (event: { conversation_id: string }): boolean =>
      event.conversation_id === this.conversationId;
    this.socket.on("snapshot", (s) => isCurrent(s) && this.showSnapshot(s));
    this.socket.on("replay", (r) => isCurrent(r) && this.replay(r));
    this.socket.on("resync", (r) => isCurrent(r) && this.resync(r));
    this.socket.on("transcript", (e) => isCurrent(e) && this.positioned({ event: "transcript", data: e }));
    this.socket.on("transcript.partial", (e) => isCurrent(e) && this.listener.partial(e));
    this.socket.on("suggestions", (e) => isCurrent(e) && this.positioned({ event: "suggestions", data: e }));
    this.socket.on("suggestions.external", (e) => isCurrent(e) && this.listener.externalSuggestions(e));
    this.socket.on("alert", (e) => isCurrent(e) && this.listener.alert(e));
    this.socket.on("handoff", (e) => isCurrent(e) && this.listener.handoff(e));
    this.socket.on("status", (e) => isCurrent(e) && this.positioned({ event: "status", data: e }));
    this.socket.on("answer", (e) => isCurrent(e) && this.listener.answer(e));
    this.socket.on("answer.delta", (e) => isCurrent(e) && this.listener.answerDelta(e));
    this.socket.on("answer.done", (e) => isCurrent(e) && this.listener.answerDone(e));
    this.socket.on("answer.dropped", (e) => isCurrent(e) && this.listener.answerDropped(e));
    this.socket.on("steps", (e) => isCurrent(e) && this.listener.steps(e));
    this.socket.on("entities", (e) => isCurrent(e) && this.listener.entities(e));
    this.socket.on("error", (e) => {
      if (e.code === "token_expired") {
        this.tokenExpired = true;
      }
      this.listener.notice(e.message || e.code);
    });
    this.socket.on("closing", (e) => this.listener.notice(e.message));
    this.socket.on("integration.status", (e) => this.listener.integrationStatus(e));
    this.socket.on("assigned", (event) => this.follow(event.conversation_id));
  }

  private showSnapshot(snapshot: Snapshot): void {
    this.listener.snapshot(snapshot);
    this.pass(this.sequencer.reset(snapshot.position));
  }

  private positioned(event: PositionedEvent): void {
    this.pass(this.sequencer.accept(event));
  }

  private replay(replay: ReplayEvent): void {
    for (const event of replay.events) {
      this.pass(this.sequencer.accept(event));
    }
    this.pass(this.sequencer.settle(replay.position));
  }

  /** The server may not have told us everything (its link to the other nodes was away). */
  private resync(resync: ResyncEvent): void {
    const at = this.sequencer.at;
    if (at !== null && resync.position > at) {
      this.joinCurrent();
    }
  }

  /** Hands events to the listener in order; a gap left behind asks for a replay soon. */
  private pass(events: PositionedEvent[]): void {
    for (const item of events) {
      if (item.event === "transcript") {
        this.listener.transcript(item.data);
      } else if (item.event === "suggestions") {
        this.listener.suggestions(item.data);
      } else {
        this.listener.conversationStatus(item.data);
      }
    }
    if (this.sequencer.hasGap && this.gapTimer === null) {
      this.gapTimer = window.setTimeout(() => {
        this.gapTimer = null;
        if (this.sequencer.hasGap) {
          this.joinCurrent();
        }
      }, GAP_WAIT_MS);
    }
  }

  /**
   * Shows `conversationId` from now on (the one the agent was connected to, or the one their
   * desktop focuses); a conversation pinned by the URL stays.
   */
  follow(conversationId: string): void {
    if (this.options.pinnedConversationId !== null) {
      // A pinned conversation the desktop opened before cuecard heard of its assignment.
      if (conversationId === this.conversationId && this.awaitingAssignment) {
        this.joinCurrent();
      }
      return;
    }
    if (conversationId === this.conversationId) {
      return;
    }
    const previous = this.conversationId;
    this.conversationId = conversationId;
    this.sequencer = new Sequencer();
    this.listener.conversationChanged(conversationId);
    if (previous !== null && this.socket.connected) {
      this.socket.emit("leave", { conversation_id: previous }, () => undefined);
    }
    this.joinCurrent();
  }

  private joinCurrent(): void {
    const conversationId = this.conversationId;
    if (conversationId === null || !this.socket.connected) {
      return;
    }
    // With a position, the server replays what came after it instead of a whole snapshot.
    const at = this.sequencer.at;
    const payload = at === null ? { conversation_id: conversationId } : { conversation_id: conversationId, after: at };
    this.socket.timeout(ACK_TIMEOUT_MS).emit("join", payload, (err, reply) => {
      this.awaitingAssignment = !err && !reply.ok && reply.error.code === "not_assigned";
      if (err) {
        // A join cut short by a lost connection did not time out: it is sent again on
        // reconnect, and the notice already says why the link went (e.g. a shutdown).
        if (this.socket.connected) {
          this.listener.notice("Joining the conversation timed out");
        }
      } else if (this.awaitingAssignment) {
        this.listener.notice("Waiting for this conversation to be assigned to you");
      } else if (!reply.ok) {
        this.listener.notice(reply.error.message);
      }
    });
  }
}

const REFUSAL_MESSAGES: Record<string, string> = {
  token_expired: "Session expired — reopen the widget",
  unauthenticated: "Not signed in — reopen the widget",
};

/** Turns a refused connection's `connect_error` into a code and a message for the agent. */
export function refusalReason(err: Error & { data?: unknown }): { code: string; message: string } {
  const data = typeof err.data === "object" && err.data !== null ? err.data : {};
  const code = "code" in data && typeof data.code === "string" ? data.code : "refused";
  const detail = "message" in data && typeof data.message === "string" ? data.message : err.message;
  return { code, message: REFUSAL_MESSAGES[code] ?? `Connection refused: ${detail}` };
}
