// The sequencer: each position passed on once and in order, gaps reported, replays settling
// what a missing position never held.

import assert from "node:assert/strict";
import { test } from "node:test";

import type { TranscriptEvent } from "../src/protocol";
import { Sequencer, type PositionedEvent } from "../src/sequencer";

function line(position: number): PositionedEvent {
  const data: TranscriptEvent = {
    conversation_id: "c1",
    position,
    line: { seq: position, event_id: `e${position}`, speaker: "customer", text: "hi", occurred_at: "2025-01-01T00:00:00Z" },
  };
  return { event: "transcript", data };
}

function status(position: number): PositionedEvent {
  return {
    event: "status",
    data: { conversation_id: "c1", position, status: "held", queue: null, agent_id: null },
  };
}

const positions = (events: PositionedEvent[]): number[] => events.map((e) => e.data.position);

test("events before the snapshot wait for it; those it covers are dropped", () => {
  const sequencer = new Sequencer();
  assert.deepEqual(sequencer.accept(line(3)), []);
  assert.deepEqual(sequencer.accept(line(4)), []);
  assert.equal(sequencer.hasGap, false);

  assert.deepEqual(positions(sequencer.reset(3)), [4]);
  assert.equal(sequencer.at, 4);
});

test("a repeated position is passed on once", () => {
  const sequencer = new Sequencer();
  sequencer.reset(0);
  assert.deepEqual(positions(sequencer.accept(line(1))), [1]);
  assert.deepEqual(sequencer.accept(line(1)), []);
  assert.deepEqual(positions(sequencer.accept(status(2))), [2]);
});

test("an event ahead of a missing one waits, then both follow in order", () => {
  const sequencer = new Sequencer();
  sequencer.reset(0);
  sequencer.accept(line(1));

  assert.deepEqual(sequencer.accept(line(3)), []);
  assert.equal(sequencer.hasGap, true);
  assert.equal(sequencer.at, 1);
  assert.deepEqual(positions(sequencer.accept(line(2))), [2, 3]);
  assert.equal(sequencer.hasGap, false);
});

test("a replay fills the gap and the live events held behind it follow once", () => {
  const sequencer = new Sequencer();
  sequencer.reset(10);
  sequencer.accept(line(14));

  const replayed = [line(11), line(12), line(13), line(14)].flatMap((e) => sequencer.accept(e));
  replayed.push(...sequencer.settle(14));

  assert.deepEqual(positions(replayed), [11, 12, 13, 14]);
  assert.equal(sequencer.hasGap, false);
});

test("a position the replay did not hold never had an event: nothing waits for it", () => {
  const sequencer = new Sequencer();
  sequencer.reset(10);
  sequencer.accept(line(13));

  const ready = [line(11)].flatMap((e) => sequencer.accept(e));
  ready.push(...sequencer.settle(13));

  assert.deepEqual(positions(ready), [11, 13]);
  assert.equal(sequencer.at, 13);
  assert.deepEqual(positions(sequencer.accept(line(14))), [14]);
});

test("a new snapshot starts over from its position", () => {
  const sequencer = new Sequencer();
  sequencer.reset(5);
  sequencer.accept(line(8));

  assert.deepEqual(positions(sequencer.reset(8)), []);
  assert.equal(sequencer.hasGap, false);
  assert.deepEqual(positions(sequencer.accept(line(9))), [9]);
});
