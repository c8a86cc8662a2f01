// The Salesforce entry: the component's messages reach the server only once the agent is signed
// in, in order; Send and Insert go back to the component at its exact origin.

import assert from "node:assert/strict";
import { test } from "node:test";

import type { AgentConnection } from "../src/connection";
import { HostChannel, type HostWindow } from "../src/host";
import { bridgedOpen } from "../src/platforms/salesforce";
import type { OpenOptions } from "../src/platforms/types";

const LIGHTNING = "https://acme.lightning.force.com";

class Parent {
  readonly posted: [Record<string, unknown>, string][] = [];
  postMessage(message: Record<string, unknown>, targetOrigin: string): void {
    this.posted.push([message, targetOrigin]);
  }
}

class FramedWindow implements HostWindow {
  readonly parent = new Parent();
  private readonly listeners = new Set<(event: MessageEvent) => void>();

  addEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.delete(listener);
  }

  post(data: unknown): void {
    for (const listener of this.listeners) {
      listener({ data, origin: LIGHTNING, source: this.parent } as unknown as MessageEvent);
    }
  }
}

interface Opened {
  forwarded: unknown[];
  options: OpenOptions[];
}

function entry(): [FramedWindow, (token: string) => AgentConnection, Opened] {
  const win = new FramedWindow();
  const host = HostChannel.open(win, LIGHTNING);
  assert.ok(host);
  const opened: Opened = { forwarded: [], options: [] };
  const connection = {
    bridgeEvent: (platform: string, message: unknown) => {
      opened.forwarded.push([platform, message]);
      return Promise.resolve({ ok: true, accepted: 1, duplicates: 0, results: [] });
    },
  } as unknown as AgentConnection;
  const open = bridgedOpen(host, (_token, options = {}) => {
    opened.options.push(options);
    return connection;
  });
  return [win, (token) => open(token, {}), opened];
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

test("the widget says it is ready only once the agent has signed in", () => {
  const [win, open] = entry();
  assert.deepEqual(win.parent.posted, []);
  open("session-1");
  assert.deepEqual(win.parent.posted, [
    [{ source: "cuecard", version: 1, type: "widget.ready", platform: "salesforce" }, LIGHTNING],
  ]);
  open("session-2"); // signed in again: same bridge, no second announcement
  assert.equal(win.parent.posted.length, 1);
});

test("the component's messages are forwarded in order as salesforce bridge events", async () => {
  const [win, open, opened] = entry();
  open("session-1");
  const context = { cuecard: "salesforce/1", type: "context", recordId: "0MwHo00000AbCdEKAZ" };
  const line = { cuecard: "salesforce/1", type: "lms", recordId: "0MwHo00000AbCdEKAZ" };
  win.post(context);
  win.post("not a message");
  win.post(line);
  await settle();
  await settle();
  assert.deepEqual(opened.forwarded, [
    ["salesforce", context],
    ["salesforce", line],
  ]);
});

test("Send and Insert ask the component for the toolkit, at its origin only", async () => {
  const [win, open, opened] = entry();
  open("session-1");
  const [options] = opened.options;
  assert.ok(options?.desktopSend && options.desktopInsert);
  const sent = options.desktopSend("0MwHo00000AbCdEKAZ", "Restart the router");
  const inserted = options.desktopInsert("0MwHo00000AbCdEKAZ", "Check the cable");
  const requests = win.parent.posted.slice(1);
  for (const [message] of requests) {
    win.post({ type: "desktop.action.result", request_id: message["request_id"], ok: true });
  }
  await Promise.all([sent, inserted]);
  const actions = requests.map(([message, origin]) => [
    message["action"],
    message["conversation_id"],
    message["text"],
    origin,
  ]);
  assert.deepEqual(actions, [
    ["send_text", "0MwHo00000AbCdEKAZ", "Restart the router", LIGHTNING],
    ["insert_text", "0MwHo00000AbCdEKAZ", "Check the cable", LIGHTNING],
  ]);
});
