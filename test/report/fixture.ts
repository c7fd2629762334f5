/**
 * A synthetic run with one of everything for the rendering tests: a ramp
 * into a pool of 10 slots (saturation, pool gauges), a dashboard that is slow
 * for the biggest tenants (skew), a deploy that makes requests slow for 5 s
 * (cold cache), a burst of 5xx on list-orders at 40-44 s with scattered 4xx
 * and timeouts in the last 10 s (errors by class), SLOs of which one fails,
 * and a profile with a clock played at --speed 30 (45 minutes standing for
 * 08:30–10:00, in 90 s).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../src/run/format.js';
import { ramp, synthRun, zipfTenants } from '../analyze/synth.js';

/** The rich run's profile (as the run directory keeps it: before --speed 30): 0–30 s of the run is 08:30–09:00, 30–90 s is 09:00–10:00. */
export const RICH_PROFILE = `name: breakpoint
stages:
  - { duration: 15m, from: 40, to: 160, clock: "08:30" }
  - { duration: 30m, from: 160, to: 400, clock: "09:00" }
clock_end: "10:00"
`;

export const richRun = (): string => {
  const tenants = zipfTenants(300, 100_000, 0);
  const dir = synthRun({
    seed: 3,
    durationS: 90,
    rate: ramp(40, 400, 90),
    endpoints: [{ name: 'list-orders', weight: 6 }, { name: 'dashboard', weight: 3 }],
    slots: 10,
    tenants,
    gauges: true,
    tenantWindows: true,
    serviceMs: (q, rng) => {
      let ms = 20 + rng() * 10;
      if (q.t >= 15 && q.t < 20) ms *= 3;
      if (q.endpoint === 'dashboard' && q.tenant?.cls === 'top1') ms += 60;
      return ms;
    },
    // Errors from the arrival time alone (no draw from the service stream, so the latencies stay as they were).
    error: (q) => {
      const k = Math.floor(q.t * 1e4);
      if (q.endpoint === 'list-orders' && q.t >= 40 && q.t < 44 && k % 5 === 0) return '5xx';
      if (q.t >= 80 && k % 50 === 3) return 'timeout';
      return k % 400 === 7 ? '4xx' : null;
    },
    events: [{ t_s: 15, action: 'deploy' }],
    slo: ['p99<250ms', 'errors<1%'],
    meta: { scenario: 'saas-orders', profile: 'breakpoint', target: 'http://127.0.0.1:8080', speed: 30 },
  });
  writeFileSync(join(dir, RUN_FILES.profile), RICH_PROFILE);
  return dir;
};
