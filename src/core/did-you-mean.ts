/**
 * "Did you mean …?" for a misspelled name: the closest candidate by edit
 * distance when it is close enough to be a typo. Used for unknown keys in
 * scenario and profile files and for unknown command-line flags. No
 * dependencies, so the CLI can load it at start.
 */

/** Levenshtein distance, for "did you mean" hints on unknown keys. */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
};

/** The closest of `candidates` to `word`, when close enough to be a typo. */
export const didYouMean = (word: string, candidates: readonly string[]): string | null => {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
};


/**
 * ` (did you mean "x"?)` after a message, or nothing when no candidate was
 * close; a command-line flag as it is typed: ` (did you mean --x?)`.
 */
export const meantText = (near: string | null, as: 'quoted' | 'flag' = 'quoted'): string =>
  near === null ? '' : ` (did you mean ${as === 'flag' ? `--${near}` : `"${near}"`}?)`;
