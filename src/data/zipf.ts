/**
 * Tenant sizes: a fixed total of rows apportioned over N tenants by Zipf(s)
 * (docs/algorithms.md §1). Shares are exact (`k^-s / Σ i^-s`), rounding is largest
 * remainder (Hamilton), so sizes sum to the total exactly and every tenant
 * gets ⌊quota⌋ or ⌈quota⌉ above the minimum. Sizes are indexed by rank
 * (rank 0 = largest); which tenant gets which rank is decided elsewhere (ages.ts).
 */

/** Zipf(s) probabilities of ranks 1..n (index 0 = rank 1); s = 0 is uniform. */
export const zipfShares = (n: number, s: number): Float64Array => {
  const p = new Float64Array(n);
  let sum = 0;
  // Summing from the smallest term keeps the total accurate for large n.
  for (let k = n; k >= 1; k--) {
    const w = Math.pow(k, -s);
    p[k - 1] = w;
    sum += w;
  }
  for (let k = 0; k < n; k++) p[k] = (p[k] ?? 0) / sum;
  return p;
};

/**
 * Largest-remainder apportionment of `total` rows over ranks with the given
 * shares, after giving every rank `min` rows. Returns sizes by rank; their sum
 * is exactly `total`. Ties of remainders go to the better (lower) rank.
 * Throws a RangeError when `min * shares.length > total`.
 */
export const apportion = (shares: Float64Array, total: number, min = 0): Float64Array => {
  const n = shares.length;
  const sizes = new Float64Array(n);
  if (n === 0) return sizes;
  const rest = total - min * n;
  if (rest < 0) throw new RangeError(`minimum ${min} x ${n} tenants exceeds ${total} rows`);
  const remainders = new Float64Array(n);
  let given = 0;
  for (let k = 0; k < n; k++) {
    const quota = (shares[k] ?? 0) * rest;
    const whole = Math.floor(quota);
    sizes[k] = min + whole;
    remainders[k] = quota - whole;
    given += whole;
  }
  let left = rest - given;
  if (left > 0) {
    const order = Array.from({ length: n }, (_, k) => k);
    order.sort((a, b) => (remainders[b] ?? 0) - (remainders[a] ?? 0) || a - b);
    // Rounding error can at worst leave n rows over; hand them out in remainder order.
    for (let idx = 0; left > 0; idx = (idx + 1) % n, left--) {
      const k = order[idx] ?? 0;
      sizes[k] = (sizes[k] ?? 0) + 1;
    }
  }
  return sizes;
};
