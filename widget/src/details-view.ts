// The details panel: order and account ids, emails, phones, amounts, dates and products the
// customer gave, each with a Copy button.

import { copyText } from "./clipboard";
import { element } from "./dom";
import type { EntityItem } from "./protocol";

const LABELS: Record<string, string> = {
  order_id: "Order",
  account_id: "Account",
  email: "Email",
  phone: "Phone",
  amount: "Amount",
  date: "Date",
  product: "Product",
};
const FEEDBACK_RESET_MS = 2_000;

/** A tenant-defined type ("loyalty_id") reads as "Loyalty id". */
export function entityLabel(type: string): string {
  const known = LABELS[type];
  if (known !== undefined) {
    return known;
  }
  const words = type.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export class DetailsView {
  constructor(
    private readonly section: HTMLElement,
    private readonly list: HTMLElement,
  ) {
    this.section.hidden = true;
  }

  /** Shows these details (every one so far), or hides the panel for none. */
  show(items: readonly EntityItem[]): void {
    this.section.hidden = items.length === 0;
    this.list.replaceChildren(...items.map(detailRow));
  }
}

function detailRow(item: EntityItem): HTMLElement {
  const label = entityLabel(item.type);
  const copy = element("button", {
    className: "card__button card__button--copy",
    text: "Copy",
    attrs: { type: "button", "aria-label": `Copy ${label}: ${item.value}` },
  });
  copy.addEventListener("click", () => {
    void copyText(item.value).then((ok) => {
      copy.textContent = ok ? "Copied" : "Copy failed";
      window.setTimeout(() => {
        copy.textContent = "Copy";
      }, FEEDBACK_RESET_MS);
    });
  });
  return element("li", { className: "detail", attrs: { "data-testid": "detail", "data-type": item.type } }, [
    element("span", { className: "detail__label", text: label }),
    element("span", { className: "detail__value", text: item.value }),
    copy,
  ]);
}
