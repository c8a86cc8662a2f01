// The 8x8 module: only Agent Workspace (the parent, at an allowed origin) can hand the partner
// SDK its port; the widget follows the focused interaction and takes the theme and locale.

import assert from "node:assert/strict";
import { test } from "node:test";

import { originAllowed } from "../src/platforms/embedding";
import { ParentGuard, type GuardedWindow } from "../src/platforms/eight_by_eight/guard";
import {
  applyWorkspaceMessage,
  FocusedPage,
  readWorkspaceMessage,
  type WorkspacePage,
} from "../src/platforms/eight_by_eight/workspace";

const WORKSPACE = ["https://*.8x8.com"];

interface FakeEvent {
  data: unknown;
  origin: string;
  source: unknown;
  stopped: boolean;
  stopImmediatePropagation(): void;
}

/** A framed window: the guard listens first; `sdk` stands for the SDK's own listener after it. */
class FramedWindow implements GuardedWindow {
  readonly parent = { name: "agent workspace" };
  readonly sibling = { name: "another partner app" };
  private readonly listeners: ((event: MessageEvent) => void)[] = [];
  readonly sdk: FakeEvent[] = [];

  addEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.push(listener);
  }

  dispatchEvent(event: Event): boolean {
    this.deliver(event as unknown as FakeEvent);
    return true;
  }

  post(data: unknown, origin: string, source: unknown = this.parent): FakeEvent {
    const event: FakeEvent = {
      data,
      origin,
      source,
      stopped: false,
      stopImmediatePropagation() {
        this.stopped = true;
      },
    };
    this.deliver(event);
    return event;
  }

  private deliver(event: FakeEvent): void {
    for (const listener of this.listeners) {
      listener(event as unknown as MessageEvent);
      if (event.stopped) {
        return;
      }
    }
    this.sdk.push(event);
  }
}

function guarded(): [FramedWindow, ParentGuard] {
  const win = new FramedWindow();
  const guard = ParentGuard.install(win, (event) => ({ ...(event as unknown as FakeEvent), stopped: false }) as unknown as MessageEvent);
  return [win, guard];
}

test("workspace origins match exactly, or as any subdomain of a wildcard", () => {
  assert.ok(originAllowed("https://aw.8x8.com", WORKSPACE));
  assert.ok(originAllowed("https://pui.eu.8x8.com", WORKSPACE));
  assert.ok(originAllowed("http://127.0.0.1:8123", ["http://127.0.0.1:8123"]));
  for (const origin of ["https://8x8.com.evil.example", "https://evil8x8.com", "http://aw.8x8.com",
    "https://aw.8x8.com:8443", "null", "", "https://aw.8x8.com/path"]) {
    assert.equal(originAllowed(origin, WORKSPACE), false, origin);
  }
  assert.equal(originAllowed("http://127.0.0.1:8124", ["http://127.0.0.1:8123"]), false);
});

test("init from the workspace reaches the SDK; from a sibling frame it is stopped", () => {
  const [win, guard] = guarded();
  guard.allow(WORKSPACE);

  const sibling = win.post("init", "https://aw.8x8.com", win.sibling);
  const parent = win.post("init", "https://aw.8x8.com");

  assert.equal(sibling.stopped, true);
  assert.deepEqual(win.sdk.map((event) => event.source), [win.parent]);
  assert.equal(parent.stopped, false);
  assert.deepEqual(guard.stopped, ["https://aw.8x8.com"]);
});

test("init from the parent at another origin is stopped", () => {
  const [win, guard] = guarded();
  guard.allow(WORKSPACE);

  win.post("init", "https://evil.example");

  assert.deepEqual(win.sdk, []);
  assert.deepEqual(guard.stopped, ["https://evil.example"]);
});

test("an init that comes before the origins are known waits, then is judged", () => {
  const [win, guard] = guarded();

  win.post("init", "https://aw.8x8.com");
  win.post("init", "https://evil.example");
  win.post("init", "https://aw.8x8.com", win.sibling);
  assert.equal(win.sdk.length, 0);
  guard.allow(WORKSPACE);

  assert.deepEqual(win.sdk.map((event) => [event.origin, event.source]), [["https://aw.8x8.com", win.parent]]);
  assert.deepEqual(guard.stopped, ["https://aw.8x8.com", "https://evil.example"]);
});

test("other messages are none of the guard's business", () => {
  const [win] = guarded();
  win.post({ type: "cuecard.login" }, "https://cuecard.example", win.sibling);
  assert.equal(win.sdk.length, 1);
});

function page(current: string | null = null): WorkspacePage & { followed: string[] } {
  const followed: string[] = [];
  return {
    followed,
    get currentConversationId() {
      return followed[followed.length - 1] ?? current;
    },
    follow: (id) => followed.push(id),
    root: { dataset: {}, lang: "en" },
  };
}

const event = (eventName: string, value: unknown): unknown => ({ type: "event", message: { eventName, value }, schemaVersion: "1.0.0" });
const GUID = "int-19b2c4d6e80-Qm4vT8xWk2LpZr7YbN5hGdJ3c-phone-01-acmecc01";

test("the widget follows the interaction the agent focuses", () => {
  const shown = page();
  applyWorkspaceMessage(shown, event("aw-interaction-focus-v3", { interactionId: GUID, queue: { id: "q", queueId: 1162, queueName: "Broadband" }, isManual: false, schemaVersion: "3.0.0" }));
  applyWorkspaceMessage(shown, event("aw-interaction-focus-v1", { interactionId: "int-2", schemaVersion: "1.0.0" }));
  applyWorkspaceMessage(shown, event("aw-interaction-ended-v1", { interactionId: "int-2", schemaVersion: "1.0.0" }));
  assert.deepEqual(shown.followed, [GUID, "int-2"]);
});

test("a started interaction is shown only while nothing else is", () => {
  const idle = page();
  applyWorkspaceMessage(idle, event("aw-interaction-started-v1", { interactionId: GUID, interactionType: "phone", direction: "inbound", schemaVersion: "1.0.0" }));
  const busy = page("int-1");
  applyWorkspaceMessage(busy, event("aw-interaction-started-v1", { interactionId: GUID, schemaVersion: "1.0.0" }));
  assert.deepEqual(idle.followed, [GUID]);
  assert.deepEqual(busy.followed, []);
});

test("theme and locale restyle the page; unknown messages change nothing", () => {
  const shown = page();
  applyWorkspaceMessage(shown, { type: "response", message: { namespace: "system", request: "getContext", value: { theme: "dark", locale: "en_GB" } } });
  assert.equal(shown.root.dataset["theme"], "dark");
  assert.equal(shown.root.lang, "en-GB");
  applyWorkspaceMessage(shown, { type: "response", message: { namespace: "system", request: "getTheme", value: "light" } });
  assert.equal(shown.root.dataset["theme"], "light");
  for (const noise of [null, "hello", { type: "message", message: "hi" }, event("aw-interaction-hold-v1", { interactionId: GUID }),
    event("aw-interaction-focus-v3", { interactionId: "" }), { type: "response", message: { namespace: "system", request: "getLocale", value: "<script>" } }]) {
    applyWorkspaceMessage(shown, noise);
  }
  assert.deepEqual(shown.followed, []);
  assert.equal(shown.root.lang, "en-GB");
  assert.deepEqual(readWorkspaceMessage({ type: "error", message: { text: "no" } }), []);
});

test("an interaction focused before the agent signed in is shown once the widget connects", () => {
  const page = new FocusedPage({ dataset: {}, lang: "en" });
  applyWorkspaceMessage(page, event("aw-interaction-focus-v3", { interactionId: "int-1", schemaVersion: "3.0.0" }));
  applyWorkspaceMessage(page, event("aw-interaction-started-v1", { interactionId: "int-2", schemaVersion: "1.0.0" }));
  const followed: string[] = [];
  const connection = {
    get currentConversationId() {
      return followed[followed.length - 1] ?? null;
    },
    follow: (id: string) => followed.push(id),
  };

  page.attach(connection);
  applyWorkspaceMessage(page, event("aw-interaction-focus-v3", { interactionId: "int-3", schemaVersion: "3.0.0" }));

  assert.deepEqual(followed, ["int-1", "int-3"]);
});
