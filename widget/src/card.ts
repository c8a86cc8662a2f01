// One suggestion card: title, snippet, source link, and Copy / Used / Dismiss buttons.

import { copyText } from "./clipboard";
import { element, safeHttpUrl } from "./dom";
import { highlightPieces } from "./highlight";
import type { Suggestion } from "./protocol";

export interface CardActions {
  used(suggestion: Suggestion): void;
  dismiss(suggestion: Suggestion): void;
  /** Sends the snippet to the customer; absent where the platform has no agent actions. */
  send?: SendText;
  /** Puts the snippet in the agent's reply box to edit first; where the desktop can. */
  insert?: SendText;
}

/** Sends text into the conversation as the agent; rejects with a message to show. */
export type SendText = (text: string) => Promise<void>;

const FEEDBACK_RESET_MS = 2_000;

// Gives each card's title a unique id for aria-labelledby, even if two lists show one suggestion.
let nextCardNumber = 0;

/** Builds the card's DOM; every piece of server text goes in through textContent. */
export function renderCard(suggestion: Suggestion, actions: CardActions): HTMLElement {
  nextCardNumber += 1;
  const titleId = `card-title-${nextCardNumber}`;
  const card = element("article", {
    className: `card card--${suggestion.kind}`,
    attrs: { "data-testid": "suggestion-card", "data-suggestion-id": suggestion.id, "aria-labelledby": titleId },
  });
  card.append(
    element("h3", { className: "card__title", text: suggestion.title, attrs: { id: titleId, "data-testid": "card-title" } }),
  );
  if (suggestion.provided_by) {
    card.classList.add("card--external");
    card.append(element("p", { className: "card__provider", text: `From ${suggestion.provided_by}`, attrs: { "data-testid": "card-provider" } }));
  }
  card.append(snippetElement(suggestion));
  const link = sourceLink(suggestion);
  if (link !== null) {
    card.append(link);
  }
  card.append(buttonRow(suggestion, actions));
  return card;
}

function sourceLink(suggestion: Suggestion): HTMLAnchorElement | null {
  const href = safeHttpUrl(suggestion.source?.url);
  if (href === null) {
    return null;
  }
  return element("a", {
    className: "card__source",
    text: "Open source",
    attrs: { href, target: "_blank", rel: "noopener noreferrer", "aria-label": `Open source: ${suggestion.title} (new tab)` },
  });
}

function buttonRow(suggestion: Suggestion, actions: CardActions): HTMLElement {
  const copy = button("Copy", `Copy: ${suggestion.title}`, "copy");
  copy.addEventListener("click", () => {
    void copyText(suggestion.snippet).then((ok) => flash(copy, ok ? "Copied" : "Copy failed", "Copy"));
  });
  const used = button("Used", `Mark as used: ${suggestion.title}`, "used");
  used.setAttribute("aria-pressed", "false");
  used.addEventListener("click", () => {
    if (used.getAttribute("aria-pressed") === "true") {
      return;
    }
    used.setAttribute("aria-pressed", "true");
    // Say what the click did: it tells cuecard this card helped, nothing is sent anywhere.
    used.textContent = "✓ Marked helpful";
    used.title = "Recorded that this card helped with the conversation";
    actions.used(suggestion);
  });
  const dismiss = button("Dismiss", `Dismiss: ${suggestion.title}`, "dismiss");
  dismiss.addEventListener("click", () => actions.dismiss(suggestion));
  const row = [copy, used, dismiss];
  if (actions.insert !== undefined) {
    row.unshift(insertButton(suggestion, actions.insert));
  }
  if (actions.send !== undefined) {
    const send = actions.send;
    row.unshift(sendButton(`Send to the customer: ${suggestion.title}`, () => suggestion.snippet, send, () => actions.used(suggestion)));
  }
  return element("div", { className: "card__actions" }, row);
}

/** A "Send" button: one send at a time, then "Sent" or the reason it failed. */
export function sendButton(
  accessibleName: string,
  text: () => string,
  send: SendText,
  sent: () => void = () => undefined,
): HTMLButtonElement {
  const target = button("Send", accessibleName, "send");
  target.addEventListener("click", () => {
    if (target.disabled) {
      return;
    }
    target.disabled = true;
    target.textContent = "Sending…";
    send(text()).then(
      () => {
        target.textContent = "Sent";
        sent();
      },
      (err: unknown) => {
        target.disabled = false;
        target.textContent = "Send";
        target.title = err instanceof Error ? err.message : "Not sent";
      },
    );
  });
  return target;
}

/** An "Insert" button: the snippet goes to the agent's reply box, where they edit and send it. */
function insertButton(suggestion: Suggestion, insert: SendText): HTMLButtonElement {
  const target = button("Insert", `Insert in your reply: ${suggestion.title}`, "insert");
  target.addEventListener("click", () => {
    target.disabled = true;
    insert(suggestion.snippet).then(
      () => {
        target.disabled = false;
        flash(target, "Inserted", "Insert");
      },
      (err: unknown) => {
        target.disabled = false;
        target.title = err instanceof Error ? err.message : "Not inserted";
      },
    );
  });
  return target;
}

function button(label: string, accessibleName: string, action: string): HTMLButtonElement {
  return element("button", {
    className: `card__button card__button--${action}`,
    text: label,
    attrs: { type: "button", "aria-label": accessibleName, "data-action": action },
  });
}

function flash(target: HTMLButtonElement, label: string, original: string): void {
  target.textContent = label;
  window.setTimeout(() => {
    target.textContent = original;
  }, FEEDBACK_RESET_MS);
}

/** The snippet with the words that made it match in <mark>, so the agent sees why. */
function snippetElement(suggestion: Suggestion): HTMLElement {
  const pieces = highlightPieces(suggestion.snippet, suggestion.highlights).map((piece) =>
    piece.matched ? element("mark", { text: piece.text }) : document.createTextNode(piece.text),
  );
  return element("p", { className: "card__snippet" }, pieces);
}
