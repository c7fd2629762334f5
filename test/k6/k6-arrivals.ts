/**
 * When k6's ramping-arrival-rate executor starts each iteration: iteration i
 * (from 1) when the area under the rate curve reaches i
 * (lib/executor/ramping_arrival_rate.go). Times in ms from the scenario's start.
 */
import { parseDurationMs } from '../../src/core/duration.js';

export interface K6StageOption { duration: string; target: number }

export const k6ArrivalTimesMs = (startRate: number, timeUnitS: number, stages: K6StageOption[]): number[] => {
  const out: number[] = [];
  let from = startRate / timeUnitS;
  let done = 0;
  let stageStartS = 0;
  let i = 1;
  for (const st of stages) {
    const d = (parseDurationMs(st.duration) ?? 0) / 1000;
    const to = st.target / timeUnitS;
    const end = done + (d * (from + to)) / 2;
    for (; i <= end; i++) {
      const c = i - done;
      const x = to === from ? c / from : (-from + Math.sqrt(from * from + (2 * (to - from) * c) / d)) / ((to - from) / d);
      out.push((stageStartS + x) * 1000);
    }
    done = end;
    from = to;
    stageStartS += d;
  }
  return out;
};
