// The context card: what an IVR or a bot learnt before the conversation reached the agent (the
// caller's intent, a summary, labelled details such as the account number). Plain text only.

import type { Handoff } from "./protocol";

export class HandoffView {
  constructor(
    private readonly section: HTMLElement,
    private readonly intent: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly items: HTMLElement,
  ) {}

  /** Shows the conversation's context; hides the card when there is none. */
  show(handoff: Handoff | null): void {
    this.section.hidden = handoff === null;
    this.fill(this.intent, handoff?.intent ?? null);
    this.fill(this.summary, handoff?.summary ?? null);
    const rows = (handoff?.items ?? []).flatMap((item) => {
      const term = document.createElement("dt");
      term.textContent = item.label;
      const value = document.createElement("dd");
      value.textContent = item.value;
      return [term, value];
    });
    this.items.replaceChildren(...rows);
    this.items.hidden = rows.length === 0;
  }

  private fill(element: HTMLElement, text: string | null): void {
    element.textContent = text ?? "";
    element.hidden = text === null;
  }
}
