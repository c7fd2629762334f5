/** Tiny array helpers shared by the analysis modules. */

/** Sum of the numbers in `xs` (0 when empty). */
export const sum = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0);
