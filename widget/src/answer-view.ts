// The "Answer" panel above the suggestion cards: streaming text, citation links, Copy.

import { copyText } from "./clipboard";
import { element, safeHttpUrl } from "./dom";
import type { ShownAnswer } from "./answer";
import { sendButton, type SendText } from "./card";
import type { Citation } from "./protocol";

const LABELS: Record<ShownAnswer["phase"], string> = {
  extractive: "From the knowledge base",
  waiting: "From the knowledge base · writing an answer…",
  streaming: "Writing…",
  generated: "Generated from the cited articles",
};
const FEEDBACK_RESET_MS = 2_000;

export class AnswerView {
  private readonly section: HTMLElement;
  private readonly label: HTMLElement;
  private readonly text: HTMLElement;
  private readonly sources: HTMLElement;
  private shownText = "";

  /** Builds the panel and puts it right before `before` (the suggestions section). */
  constructor(before: Element, send?: SendText) {
    this.label = element("p", { className: "empty", attrs: { "data-testid": "answer-label" } });
    this.text = element("p", { className: "card__snippet", attrs: { "data-testid": "answer-text" } });
    this.sources = element("div", { className: "card__actions", attrs: { "data-testid": "answer-sources" } });
    const copy = element("button", {
      className: "card__button card__button--copy",
      text: "Copy",
      attrs: { type: "button", "aria-label": "Copy the answer" },
    });
    copy.addEventListener("click", () => {
      void copyText(this.shownText).then((ok) => flash(copy, ok ? "Copied" : "Copy failed"));
    });
    const card = element("article", { className: "card card--answer" }, [
      this.label,
      this.text,
      this.sources,
      element("div", { className: "card__actions" }, [
        ...(send ? [sendButton("Send the answer to the customer", () => this.shownText, send)] : []),
        copy,
      ]),
    ]);
    this.section = element(
      "section",
      { className: "panel", attrs: { "aria-labelledby": "answer-heading", "data-testid": "answer" } },
      [element("h2", { text: "Answer", attrs: { id: "answer-heading" } }), card],
    );
    this.section.hidden = true;
    before.before(this.section);
  }

  /** Shows an answer, or hides the panel for none. */
  show(answer: ShownAnswer | null): void {
    this.section.hidden = answer === null;
    if (answer === null) {
      return;
    }
    this.shownText = answer.text;
    this.label.textContent = LABELS[answer.phase];
    this.text.textContent = answer.text;
    // Announce the answer once it is settled, not every streamed chunk.
    this.section.setAttribute("aria-busy", String(answer.phase === "waiting" || answer.phase === "streaming"));
    this.sources.replaceChildren(...answer.citations.map(citationLink));
  }
}

function citationLink(citation: Citation): HTMLElement {
  const label = `[${citation.ref}] ${citation.title}`;
  const href = safeHttpUrl(citation.url);
  if (href === null) {
    return element("span", { className: "card__source", text: label });
  }
  return element("a", {
    className: "card__source",
    text: label,
    attrs: { href, target: "_blank", rel: "noopener noreferrer", "aria-label": `Source ${label} (new tab)` },
  });
}

function flash(target: HTMLButtonElement, label: string): void {
  target.textContent = label;
  window.setTimeout(() => {
    target.textContent = "Copy";
  }, FEEDBACK_RESET_MS);
}
