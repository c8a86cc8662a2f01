// The widget's one channel to the agent desktop that frames it (window.postMessage).
//
// A message is accepted only if it comes from `window.parent` and from the exact origin the
// server checked when it served this page: the platform's host-origin URL parameter, which the
// page refuses to load for any origin the tenant's integration does not allow. Everything the
// widget posts goes to that origin only, never "*". The envelope is in docs/socketio.md
// ("Desktop bridge").

import { randomId } from "./ids";

export const ENVELOPE_SOURCE = "cuecard";
export const ENVELOPE_VERSION = 1;
const ACTION_TIMEOUT_MS = 10_000;

/** The widget is listening: the desktop may post its conversation messages from now on. */
export interface ReadyMessage {
  source: typeof ENVELOPE_SOURCE;
  version: typeof ENVELOPE_VERSION;
  type: "widget.ready";
  platform: string;
}

/** Asks the desktop to do what only it can (e.g. send text through its conversation toolkit). */
export interface DesktopActionMessage {
  source: typeof ENVELOPE_SOURCE;
  version: typeof ENVELOPE_VERSION;
  type: "desktop.action";
  request_id: string;
  action: string;
  conversation_id: string;
  text: string;
}

export type WidgetToHost = ReadyMessage | DesktopActionMessage;

/** The desktop's answer to a `desktop.action`; consumed here, never forwarded to the server. */
export interface DesktopActionResult {
  type: "desktop.action.result";
  request_id: string;
  ok: boolean;
  message?: string;
}

/** The parts of `window` the channel uses (a fake stands in for it in unit tests). */
export interface HostWindow {
  readonly parent: { postMessage(message: unknown, targetOrigin: string): void };
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

/** The http(s) origin a URL parameter names exactly (a trailing slash allowed), or null. */
export function exactOrigin(value: string | null): string | null {
  if (value === null) {
    return null;
  }
  const trimmed = value.trim().replace(/\/$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  const web = url.protocol === "https:" || url.protocol === "http:";
  return web && url.origin === trimmed.toLowerCase() ? url.origin : null;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class HostChannel {
  private readonly pending = new Map<string, Pending>();
  private handler: ((message: unknown) => void) | null = null;
  private readonly onMessage = (event: MessageEvent): void => this.receive(event);

  private constructor(
    private readonly win: HostWindow,
    /** The one origin messages are taken from and posted to. */
    readonly origin: string,
  ) {
    win.addEventListener("message", this.onMessage);
  }

  /** The channel to the framing desktop at `hostOrigin`; null when not framed or no origin. */
  static open(win: HostWindow, hostOrigin: string | null): HostChannel | null {
    const origin = exactOrigin(hostOrigin);
    if (origin === null || (win.parent as unknown) === win) {
      return null;
    }
    return new HostChannel(win, origin);
  }

  /** Hands every accepted desktop message (other than action results) to `handler`. */
  listen(handler: (message: unknown) => void): void {
    this.handler = handler;
  }

  /** Tells the desktop the widget is listening. */
  ready(platform: string): void {
    this.post({ source: ENVELOPE_SOURCE, version: ENVELOPE_VERSION, type: "widget.ready", platform });
  }

  /** Asks the desktop to act; resolves when it confirms, rejects with its reason or a timeout. */
  act(action: string, conversationId: string, text: string): Promise<void> {
    const requestId = randomId();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error("The desktop did not confirm — check the conversation"));
      }, ACTION_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, reject, timer });
      this.post({
        source: ENVELOPE_SOURCE,
        version: ENVELOPE_VERSION,
        type: "desktop.action",
        request_id: requestId,
        action,
        conversation_id: conversationId,
        text,
      });
    });
  }

  close(): void {
    this.win.removeEventListener("message", this.onMessage);
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new Error("The widget closed"));
    }
    this.pending.clear();
  }

  private post(message: WidgetToHost): void {
    this.win.parent.postMessage(message, this.origin);
  }

  private receive(event: MessageEvent): void {
    if (event.source !== (this.win.parent as unknown) || event.origin !== this.origin) {
      // Other frames, popups and extensions post too; only the origin is worth a note.
      console.debug(`cuecard: ignored a message from ${event.origin || "an unknown origin"}`);
      return;
    }
    if (isActionResult(event.data)) {
      this.settle(event.data);
      return;
    }
    this.handler?.(event.data);
  }

  private settle(result: DesktopActionResult): void {
    const pending = this.pending.get(result.request_id);
    if (pending === undefined) {
      return;
    }
    this.pending.delete(result.request_id);
    clearTimeout(pending.timer);
    if (result.ok) {
      pending.resolve();
    } else {
      pending.reject(new Error(result.message ?? "The desktop refused"));
    }
  }
}

function isActionResult(data: unknown): data is DesktopActionResult {
  if (typeof data !== "object" || data === null) {
    return false;
  }
  const value = data as Record<string, unknown>;
  return (
    value["type"] === "desktop.action.result" &&
    typeof value["request_id"] === "string" &&
    typeof value["ok"] === "boolean" &&
    (value["message"] === undefined || typeof value["message"] === "string")
  );
}
