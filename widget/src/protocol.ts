// The wire shapes of docs/socketio.md, as the widget sees them.

export type Speaker = "customer" | "agent" | "bot" | "system";
export type ConversationStatus = "open" | "held" | "ended";
export type FeedbackAction = "used" | "dismissed";

export interface Line {
  seq: number;
  event_id: string;
  speaker: Speaker;
  text: string;
  occurred_at: string;
}

export interface Suggestion {
  id: string;
  kind: "article" | "answer" | "action";
  title: string;
  snippet: string;
  /** [start, end) character spans of the snippet's words that matched the conversation. */
  highlights?: [number, number][];
  source: { document_id: string; url: string | null };
  score: number;
  trigger_event_id: string;
  /** Set on cards the platform's own assistant suggested: who suggested them. */
  provided_by?: string;
}

/** Words still being recognised; replaced by the speaker's final `transcript` line. */
export interface PartialEvent {
  conversation_id: string;
  event_id: string;
  speaker: Speaker;
  text: string;
}

/** One card the platform's own assistant suggested (docs/socketio.md, ExternalCard). */
export interface ExternalCard {
  type: "article" | "faq" | "smart_reply" | "generated";
  text: string;
  title: string | null;
  url: string | null;
  confidence: number | null;
  reference: string | null;
}

export interface ExternalSuggestionsEvent {
  conversation_id: string;
  event_id: string;
  source: string;
  items: ExternalCard[];
}

export interface AlertEvent {
  conversation_id: string;
  alert: "human_intervention_needed" | "unrecoverable_error";
  detail: string | null;
}

export interface Snapshot {
  conversation_id: string;
  /** Everything the conversation's record holds up to this position is in the snapshot. */
  position: number;
  status: ConversationStatus;
  queue: string | null;
  agent_id: string | null;
  media: string | null;
  transcript: Line[];
  suggestions: Suggestion[];
  /** What an IVR or a bot learnt before the handoff (absent from servers that predate it). */
  handoff?: Handoff | null;
}

/** A labelled detail of the handoff (an account number, the caller's plan...). */
export interface HandoffItem {
  label: string;
  value: string;
}

/** What an IVR or a bot learnt before the conversation reached the agent: the context card. */
export interface Handoff {
  event_id: string;
  provider: string;
  intent: string | null;
  summary: string | null;
  items: HandoffItem[];
  occurred_at: string;
}

export interface HandoffEvent extends Handoff {
  conversation_id: string;
}

export interface TranscriptEvent {
  conversation_id: string;
  /** The event's place in the conversation's record (the line's `seq`). */
  position: number;
  line: Line;
}

export interface SuggestionsEvent {
  conversation_id: string;
  position: number;
  trigger_event_id: string;
  items: Suggestion[];
  /** Why `items` is empty: nothing asked yet ("listening"), or nothing fits ("unsure"). */
  reason?: "listening" | "unsure" | null;
}

export interface Step {
  text: string;
  done: boolean;
}

/** The procedure of the top card as a checklist; `next` is the step to do (null: all done). */
export interface StepsEvent {
  conversation_id: string;
  document_id: string;
  title: string;
  heading: string;
  steps: Step[];
  next: number | null;
}

export interface EntityItem {
  type: string;
  value: string;
  confidence: number;
}

/** Every detail the customer has given in the conversation so far. */
export interface EntitiesEvent {
  conversation_id: string;
  items: EntityItem[];
}

export interface StatusEvent {
  conversation_id: string;
  position: number;
  status: ConversationStatus;
  queue: string | null;
  agent_id: string | null;
}

/** What a widget that re-joined with `after` missed, oldest first, up to `position`. */
export interface ReplayEvent {
  conversation_id: string;
  after: number;
  position: number;
  events: (
    | { event: "transcript"; data: TranscriptEvent }
    | { event: "suggestions"; data: SuggestionsEvent }
    | { event: "status"; data: StatusEvent }
  )[];
}

/** The server may have missed telling this widget something: the record reaches `position`. */
export interface ResyncEvent {
  conversation_id: string;
  position: number;
}

export interface AssignedEvent {
  conversation_id: string;
  queue: string;
}

export interface Citation {
  ref: string;
  suggestion_id: string;
  document_id: string;
  title: string;
  url: string | null;
}

/** The extractive answer; `pending` says a generated answer streams in after it. */
export interface AnswerEvent {
  conversation_id: string;
  answer_id: string;
  trigger_event_id: string;
  text: string;
  citations: Citation[];
  pending: boolean;
}

export interface AnswerDeltaEvent {
  conversation_id: string;
  answer_id: string;
  index: number;
  text: string;
}

export interface AnswerDoneEvent {
  conversation_id: string;
  answer_id: string;
  text: string;
  citations: Citation[];
}

export interface AnswerDroppedEvent {
  conversation_id: string;
  answer_id: string;
  reason: string;
}

/** A platform connection's state, pushed to every widget of the tenant when it changes. */
export interface IntegrationStatusEvent {
  provider: string;
  integration_id?: string;
  state: "connecting" | "connected" | "reconnecting" | "auth_failed" | "config_error" | "stopped";
  message: string | null;
}

/** The acknowledgement of `reply.send` / `notes.save`; the same for every retry of a request. */
export interface ActionResult {
  request_id: string;
  conversation_id: string;
  message_id: string | null;
}

export interface ActionPayload {
  conversation_id: string;
  text: string;
  request_id: string;
}

/** The acknowledgement of `bridge.event`, as POST /api/v1/events answers a batch. */
export interface BridgeResult {
  accepted: number;
  duplicates: number;
  results: { provider_event_id: string; status: "processed" | "duplicate" }[];
}

export interface ErrorPayload {
  code: string;
  message: string;
  field?: string;
}

/** Sent just before the server closes the socket to shut down; the widget reconnects. */
export interface ClosingEvent {
  reason: "server_shutdown";
  message: string;
}

export type Ack<T extends object = object> =
  | ({ ok: true } & T)
  | { ok: false; error: ErrorPayload };

export interface ServerToClientEvents {
  snapshot: (snapshot: Snapshot) => void;
  replay: (event: ReplayEvent) => void;
  resync: (event: ResyncEvent) => void;
  transcript: (event: TranscriptEvent) => void;
  "transcript.partial": (event: PartialEvent) => void;
  suggestions: (event: SuggestionsEvent) => void;
  "suggestions.external": (event: ExternalSuggestionsEvent) => void;
  alert: (event: AlertEvent) => void;
  handoff: (event: HandoffEvent) => void;
  status: (event: StatusEvent) => void;
  assigned: (event: AssignedEvent) => void;
  answer: (event: AnswerEvent) => void;
  "answer.delta": (event: AnswerDeltaEvent) => void;
  "answer.done": (event: AnswerDoneEvent) => void;
  "answer.dropped": (event: AnswerDroppedEvent) => void;
  "integration.status": (event: IntegrationStatusEvent) => void;
  steps: (event: StepsEvent) => void;
  entities: (event: EntitiesEvent) => void;
  error: (error: ErrorPayload) => void;
  closing: (event: ClosingEvent) => void;
}

export interface ClientToServerEvents {
  join: (
    payload: { conversation_id: string; after?: number },
    ack: (reply: Ack<{ replayed?: number }>) => void,
  ) => void;
  leave: (payload: { conversation_id: string }, ack: (reply: Ack) => void) => void;
  search: (
    payload: { query: string; conversation_id?: string },
    ack: (reply: Ack<{ results: Suggestion[] }>) => void,
  ) => void;
  feedback: (
    payload: { conversation_id: string; suggestion_id: string; action: FeedbackAction },
    ack: (reply: Ack) => void,
  ) => void;
  "reply.send": (payload: ActionPayload, ack: (reply: Ack<ActionResult>) => void) => void;
  "notes.save": (payload: ActionPayload, ack: (reply: Ack<ActionResult>) => void) => void;
  "steps.tick": (
    payload: { conversation_id: string; document_id: string; step: number; done: boolean },
    ack: (reply: Ack<{ next: number | null }>) => void,
  ) => void;
  "session.renew": (payload: { token: string }, ack: (reply: Ack<{ expires_at: number }>) => void) => void;
  "bridge.event": (payload: { platform: string; message: unknown }, ack: (reply: Ack<BridgeResult>) => void) => void;
}
