// Puts one conversation's positioned events in order: each position is passed on once, in
// position order, and a missing position is reported so the connection can ask for a replay.

import type { StatusEvent, SuggestionsEvent, TranscriptEvent } from "./protocol";

/** A conversation event with its place in the conversation's record. */
export type PositionedEvent =
  | { event: "transcript"; data: TranscriptEvent }
  | { event: "suggestions"; data: SuggestionsEvent }
  | { event: "status"; data: StatusEvent };

export class Sequencer {
  /** Every position up to this one was passed on; null until a snapshot says where to start. */
  private position: number | null = null;
  /** Events that arrived ahead of a missing position (or before the snapshot), by position. */
  private readonly held = new Map<number, PositionedEvent>();

  /** The newest position passed on: what a re-join asks the server to replay after. */
  get at(): number | null {
    return this.position;
  }

  /** Whether an event is waiting for an earlier one that has not arrived. */
  get hasGap(): boolean {
    return this.position !== null && this.held.size > 0;
  }

  /** One event, live or replayed: the events it makes ready, in order (none if it repeats). */
  accept(event: PositionedEvent): PositionedEvent[] {
    const position = event.data.position;
    if (this.position !== null && position <= this.position) {
      return [];
    }
    this.held.set(position, event);
    return this.drain();
  }

  /** A snapshot showed everything up to `position`: what is held after it follows. */
  reset(position: number): PositionedEvent[] {
    this.position = position;
    for (const held of [...this.held.keys()]) {
      if (held <= position) {
        this.held.delete(held);
      }
    }
    return this.drain();
  }

  /**
   * A replay (its events accepted first) covered everything up to `position`: a position it
   * did not hold never had an event, so what is held up to there is passed on now.
   */
  settle(position: number): PositionedEvent[] {
    if (this.position === null) {
      return this.reset(position);
    }
    const ready: PositionedEvent[] = [];
    for (const held of [...this.held.keys()].sort((a, b) => a - b)) {
      const event = this.held.get(held);
      if (held <= position && event !== undefined) {
        this.held.delete(held);
        ready.push(event);
      }
    }
    this.position = Math.max(this.position, position);
    return [...ready, ...this.drain()];
  }

  private drain(): PositionedEvent[] {
    const ready: PositionedEvent[] = [];
    if (this.position === null) {
      return ready;
    }
    let next = this.held.get(this.position + 1);
    while (next !== undefined) {
      this.held.delete(this.position + 1);
      this.position += 1;
      ready.push(next);
      next = this.held.get(this.position + 1);
    }
    return ready;
  }
}
