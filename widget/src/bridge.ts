// Forwards the desktop's messages to the server as `bridge.event`, one at a time and in order.
//
// The next message goes only once the previous one is acknowledged, so the server sees the
// conversation in the desktop's order. A message whose acknowledgement is lost, or that the
// server could not take yet (too fast, being processed by another tab, its store away for a
// moment), is sent again: the server recognises a repeat by the platform's own ids, so it is
// processed once. A message the server refuses for what it says is dropped (the server's
// `error` event already told the agent).

import type { Ack, BridgeResult } from "./protocol";

export type SendBridgeEvent = (platform: string, message: unknown) => Promise<Ack<BridgeResult>>;
export type Wait = (ms: number) => Promise<void>;

/** Waits before each retry: long enough to outlast a rate-limit window in total. */
export const RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

/** Refusals that say "not now" rather than "never" (docs/socketio.md, desktop bridge). */
export const RETRIED_CODES: ReadonlySet<string> = new Set(["rate_limited", "in_progress", "unavailable"]);

export type Delivery = "delivered" | "refused" | "undelivered";

const wait: Wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class BridgeForwarder {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly platform: string,
    private readonly send: SendBridgeEvent,
    private readonly pause: Wait = wait,
  ) {}

  /** Queues `message` behind those before it; resolves to what became of it. */
  forward(message: unknown): Promise<Delivery> {
    const delivery = this.tail.then(() => this.deliver(message));
    this.tail = delivery;
    return delivery;
  }

  private async deliver(message: unknown): Promise<Delivery> {
    for (let attempt = 0; ; attempt += 1) {
      let reply: Ack<BridgeResult> | null;
      try {
        reply = await this.send(this.platform, message);
      } catch {
        reply = null;
      }
      if (reply !== null && reply.ok) {
        return "delivered";
      }
      if (reply !== null && !RETRIED_CODES.has(reply.error.code)) {
        return "refused";
      }
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        return "undelivered";
      }
      await this.pause(delay);
    }
  }
}
