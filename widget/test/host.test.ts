// The host channel: messages only from the framing desktop at its exact origin, replies only to it.

import assert from "node:assert/strict";
import { mock, test } from "node:test";

import { exactOrigin, HostChannel, type HostWindow } from "../src/host";

const DESK = "https://desk.acme.example";

class Parent {
  readonly posted: [unknown, string][] = [];
  postMessage(message: unknown, targetOrigin: string): void {
    this.posted.push([message, targetOrigin]);
  }
}

/** A framed window: `parent` is the desktop; `post` delivers a message event as a browser would. */
class FramedWindow implements HostWindow {
  readonly parent = new Parent();
  private readonly listeners = new Set<(event: MessageEvent) => void>();

  addEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.delete(listener);
  }

  post(data: unknown, origin: string, source: unknown = this.parent): void {
    for (const listener of this.listeners) {
      listener({ data, origin, source } as unknown as MessageEvent);
    }
  }
}

function opened(win: FramedWindow = new FramedWindow()): [HostChannel, FramedWindow, unknown[]] {
  const channel = HostChannel.open(win, DESK);
  assert.ok(channel);
  const received: unknown[] = [];
  channel.listen((message) => received.push(message));
  return [channel, win, received];
}

test("host origins are taken only when the parameter is exactly an http(s) origin", () => {
  assert.equal(exactOrigin("https://desk.acme.example/"), DESK);
  assert.equal(exactOrigin("HTTPS://Desk.Acme.example"), DESK);
  assert.equal(exactOrigin("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  for (const bad of [null, "", "*", "null", "desk.acme.example", "https://desk.acme.example/app",
    "javascript:alert(1)", "https://desk.acme.example?x=1", "{{hostOrigin}}"]) {
    assert.equal(exactOrigin(bad), null, String(bad));
  }
});

test("no channel opens in a page that is not framed, or without a usable origin", () => {
  const top = new FramedWindow();
  Object.defineProperty(top, "parent", { value: top });
  assert.equal(HostChannel.open(top, DESK), null);
  assert.equal(HostChannel.open(new FramedWindow(), "*"), null);
  assert.equal(HostChannel.open(new FramedWindow(), null), null);
});

test("messages from the parent at the exact origin are handed on", () => {
  const [, win, received] = opened();
  win.post({ type: "line", text: "hi" }, DESK);
  assert.deepEqual(received, [{ type: "line", text: "hi" }]);
});

test("messages from another origin, or from another window, are ignored", () => {
  const debug = mock.method(console, "debug", () => undefined);
  const [, win, received] = opened();
  win.post({ type: "line" }, "https://evil.example");
  win.post({ type: "line" }, "http://desk.acme.example");
  win.post({ type: "line" }, "https://desk.acme.example:8443");
  win.post({ type: "line" }, "null");
  win.post({ type: "line" }, DESK, new Parent());
  win.post({ type: "line" }, DESK, null);
  assert.deepEqual(received, []);
  assert.equal(debug.mock.callCount(), 6);
  debug.mock.restore();
});

test("the widget announces itself to the exact origin, never to '*'", () => {
  const [channel, win] = opened();
  channel.ready("simulator");
  assert.deepEqual(win.parent.posted, [
    [{ source: "cuecard", version: 1, type: "widget.ready", platform: "simulator" }, DESK],
  ]);
});

test("a desktop action resolves when the desktop confirms it, at its origin only", async () => {
  const [channel, win, received] = opened();
  const done = channel.act("send_text", "desk-1", "Try restarting the hub");
  const [[message, target]] = win.parent.posted as [[Record<string, unknown>, string]];
  assert.equal(target, DESK);
  assert.deepEqual(
    { ...message, request_id: "id" },
    {
      source: "cuecard",
      version: 1,
      type: "desktop.action",
      request_id: "id",
      action: "send_text",
      conversation_id: "desk-1",
      text: "Try restarting the hub",
    },
  );
  const result = { type: "desktop.action.result", request_id: message["request_id"], ok: true };
  const debug = mock.method(console, "debug", () => undefined);
  win.post(result, "https://evil.example");
  debug.mock.restore();
  win.post(result, DESK);
  await done;
  assert.deepEqual(received, [], "results are not desktop messages for the server");
});

test("a desktop action the desktop refuses rejects with its reason", async () => {
  const [channel, win] = opened();
  const done = channel.act("send_text", "desk-1", "hello");
  const [[message]] = win.parent.posted as [[Record<string, unknown>, string]];
  win.post(
    { type: "desktop.action.result", request_id: message["request_id"], ok: false, message: "Chat ended" },
    DESK,
  );
  await assert.rejects(done, /Chat ended/);
});

test("a desktop action nobody confirms times out", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const [channel] = opened();
    const done = channel.act("send_text", "desk-1", "hello");
    mock.timers.tick(10_000);
    await assert.rejects(done, /did not confirm/);
  } finally {
    mock.timers.reset();
  }
});
