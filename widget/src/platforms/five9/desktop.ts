// Follows the Five9 desktop through its CRM SDK: checks who it is signed in as, then forwards
// each interaction callback (with the call variables, on offer) to the server in order.
//
// The server refuses a desktop signed in as another agent than the cuecard session, or to
// another Five9 domain than the integration's (providers/five9/bridge.py); the widget then
// shows why and forwards nothing.

import { BridgeForwarder, RETRIED_CODES, RETRY_DELAYS_MS, type Wait } from "../../bridge";
import type { Ack, BridgeResult } from "../../protocol";
import { interactionMessage, interactionOf, LIFECYCLE, metadataMessage, OFFERED } from "./messages";
import type { Five9Metadata, InteractionApi } from "./sdk";

export const PLATFORM = "five9";
/** How long the desktop may take to answer getMetadata() before the widget says so. */
export const METADATA_TIMEOUT_MS = 20_000;

export type SendBridgeEvent = (platform: string, message: unknown) => Promise<Ack<BridgeResult>>;

export interface DesktopOutcome {
  /** The desktop was refused, or never answered: show why (and stop). */
  refused(code: string, message: string): void;
}

export class Five9Desktop {
  private readonly forwarder: BridgeForwarder;
  private metadata: Five9Metadata | null = null;
  private accepted: Promise<boolean> = Promise.resolve(false);
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly api: InteractionApi,
    private readonly send: SendBridgeEvent,
    private readonly outcome: DesktopOutcome,
    private readonly timeoutMs: number = METADATA_TIMEOUT_MS,
    private readonly pause: Wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.forwarder = new BridgeForwarder(PLATFORM, send, pause);
  }

  /** Subscribes at once (callbacks wait for the check), then checks who the desktop is. */
  start(): Promise<boolean> {
    const callbacks: Record<string, (payload: Record<string, unknown>) => void> = {};
    for (const reason of LIFECYCLE) {
      callbacks[reason] = (payload) => this.enqueue(reason, payload);
    }
    this.api.subscribe(callbacks);
    this.accepted = this.check();
    return this.accepted;
  }

  private async check(): Promise<boolean> {
    let metadata: Five9Metadata;
    try {
      metadata = await withTimeout(this.api.getMetadata(), this.timeoutMs);
    } catch {
      this.outcome.refused(
        "desktop_unavailable",
        "The Five9 desktop did not answer — open the widget inside Five9's agent desktop",
      );
      return false;
    }
    const reply = await this.checkMetadata(metadata);
    if (reply === null || !reply.ok) {
      const error = reply?.ok === false ? reply.error : { code: "undelivered", message: "cuecard did not answer" };
      this.outcome.refused(error.code, error.message);
      return false;
    }
    this.metadata = metadata;
    return true;
  }

  /** The server's verdict on who the desktop is; a lost answer is asked for again. */
  private async checkMetadata(metadata: Five9Metadata): Promise<Ack<BridgeResult> | null> {
    for (const delay of [0, ...RETRY_DELAYS_MS]) {
      await this.pause(delay);
      try {
        const reply = await this.send(PLATFORM, metadataMessage(metadata));
        if (reply.ok || !RETRIED_CODES.has(reply.error.code)) {
          return reply;
        }
      } catch {
        // No acknowledgement in time: the socket may still be connecting.
      }
    }
    return null;
  }

  private enqueue(reason: string, payload: Record<string, unknown>): void {
    // One at a time, in the desktop's order: variables are read before the next callback.
    this.tail = this.tail.then(() => this.forward(reason, payload)).catch(() => undefined);
  }

  private async forward(reason: string, payload: Record<string, unknown>): Promise<void> {
    if (!(await this.accepted) || this.metadata === null) {
      return;
    }
    const cavs = OFFERED.has(reason) ? await this.variables(reason, payload) : [];
    const message = interactionMessage(reason, payload, this.metadata, cavs);
    if (message !== null) {
      await this.forwarder.forward(message);
    }
  }

  private async variables(reason: string, payload: Record<string, unknown>): Promise<unknown> {
    const data = interactionOf(reason, payload);
    if (data === null) {
      return [];
    }
    try {
      return await this.api.getCav({ interactionId: data.interactionId });
    } catch {
      // InteractionNotFound / NoData: the interaction simply has no variables (any more).
      return [];
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
