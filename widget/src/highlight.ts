// Splits a snippet into plain and matched pieces from the server's highlight spans.

export type Span = readonly [number, number];

export interface Piece {
  text: string;
  matched: boolean;
}

/** The snippet as pieces in order; spans out of range, overlapping or reversed are ignored. */
export function highlightPieces(text: string, spans: readonly Span[] | undefined): Piece[] {
  const pieces: Piece[] = [];
  let cursor = 0;
  for (const [start, end] of [...(spans ?? [])].sort((a, b) => a[0] - b[0])) {
    if (start < cursor || end <= start || end > text.length) {
      continue;
    }
    if (start > cursor) {
      pieces.push({ text: text.slice(cursor, start), matched: false });
    }
    pieces.push({ text: text.slice(start, end), matched: true });
    cursor = end;
  }
  if (cursor < text.length) {
    pieces.push({ text: text.slice(cursor), matched: false });
  }
  return pieces;
}
