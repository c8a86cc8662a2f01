// Forwarding desktop messages: in order, one at a time, retried when unacknowledged or too fast.

import assert from "node:assert/strict";
import { test } from "node:test";

import { BridgeForwarder, RETRY_DELAYS_MS } from "../src/bridge";
import type { Ack, BridgeResult } from "../src/protocol";

const OK: Ack<BridgeResult> = { ok: true, accepted: 1, duplicates: 0, results: [] };

function refused(code: string): Ack<BridgeResult> {
  return { ok: false, error: { code, message: code } };
}

const noWait = async (): Promise<void> => undefined;

test("messages go one at a time, in the desktop's order", async () => {
  const sent: unknown[] = [];
  let inFlight = 0;
  const forwarder = new BridgeForwarder("simulator", async (platform, message) => {
    assert.equal(platform, "simulator");
    inFlight += 1;
    assert.equal(inFlight, 1, "the next message waits for the previous ack");
    await new Promise((resolve) => setImmediate(resolve));
    sent.push(message);
    inFlight -= 1;
    return OK;
  });
  const results = await Promise.all([1, 2, 3].map((n) => forwarder.forward({ id: n })));
  assert.deepEqual(sent, [{ id: 1 }, { id: 2 }, { id: 3 }]);
  assert.deepEqual(results, ["delivered", "delivered", "delivered"]);
});

test("a lost acknowledgement or a rate limit is retried with the same message", async () => {
  const replies: (Ack<BridgeResult> | Error)[] = [new Error("timeout"), refused("rate_limited"), OK];
  const sent: unknown[] = [];
  const waits: number[] = [];
  const forwarder = new BridgeForwarder(
    "simulator",
    async (_platform, message) => {
      sent.push(message);
      const reply = replies.shift();
      if (reply instanceof Error || reply === undefined) {
        throw reply ?? new Error("no reply");
      }
      return reply;
    },
    async (ms) => {
      waits.push(ms);
    },
  );
  assert.equal(await forwarder.forward({ id: "e1" }), "delivered");
  assert.deepEqual(sent, [{ id: "e1" }, { id: "e1" }, { id: "e1" }]);
  assert.deepEqual(waits, RETRY_DELAYS_MS.slice(0, 2));
});

test("a refused message is dropped and the next one still goes", async () => {
  const sent: unknown[] = [];
  const forwarder = new BridgeForwarder(
    "simulator",
    async (_platform, message) => {
      sent.push(message);
      return (message as { id: string }).id === "bad" ? refused("invalid_input") : OK;
    },
    noWait,
  );
  assert.equal(await forwarder.forward({ id: "bad" }), "refused");
  assert.equal(await forwarder.forward({ id: "good" }), "delivered");
  assert.deepEqual(sent, [{ id: "bad" }, { id: "good" }]);
});

test("a message that never gets through is given up after the last retry", async () => {
  let attempts = 0;
  const forwarder = new BridgeForwarder(
    "simulator",
    async () => {
      attempts += 1;
      throw new Error("timeout");
    },
    noWait,
  );
  assert.equal(await forwarder.forward({ id: "e1" }), "undelivered");
  assert.equal(attempts, RETRY_DELAYS_MS.length + 1);
});

test("a message the server could not take yet (busy elsewhere, store away) is sent again", async () => {
  const replies = [refused("in_progress"), refused("unavailable"), OK];
  const sent: unknown[] = [];
  const forwarder = new BridgeForwarder(
    "simulator",
    async (_platform, message) => {
      sent.push(message);
      return replies.shift() ?? OK;
    },
    noWait,
  );
  assert.equal(await forwarder.forward({ id: "e1" }), "delivered");
  assert.deepEqual(sent, [{ id: "e1" }, { id: "e1" }, { id: "e1" }]);
});
