/**
 * Rate curve → profile stages, with few stages: bottom-up piecewise-linear
 * segmentation. Every interval starts as its own segment; the adjacent pair
 * whose merged least-squares line fits tightest (smallest weighted RMS
 * residual) is merged, again and again, while that residual stays within the
 * tolerance, and beyond it until at most `maxStages` remain. Each segment
 * becomes a ramp (`from`/`to` at its ends) or, when nearly flat, a hold.
 * Prefix sums make a merge's cost O(1) and a lazy heap finds the best merge,
 * so a curve of 100 000 intervals segments in well under a second.
 */
import type { Stage } from '../../scenario/profile.js';
import { createMinHeap } from '../logs/reorder.js';
import { roundSig } from '../../core/round.js';

/** How far the stages may stray from the curve. */
export interface SegmentOptions {
  /** Largest weighted RMS residual (requests/s) a merged segment may keep. */
  toleranceRps: number;
  /** Upper bound on the number of stages (default 48). */
  maxStages?: number;
}

interface Sums { w: number; x: number; y: number; xx: number; xy: number; yy: number }

const prefixSums = (xs: readonly number[], ys: readonly number[], ws: readonly number[]): Sums[] => {
  const out: Sums[] = [{ w: 0, x: 0, y: 0, xx: 0, xy: 0, yy: 0 }];
  for (let i = 0; i < ys.length; i++) {
    const p = out[i] as Sums;
    const [x, y, w] = [xs[i] as number, ys[i] as number, ws[i] as number];
    out.push({ w: p.w + w, x: p.x + w * x, y: p.y + w * y, xx: p.xx + w * x * x, xy: p.xy + w * x * y, yy: p.yy + w * y * y });
  }
  return out;
};

/** Weighted least-squares line over points a..b (inclusive): value at x, and RMS residual. */
const lineFit = (ps: Sums[], a: number, b: number): { at: (x: number) => number; rms: number; mean: number } => {
  const hi = ps[b + 1] as Sums;
  const lo = ps[a] as Sums;
  const w = hi.w - lo.w;
  const sx = hi.x - lo.x;
  const sy = hi.y - lo.y;
  const cxx = hi.xx - lo.xx - (sx * sx) / w;
  const cxy = hi.xy - lo.xy - (sx * sy) / w;
  const cyy = hi.yy - lo.yy - (sy * sy) / w;
  const slope = cxx > 1e-12 ? cxy / cxx : 0;
  const mx = sx / w;
  const my = sy / w;
  const sse = Math.max(0, cxx > 1e-12 ? cyy - (cxy * cxy) / cxx : cyy);
  return { at: (x) => my + slope * (x - mx), rms: Math.sqrt(sse / w), mean: my };
};

/** A segment of the curve: intervals a..b (inclusive). */
export interface Segment { a: number; b: number }

/** Segments the points (x = interval midpoints, weights = interval lengths). */
export const segmentCurve = (
  xs: readonly number[], ys: readonly number[], ws: readonly number[], opts: SegmentOptions,
): Segment[] => {
  const n = ys.length;
  if (n === 0) return [];
  const ps = prefixSums(xs, ys, ws);
  const maxStages = Math.max(1, opts.maxStages ?? 48);
  const start = Array.from({ length: n }, (_, i) => i);
  const end = Array.from({ length: n }, (_, i) => i);
  const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = Array.from({ length: n }, (_, i) => i - 1);
  const version = new Array<number>(n).fill(0);
  const alive = new Array<boolean>(n).fill(true);
  const heap = createMinHeap<{ left: number; vl: number; vr: number }>();
  const offer = (left: number): void => {
    const right = next[left] as number;
    if (left < 0 || right < 0) return;
    heap.push(lineFit(ps, start[left] as number, end[right] as number).rms, { left, vl: version[left] as number, vr: version[right] as number });
  };
  for (let i = 0; i + 1 < n; i++) offer(i);
  let count = n;
  while (count > 1 && heap.size > 0) {
    const cost = heap.peekKey();
    const e = heap.pop()?.v;
    if (e === undefined) break;
    const right = next[e.left] as number;
    if (!alive[e.left] || right < 0 || version[e.left] !== e.vl || version[right] !== e.vr) continue;
    if (cost > opts.toleranceRps && count <= maxStages) break;
    // Merge right into left.
    end[e.left] = end[right] as number;
    next[e.left] = next[right] as number;
    if ((next[right] as number) >= 0) prev[next[right] as number] = e.left;
    alive[right] = false;
    version[e.left] = (version[e.left] as number) + 1;
    count--;
    offer(e.left);
    if ((prev[e.left] as number) >= 0) offer(prev[e.left] as number);
  }
  const out: Segment[] = [];
  for (let i = 0; i >= 0 && i < n; i = next[i] as number) out.push({ a: start[i] as number, b: end[i] as number });
  return out;
};

/**
 * Stages from a curve: one per segment, a ramp between the segment line's
 * values at its two ends (clamped at 0), or a hold at its mean when the ends
 * differ by less than half the tolerance. Rates keep 4 significant digits.
 */
export const curveToStages = (
  durationsS: readonly number[], ys: readonly number[], opts: SegmentOptions,
): { stages: Stage[]; segments: Segment[] } => {
  const xs: number[] = [];
  let t = 0;
  for (const d of durationsS) {
    xs.push(t + d / 2);
    t += d;
  }
  const segments = segmentCurve(xs, ys, durationsS, opts);
  const ps = prefixSums(xs, ys, durationsS);
  const stages: Stage[] = [];
  for (const seg of segments) {
    const startS = (xs[seg.a] as number) - (durationsS[seg.a] as number) / 2;
    const endS = (xs[seg.b] as number) + (durationsS[seg.b] as number) / 2;
    const durationMs = Math.round((endS - startS) * 1000);
    const line = lineFit(ps, seg.a, seg.b);
    const from = Math.max(0, line.at(startS));
    const to = Math.max(0, line.at(endS));
    const prevStage = stages[stages.length - 1];
    if (seg.a === seg.b || Math.abs(to - from) < opts.toleranceRps / 2) {
      const rateRps = roundSig(Math.max(0, line.mean));
      if (prevStage?.kind === 'hold' && prevStage.rateRps === rateRps) prevStage.durationMs += durationMs;
      else stages.push({ kind: 'hold', durationMs, rateRps });
    } else {
      stages.push({ kind: 'ramp', durationMs, fromRps: roundSig(from), toRps: roundSig(to) });
    }
  }
  return { stages, segments };
};
