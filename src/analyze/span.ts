/**
 * A stretch of a run, in seconds since its time zero: [fromS, toS). The one
 * span type of the analysis (degraded windows, cold windows, breaching bins)
 * and of the observers' findings that are read within those windows.
 */
export interface Span {
  fromS: number;
  toS: number;
}

/** A degraded window of one endpoint (null: the whole run), and the kind of break that made it. */
export interface DegradedSpan extends Span {
  endpoint: string | null;
  kind: string;
}

/** Whether [fromS, toS) overlaps any of `spans`. */
export const overlapsAny = (a: Span, spans: readonly Span[]): boolean => spans.some((s) => a.fromS < s.toS && s.fromS < a.toS);

/** Whether the instant `tS` falls in any of `spans`. */
export const inAny = (tS: number, spans: readonly Span[]): boolean => spans.some((s) => tS >= s.fromS && tS < s.toS);

/** "12–30 s, 45–50 s": whole seconds, outward. */
export const spanText = (spans: readonly Span[]): string => spans.map((s) => `${Math.floor(s.fromS)}–${Math.ceil(s.toS)} s`).join(', ');
