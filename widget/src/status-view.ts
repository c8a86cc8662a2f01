// The header: link status, the conversation's status, and transient notices.

import type { LinkStatus } from "./connection";
import type { ConversationStatus } from "./protocol";

const NOTICE_MS = 6_000;

function linkLabel(status: LinkStatus): string {
  switch (status.state) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return "Connected";
    case "reconnecting":
      return "Reconnecting…";
    case "disconnected":
      return "Disconnected — reopen the widget";
    case "refused":
      return status.message;
  }
}

const CONVERSATION_LABELS: Record<ConversationStatus, string> = {
  open: "",
  held: "On hold",
  ended: "Conversation ended",
};

export class StatusView {
  private noticeTimer: number | undefined;

  constructor(
    private readonly link: HTMLElement,
    private readonly conversation: HTMLElement,
    private readonly noticeBox: HTMLElement,
  ) {}

  showLink(status: LinkStatus): void {
    this.link.textContent = linkLabel(status);
    this.link.dataset["state"] = status.state;
    if (status.state === "refused") {
      this.link.dataset["code"] = status.code;
    } else {
      delete this.link.dataset["code"];
    }
  }

  /** Shows held / ended; nothing while the conversation is open or unknown. */
  showConversation(conversationId: string | null, status: ConversationStatus | null): void {
    const waiting = conversationId === null;
    this.conversation.dataset["conversationId"] = conversationId ?? "";
    const label = waiting ? "Waiting for a conversation…" : status ? CONVERSATION_LABELS[status] : "";
    this.conversation.textContent = label;
    this.conversation.hidden = label === "";
    this.conversation.dataset["status"] = waiting ? "waiting" : status ?? "unknown";
  }

  /** A short-lived message, e.g. a refused request. */
  notice(message: string): void {
    this.noticeBox.textContent = message;
    this.noticeBox.hidden = false;
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => {
      this.noticeBox.hidden = true;
      this.noticeBox.textContent = "";
    }, NOTICE_MS);
  }
}
