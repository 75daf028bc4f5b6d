// Longest `sel=` the URL carries. A selection of scattered samples out of 100,000 would make links of many kilobytes
// (browsers and chat tools cut them); such a selection lives in the page only and the URL drops `sel`.
export const MAX_SELECTION_PARAM = 2000;

/**
 * A selection as text for the URL: runs of consecutive indices in base 36, `0-b.1a.2s-3f` = 0–11, 46, 100–123.
 * → null when it would be longer than MAX_SELECTION_PARAM.
 */
export function encodeSelection(indices: Iterable<number>): string | null {
  const sorted = Int32Array.from(indices).sort();
  const runs: string[] = [];
  let length = 0;
  for (let k = 0; k < sorted.length; ) {
    let end = k;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end++;
    const run = end === k ? sorted[k].toString(36) : `${sorted[k].toString(36)}-${sorted[end].toString(36)}`;
    length += run.length + 1;
    if (length > MAX_SELECTION_PARAM) return null;
    runs.push(run);
    k = end + 1;
  }
  return runs.join('.');
}

/** `encodeSelection`'s text back to indices; a malformed run is skipped (a hand-edited link keeps the rest). */
export function decodeSelection(text: string): number[] {
  const out: number[] = [];
  for (const run of text.split('.')) {
    const [a, b] = run.split('-').map((p) => parseInt(p, 36));
    if (!Number.isInteger(a) || a < 0) continue;
    const end = b === undefined ? a : b;
    if (!Number.isInteger(end) || end < a || end - a > 10_000_000) continue;
    for (let i = a; i <= end; i++) out.push(i);
  }
  return out;
}
