// The step card: the top article's numbered procedure as a checklist, the next step marked.

import { element } from "./dom";
import type { StepsEvent } from "./protocol";

/** Ticks or unticks a step; the server answers with a new `steps` event for every widget. */
export type TickStep = (documentId: string, step: number, done: boolean) => void;

export class StepsView {
  constructor(
    private readonly section: HTMLElement,
    private readonly title: HTMLElement,
    private readonly list: HTMLElement,
    private readonly tick: TickStep,
  ) {
    this.section.hidden = true;
  }

  /** Shows a step card, or hides the panel for none. */
  show(card: StepsEvent | null): void {
    this.section.hidden = card === null;
    if (card === null) {
      return;
    }
    this.title.textContent = card.heading && card.heading !== card.title ? `${card.title} · ${card.heading}` : card.title;
    this.section.dataset["documentId"] = card.document_id;
    this.section.dataset["next"] = card.next === null ? "done" : String(card.next);
    this.list.replaceChildren(...card.steps.map((step, index) => this.stepItem(card, index, step.text, step.done)));
  }

  private stepItem(card: StepsEvent, index: number, text: string, done: boolean): HTMLElement {
    const state = done ? "done" : index === card.next ? "next" : "todo";
    const id = `step-${index}`;
    const box = element("input", { attrs: { type: "checkbox", id, "data-testid": "step-tick" } });
    box.checked = done;
    box.addEventListener("change", () => this.tick(card.document_id, index, box.checked));
    const label = element("label", { className: "step__text", text, attrs: { for: id } });
    const item = element("li", { className: `step step--${state}`, attrs: { "data-testid": "step", "data-state": state } }, [box, label]);
    if (state === "next") {
      item.setAttribute("aria-current", "step");
    }
    return item;
  }
}
