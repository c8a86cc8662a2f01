// Snippet highlights: the server's spans become marked pieces, and bad spans cannot break text.

import assert from "node:assert/strict";
import { test } from "node:test";

import { highlightPieces } from "../src/highlight";

const joined = (text: string, spans: [number, number][]) =>
  highlightPieces(text, spans)
    .map((piece) => (piece.matched ? `[${piece.text}]` : piece.text))
    .join("");

test("matched words are marked in place", () => {
  assert.equal(joined("Restart the router now", [[0, 7], [12, 18]]), "[Restart] the [router] now");
});

test("no spans leave the text whole", () => {
  assert.deepEqual(highlightPieces("plain", undefined), [{ text: "plain", matched: false }]);
});

test("out-of-range, overlapping and reversed spans are ignored, never lose text", () => {
  const text = "abc def ghi";
  assert.equal(joined(text, [[4, 7], [5, 9], [9, 8], [8, 99]]), "abc [def] ghi");
  assert.equal(joined(text, [[8, 11], [0, 3]]), "[abc] def [ghi]");
});
