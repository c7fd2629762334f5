/**
 * A synthetic run with one of everything for the rendering tests: a ramp
 * into a pool of 10 slots (saturation, pool gauges), a dashboard that is slow
 * for the biggest tenants (skew), a deploy that makes requests slow for 5 s
 * (cold cache), and SLOs of which one fails.
 */
import { ramp, synthRun, zipfTenants } from '../analyze/synth.js';

export const richRun = (): string => {
  const tenants = zipfTenants(300, 100_000, 0);
  return synthRun({
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
    events: [{ t_s: 15, action: 'deploy' }],
    slo: ['p99<250ms', 'errors<1%'],
    meta: { scenario: 'saas-orders', profile: 'breakpoint', target: 'http://127.0.0.1:8080' },
  });
};
