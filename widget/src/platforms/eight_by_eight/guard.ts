// Keeps 8x8's partner SDK from being handed a message port by anyone but Agent Workspace.
//
// @8x8/pui-partner-comm takes the port of the first `"init"` message any window posts to this
// one (its own listener checks neither the sender nor its origin). Another partner app framed
// beside the widget could post one first and then speak for Agent Workspace. This guard is
// installed before the SDK is loaded, in the capture phase, so it sees every `init` first: one
// from `window.parent` at one of the integration's workspace origins goes through, any other is
// stopped (stopImmediatePropagation). An `init` that arrives before the allowed origins are
// known is held and handed on (or dropped) once they are.

import { originAllowed } from "../embedding";

export const INIT = "init";

/** The parts of `window` the guard uses (a fake stands in for it in unit tests). */
export interface GuardedWindow {
  readonly parent: unknown;
  addEventListener(type: "message", listener: (event: MessageEvent) => void, options: { capture: true }): void;
  dispatchEvent(event: Event): boolean;
}

export type Replay = (event: MessageEvent) => MessageEvent;

/** A copy of a held `init` the SDK's own listener can take (same data, origin, source, port). */
export const replayInBrowser: Replay = (event) =>
  new MessageEvent("message", {
    data: event.data,
    origin: event.origin,
    source: event.source,
    ports: [...event.ports],
  });

export class ParentGuard {
  private allowed: readonly string[] | null = null;
  private held: MessageEvent[] = [];
  private readonly replayed = new WeakSet<Event>();
  /** Origins whose `init` was stopped, for the page's own diagnostics. */
  readonly stopped: string[] = [];

  private constructor(
    private readonly win: GuardedWindow,
    private readonly replay: Replay,
  ) {
    win.addEventListener("message", (event) => this.screen(event), { capture: true });
  }

  /** Installs the guard; call it before the SDK is loaded. */
  static install(win: GuardedWindow, replay: Replay = replayInBrowser): ParentGuard {
    return new ParentGuard(win, replay);
  }

  /** From now on `init` is taken from the parent at these origins; held ones are handed on. */
  allow(origins: readonly string[]): void {
    this.allowed = origins;
    const held = this.held;
    this.held = [];
    for (const event of held) {
      if (originAllowed(event.origin, origins)) {
        const copy = this.replay(event);
        this.replayed.add(copy);
        this.win.dispatchEvent(copy);
      } else {
        this.stopped.push(event.origin);
      }
    }
  }

  private screen(event: MessageEvent): void {
    if (event.data !== INIT || this.replayed.has(event)) {
      return;
    }
    if (event.source !== this.win.parent) {
      this.stop(event);
      return;
    }
    if (this.allowed === null) {
      event.stopImmediatePropagation();
      this.held.push(event);
      return;
    }
    if (!originAllowed(event.origin, this.allowed)) {
      this.stop(event);
    }
  }

  private stop(event: MessageEvent): void {
    event.stopImmediatePropagation();
    this.stopped.push(event.origin || "(unknown origin)");
  }
}
