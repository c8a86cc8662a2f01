// A list of cards that keeps each card's DOM across updates, so focus and state survive.

import { renderCard, type CardActions } from "./card";
import type { Suggestion } from "./protocol";

export class CardList {
  private readonly rendered = new Map<string, HTMLElement>();

  constructor(
    private readonly container: HTMLElement,
    private readonly empty: HTMLElement | null,
    private readonly actions: CardActions,
  ) {}

  /** Shows exactly these suggestions, in this order. */
  show(suggestions: readonly Suggestion[]): void {
    const wanted = new Map(suggestions.map((s) => [s.id, s] as const));
    for (const [id, node] of this.rendered) {
      if (!wanted.has(id)) {
        node.remove();
        this.rendered.delete(id);
      }
    }
    const nodes = suggestions.map((s) => this.nodeFor(s));
    const inOrder = nodes.every((node, i) => this.container.children[i] === node);
    if (!inOrder || this.container.children.length !== nodes.length) {
      this.container.replaceChildren(...nodes);
    }
    if (this.empty !== null) {
      this.empty.hidden = suggestions.length > 0;
    }
  }

  /** Moves keyboard focus to the first button of the card at `index`, or the last card. */
  focusNear(index: number): boolean {
    const cards = this.container.children;
    const target = cards[Math.min(index, cards.length - 1)];
    const focusable = target?.querySelector<HTMLElement>("button, a");
    focusable?.focus();
    return focusable !== null && focusable !== undefined;
  }

  indexOf(suggestionId: string): number {
    const node = this.rendered.get(suggestionId);
    return node === undefined ? -1 : Array.prototype.indexOf.call(this.container.children, node);
  }

  private nodeFor(suggestion: Suggestion): HTMLElement {
    let node = this.rendered.get(suggestion.id);
    if (node === undefined) {
      node = renderCard(suggestion, this.actions);
      this.rendered.set(suggestion.id, node);
    }
    return node;
  }
}
