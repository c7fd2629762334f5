/**
 * Names fitted into a table column so that they stay distinct: a plain cut
 * (`get-tenants-tenan…`) would make `get-tenants-tenant-orders` and
 * `get-tenants-tenant-dashboard` look the same, so a name whose cut would
 * collide keeps its tail instead (`get-tenan…-orders`, `get-tenan…-dashboard`),
 * with the ellipsis as far right as still tells the names apart.
 *
 * Widths are in code points (one column each: the report does not measure
 * East Asian wide characters; a surrogate pair is never split).
 */

const cut = (chars: readonly string[], widthCols: number, headCols: number): string =>
  `${chars.slice(0, headCols).join('')}…${chars.slice(chars.length - (widthCols - 1 - headCols)).join('')}`;

/** Index where the word holding `chars[at]` starts: just after the nearest `-`, `_`, `/`, `.`, `:` or space before it. */
const wordStart = (chars: readonly string[], at: number): number => {
  let i = Math.min(at, chars.length);
  while (i > 0 && !/[-_/.: ]/.test(chars[i - 1]!)) i--;
  return i > 0 ? i - 1 : i;
};

/**
 * `names` fitted into `widthCols` columns each, in the same order. Invariants:
 * no result is wider than `widthCols`; a name that fits is unchanged; distinct
 * names give distinct results whenever `widthCols` leaves room for them (the
 * last resort numbers the remaining look-alikes: `…~2`).
 */
export const fitNames = (names: readonly string[], widthCols: number): string[] => {
  const w = Math.max(0, Math.floor(widthCols));
  const chars = names.map((n) => Array.from(n));
  const fits = (c: readonly string[]): boolean => c.length <= w;
  const short = new Set(names.filter((_, i) => fits(chars[i]!)));
  const long = chars.filter((c) => !fits(c));
  const fitted = names.map((name, i) => {
    const c = chars[i]!;
    if (fits(c)) return name;
    if (w === 0) return '';
    const distinct = (head: number): boolean => {
      const mine = cut(c, w, head);
      return !short.has(mine) && long.every((o) => o === c || o.join('') === name || cut(o, w, head) !== mine);
    };
    for (let head = w - 1; head >= 0; head--) {
      if (!distinct(head)) continue;
      // A tail is kept whole from the start of its word (`…-orders`, not `…s`) when that still fits and tells the names apart.
      const word = wordStart(c, c.length - (w - 1 - head));
      const wider = w - 1 - (c.length - word);
      return head < w - 1 && wider >= 1 && wider < head && distinct(wider) ? cut(c, w, wider) : cut(c, w, head);
    }
    return cut(c, w, w - 1);
  });
  return numberLookAlikes(names, fitted, w);
};

/** Distinct names that still fit to the same text get `~2`, `~3`, … in their last columns (when there is room). */
const numberLookAlikes = (names: readonly string[], fitted: string[], w: number): string[] => {
  const seen = new Map<string, string[]>();
  return fitted.map((f, i) => {
    const owners = seen.get(f) ?? [];
    if (!owners.includes(names[i]!)) owners.push(names[i]!);
    seen.set(f, owners);
    const n = owners.indexOf(names[i]!) + 1;
    if (n === 1) return f;
    const tag = `~${n}`;
    return w > tag.length ? `${Array.from(f).slice(0, w - tag.length - 1).join('')}…${tag}` : f;
  });
};

/** `fitNames` as a lookup from each name to its fitted text. */
export const fittedNames = (names: readonly string[], widthCols: number): Map<string, string> => {
  const fitted = fitNames(names, widthCols);
  return new Map(names.map((n, i) => [n, fitted[i]!]));
};
