// What the widget takes from Agent Workspace's messages (the partner SDK's `onMessage`):
// which interaction the agent focuses, which start and end, and the theme and locale. The
// envelope is the SDK's: `{type: "event", message: {eventName, value}}` for events and
// `{type: "response", message: {namespace, request, value}}` for answers to requests.

/** The events the widget uses; 8x8 must add them to the integration's allowlist. */
export const FOCUS_EVENTS = new Set(["aw-interaction-focus-v1", "aw-interaction-focus-v2", "aw-interaction-focus-v3"]);
export const STARTED_EVENT = "aw-interaction-started-v1";
export const ENDED_EVENT = "aw-interaction-ended-v1";

export type WorkspaceUpdate =
  | { kind: "focus"; interactionId: string }
  | { kind: "started"; interactionId: string }
  | { kind: "ended"; interactionId: string }
  | { kind: "theme"; theme: string }
  | { kind: "locale"; locale: string };

/** The updates one SDK message carries; none for everything the widget does not use. */
export function readWorkspaceMessage(data: unknown): WorkspaceUpdate[] {
  const envelope = record(data);
  const message = record(envelope?.["message"]);
  if (envelope === null || message === null) {
    return [];
  }
  if (envelope["type"] === "event") {
    const update = readEvent(message["eventName"], record(message["value"]));
    return update === null ? [] : [update];
  }
  if (envelope["type"] === "response" && message["namespace"] === "system") {
    return readResponse(message["request"], message["value"]);
  }
  return [];
}

function readEvent(name: unknown, value: Record<string, unknown> | null): WorkspaceUpdate | null {
  const interactionId = value?.["interactionId"];
  if (typeof name !== "string" || typeof interactionId !== "string" || interactionId.trim() === "") {
    return null;
  }
  if (FOCUS_EVENTS.has(name)) {
    return { kind: "focus", interactionId };
  }
  if (name === STARTED_EVENT) {
    return { kind: "started", interactionId };
  }
  if (name === ENDED_EVENT) {
    return { kind: "ended", interactionId };
  }
  return null;
}

function readResponse(request: unknown, value: unknown): WorkspaceUpdate[] {
  const context = request === "getContext" ? record(value) : null;
  const theme = request === "getTheme" ? value : context?.["theme"];
  const locale = request === "getLocale" ? value : context?.["locale"];
  const updates: WorkspaceUpdate[] = [];
  if (typeof theme === "string") {
    updates.push({ kind: "theme", theme });
  }
  if (typeof locale === "string") {
    updates.push({ kind: "locale", locale });
  }
  return updates;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** The `data-theme` the page uses for a workspace theme name ("dark" or anything else). */
export function pageTheme(theme: string): "dark" | "light" {
  return /dark/i.test(theme) ? "dark" : "light";
}

/** A BCP 47 tag fit for `<html lang>` (8x8 may send `en_GB`), or null. */
export function pageLocale(locale: string): string | null {
  const tag = locale.trim().replace(/_/g, "-");
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : null;
}

/** Where the widget shows what Agent Workspace says. */
export interface WorkspacePage {
  /** The conversation the widget shows, if any. */
  readonly currentConversationId: string | null;
  /** Show this conversation from now on. */
  follow(conversationId: string): void;
  /** Restyle the page: `data-theme` and `lang` of its root element. */
  readonly root: { dataset: DOMStringMap; lang: string };
}

/** Applies one SDK message to the page: follow the focused interaction, theme, locale. */
export function applyWorkspaceMessage(page: WorkspacePage, data: unknown): void {
  for (const update of readWorkspaceMessage(data)) {
    switch (update.kind) {
      case "focus":
        page.follow(update.interactionId);
        break;
      case "started":
        // A new interaction is shown when nothing is yet; otherwise the focus decides.
        if (page.currentConversationId === null) {
          page.follow(update.interactionId);
        }
        break;
      case "ended":
        // The conversation's end comes from the event stream (its status); the widget keeps
        // showing it, wrap-up included, until the agent focuses another one.
        break;
      case "theme":
        page.root.dataset["theme"] = pageTheme(update.theme);
        break;
      case "locale": {
        const lang = pageLocale(update.locale);
        if (lang !== null) {
          page.root.lang = lang;
        }
        break;
      }
    }
  }
}

/** What `FocusedPage` follows with: the live widget's connection. */
export interface Follower {
  readonly currentConversationId: string | null;
  follow(conversationId: string): void;
}

/**
 * The page as Agent Workspace sees it, before and after the agent signed in: an interaction
 * focused before the widget connected is followed once it does.
 */
export class FocusedPage implements WorkspacePage {
  private follower: Follower | null = null;
  private pending: string | null = null;

  constructor(readonly root: { dataset: DOMStringMap; lang: string }) {}

  get currentConversationId(): string | null {
    return this.follower?.currentConversationId ?? this.pending;
  }

  follow(conversationId: string): void {
    if (this.follower === null) {
      this.pending = conversationId;
    } else {
      this.follower.follow(conversationId);
    }
  }

  /** The widget connected: it follows the focused interaction from now on. */
  attach(follower: Follower): void {
    this.follower = follower;
    if (this.pending !== null) {
      follower.follow(this.pending);
      this.pending = null;
    }
  }
}
