// The live transcript pane: speaker-labelled lines that follow the conversation.

import { element } from "./dom";
import type { Line, Speaker } from "./protocol";

const SPEAKER_LABELS: Record<Speaker, string> = {
  customer: "Customer",
  agent: "Agent",
  bot: "Bot",
  system: "System",
};

/** How close to the bottom (px) still counts as "following" the conversation. */
const FOLLOW_SLACK_PX = 24;

export class TranscriptView {
  constructor(
    private readonly pane: HTMLElement,
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
  ) {}

  /** Shows exactly these lines (already in `seq` order). */
  show(lines: readonly Line[]): void {
    const following = this.isFollowing();
    this.list.replaceChildren(...lines.map(renderLine));
    this.settle(following, lines.length);
  }

  /** Inserts one new line at its `seq` position. */
  insert(line: Line, lines: readonly Line[]): void {
    const following = this.isFollowing();
    const node = renderLine(line);
    const next = lines[lines.indexOf(line) + 1];
    const before = next === undefined ? null : this.list.querySelector(`[data-seq="${next.seq}"]`);
    this.list.insertBefore(node, before);
    this.settle(following, lines.length);
  }

  /** Shows the speaker's words still being recognised at the end, or removes them (null). */
  showPartial(speaker: Speaker, text: string | null): void {
    const following = this.isFollowing();
    this.list.querySelector(`[data-partial="${speaker}"]`)?.remove();
    if (text !== null) {
      const node = renderLine({ seq: -1, event_id: "", speaker, text, occurred_at: "" });
      node.classList.add("line--partial");
      node.dataset.partial = speaker;
      node.setAttribute("data-testid", "transcript-partial");
      this.list.append(node);
    }
    this.settle(following, this.list.children.length);
  }

  private isFollowing(): boolean {
    const { scrollTop, scrollHeight, clientHeight } = this.pane;
    return scrollHeight - scrollTop - clientHeight <= FOLLOW_SLACK_PX;
  }

  // Auto-scroll only when the agent was already at the bottom, so reading back is not disturbed.
  private settle(wasFollowing: boolean, count: number): void {
    this.empty.hidden = count > 0;
    if (wasFollowing) {
      this.pane.scrollTop = this.pane.scrollHeight;
    }
  }
}

function renderLine(line: Line): HTMLElement {
  const speaker = SPEAKER_LABELS[line.speaker] ?? line.speaker;
  return element(
    "li",
    {
      className: `line line--${line.speaker}`,
      attrs: { "data-testid": "transcript-line", "data-seq": String(line.seq) },
    },
    [
      element("span", { className: "line__speaker", text: speaker }),
      element("span", { className: "line__text", text: line.text }),
    ],
  );
}
