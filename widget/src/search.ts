// The search box: sends `search` and shows the ack's results in their own section.

import type { CardActions } from "./card";
import { CardList } from "./card-list";
import { RequestFailed } from "./connection";
import type { FeedbackAction, Suggestion } from "./protocol";

export interface SearchElements {
  form: HTMLFormElement;
  input: HTMLInputElement;
  section: HTMLElement;
  results: HTMLElement;
  message: HTMLElement;
  clear: HTMLButtonElement;
}

export type RunSearch = (query: string) => Promise<Suggestion[]>;

const MAX_QUERY_LENGTH = 500;

export class SearchPanel {
  private readonly cards: CardList;
  private shown: Suggestion[] = [];
  private latestQuery = 0;

  constructor(
    private readonly elements: SearchElements,
    private readonly run: RunSearch,
    private readonly feedback: (suggestion: Suggestion, action: FeedbackAction) => void,
  ) {
    const actions: CardActions = {
      used: (s) => this.feedback(s, "used"),
      dismiss: (s) => this.dismiss(s),
    };
    this.cards = new CardList(elements.results, null, actions);
    elements.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submit();
    });
    elements.clear.addEventListener("click", () => this.close());
  }

  private async submit(): Promise<void> {
    const query = this.elements.input.value.trim().slice(0, MAX_QUERY_LENGTH);
    if (query === "") {
      return;
    }
    const ticket = ++this.latestQuery;
    this.elements.section.hidden = false;
    this.elements.section.setAttribute("aria-busy", "true");
    this.setMessage("Searching…");
    try {
      const results = await this.run(query);
      if (ticket === this.latestQuery) {
        this.showResults(results);
      }
    } catch (err) {
      if (ticket === this.latestQuery) {
        this.showResults([]);
        this.setMessage(err instanceof RequestFailed ? err.message : "Search failed");
      }
    } finally {
      if (ticket === this.latestQuery) {
        this.elements.section.removeAttribute("aria-busy");
      }
    }
  }

  private showResults(results: Suggestion[]): void {
    this.shown = results;
    this.cards.show(results);
    this.setMessage(results.length === 0 ? "No articles match." : "");
  }

  private dismiss(suggestion: Suggestion): void {
    this.feedback(suggestion, "dismissed");
    const index = this.cards.indexOf(suggestion.id);
    this.shown = this.shown.filter((s) => s.id !== suggestion.id);
    this.cards.show(this.shown);
    if (!this.cards.focusNear(index)) {
      this.elements.input.focus();
    }
  }

  private close(): void {
    this.latestQuery += 1;
    this.shown = [];
    this.cards.show([]);
    this.elements.section.hidden = true;
    this.elements.input.focus();
  }

  private setMessage(text: string): void {
    this.elements.message.textContent = text;
    this.elements.message.hidden = text === "";
  }
}
