// The Five9 module: who the desktop is signed in as goes first; interaction callbacks follow in
// order with their call variables on offer; a refused desktop forwards nothing more.

import assert from "node:assert/strict";
import { test } from "node:test";

import type { Ack, BridgeResult } from "../src/protocol";
import { Five9Desktop } from "../src/platforms/five9/desktop";
import { callVariables, interactionMessage } from "../src/platforms/five9/messages";
import type { Five9Metadata, InteractionApi, InteractionCallback } from "../src/platforms/five9/sdk";

const OK: Ack<BridgeResult> = { ok: true, accepted: 1, duplicates: 0, results: [] };
const CALL = "45E471D607A94072A553A1406CC0BF03";
const CALL_DATA = {
  interactionId: CALL,
  number: "4155550123",
  ani: "4155550123",
  callType: "INBOUND",
  skillName: "Broadband Support",
  campaignName: "Inbound Support",
};
const CAVS = [
  { id: "641", name: "intent", group: "IVR", value: "router keeps dropping" },
  { id: "700", name: "Customer.account_number", value: "ACC-88120" },
];

class FakeSdk implements InteractionApi {
  callbacks: Record<string, InteractionCallback> = {};
  cavCalls: string[] = [];
  constructor(
    private readonly metadata: Promise<Five9Metadata>,
    private readonly cavs: Record<string, unknown> = { [CALL]: CAVS },
  ) {}
  subscribe(callbacks: Record<string, InteractionCallback>): void {
    this.callbacks = callbacks;
  }
  getMetadata(): Promise<Five9Metadata> {
    return this.metadata;
  }
  async getCav(params: { interactionId: string }): Promise<unknown> {
    this.cavCalls.push(params.interactionId);
    const found = this.cavs[params.interactionId];
    if (found === undefined) {
      throw { errorCode: "InteractionNotFound" };
    }
    return found;
  }
  fire(reason: string, payload: Record<string, unknown>): void {
    this.callbacks[reason]?.(payload);
  }
}

async function settled(): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test("the forwarded message keeps the ids and skill, never the caller's number", () => {
  const message = interactionMessage("callStarted", { callData: CALL_DATA }, { agentId: 138, tenantId: 131 }, CAVS);
  assert.deepEqual(message, {
    type: "interaction",
    reason: "callStarted",
    metadata: { agentId: 138, tenantId: 131 },
    callData: { interactionId: CALL, skillName: "Broadband Support", campaignName: "Inbound Support" },
    cavs: [
      { id: "641", name: "intent", group: "IVR", value: "router keeps dropping" },
      { id: "700", name: "Customer.account_number", value: "ACC-88120" },
    ],
  });
  assert.ok(!JSON.stringify(message).includes("4155550123"));
  assert.equal(interactionMessage("objectSelected", { crmObject: {} }, { agentId: 1, tenantId: 1 }, []), null);
  assert.equal(interactionMessage("chatOffered", { chatData: {} }, { agentId: 1, tenantId: 1 }, []), null);
});

test("call variables that are not name/value pairs are left out", () => {
  assert.deepEqual(callVariables({ errorCode: "NoData" }), []);
  assert.deepEqual(callVariables([null, { value: 1 }, { name: "x", value: { nested: 1 } }, { name: "y" }]), [
    { name: "x", value: null },
    { name: "y", value: null },
  ]);
});

test("the agent check goes first, then each callback in order with variables on offer", async () => {
  const sdk = new FakeSdk(Promise.resolve({ agentId: 138, tenantId: 131 }));
  const sent: unknown[] = [];
  const desktop = new Five9Desktop(sdk, async (_platform, message) => {
    sent.push(message);
    return OK;
  }, { refused: () => assert.fail("not refused") });

  const accepted = desktop.start();
  sdk.fire("callStarted", { callData: CALL_DATA });
  sdk.fire("callEnded", { callData: CALL_DATA });
  assert.equal(await accepted, true);
  await settled();

  assert.deepEqual(
    sent.map((m) => (m as { type: string; reason?: string }).reason ?? (m as { type: string }).type),
    ["metadata", "callStarted", "callEnded"],
  );
  assert.deepEqual((sent[1] as { cavs: unknown[] }).cavs.length, 2);
  assert.deepEqual((sent[2] as { cavs: unknown[] }).cavs, []);
  assert.deepEqual(sdk.cavCalls, [CALL]);
});

test("a desktop the server refuses says why and forwards nothing more", async () => {
  const sdk = new FakeSdk(Promise.resolve({ agentId: 139, tenantId: 131 }));
  const sent: unknown[] = [];
  const refusals: [string, string][] = [];
  const desktop = new Five9Desktop(
    sdk,
    async (_platform, message) => {
      sent.push(message);
      return { ok: false, error: { code: "bridge_refused", message: "The Five9 desktop is signed in as agent 139" } };
    },
    { refused: (code, message) => refusals.push([code, message]) },
  );

  sdk.fire("callStarted", { callData: CALL_DATA });
  assert.equal(await desktop.start(), false);
  sdk.fire("callAccepted", { callData: CALL_DATA });
  await settled();

  assert.deepEqual(refusals, [["bridge_refused", "The Five9 desktop is signed in as agent 139"]]);
  assert.equal(sent.length, 1);
});

test("a check the server could not take yet is asked again, not taken as a refusal", async () => {
  const sdk = new FakeSdk(Promise.resolve({ agentId: 138, tenantId: 131 }));
  const replies: Ack<BridgeResult>[] = [{ ok: false, error: { code: "unavailable", message: "Redis is away" } }];
  const sent: unknown[] = [];
  const desktop = new Five9Desktop(
    sdk,
    async (_platform, message) => {
      sent.push(message);
      return replies.shift() ?? OK;
    },
    { refused: () => assert.fail("not refused") },
    1_000,
    async () => undefined,
  );

  assert.equal(await desktop.start(), true);
  assert.equal(sent.length, 2);
});

test("a desktop that never answers is reported, not waited for forever", async () => {
  const sdk = new FakeSdk(new Promise(() => undefined));
  const refusals: string[] = [];
  const desktop = new Five9Desktop(sdk, async () => OK, { refused: (code) => refusals.push(code) }, 10);

  assert.equal(await desktop.start(), false);
  assert.deepEqual(refusals, ["desktop_unavailable"]);
});

test("an interaction whose variables are gone is still forwarded, without them", async () => {
  const sdk = new FakeSdk(Promise.resolve({ agentId: 138, tenantId: 131 }), {});
  const sent: unknown[] = [];
  const desktop = new Five9Desktop(sdk, async (_p, message) => {
    sent.push(message);
    return OK;
  }, { refused: () => assert.fail("not refused") });

  await desktop.start();
  sdk.fire("chatOffered", { chatData: { interactionId: "chat-1", skillName: "Billing" } });
  await settled();

  assert.deepEqual(sent[1], {
    type: "interaction",
    reason: "chatOffered",
    metadata: { agentId: 138, tenantId: 131 },
    chatData: { interactionId: "chat-1", skillName: "Billing" },
    cavs: [],
  });
});

test("a lost answer to the agent check is asked for again", async () => {
  const sdk = new FakeSdk(Promise.resolve({ agentId: 138, tenantId: 131 }));
  let attempts = 0;
  const waits: number[] = [];
  const desktop = new Five9Desktop(
    sdk,
    async () => {
      attempts += 1;
      if (attempts < 3) {
        throw new Error("operation has timed out");
      }
      return OK;
    },
    { refused: () => assert.fail("not refused") },
    1_000,
    async (ms) => {
      waits.push(ms);
    },
  );

  assert.equal(await desktop.start(), true);
  assert.equal(attempts, 3);
  assert.deepEqual(waits, [0, 500, 1_000]);
});
