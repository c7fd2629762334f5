import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { eventsForActions, expectedArrivals, parseProfile, profileDurationMs, rateAtRps, transformProfile } from '../../src/scenario/profile.js';

const SPIKE = `# A 3x spike.
name: spike-3x
arrival: poisson
stages:
  - { duration: 30s, rate: 100 }
  - { duration: 20s, rate: 300 }
  - { duration: 30s, rate: 100 }
  - { duration: 60s, from: 100, to: 800 }
events:
  - { at: 10s, action: deploy }
`;

describe('profiles', () => {
  it('parses the example profile of docs/design.md', () => {
    const p = parseProfile(SPIKE, 'spike.yaml');
    expect(p.name).toBe('spike-3x');
    expect(p.description).toBe('A 3x spike.');
    expect(p.stages).toHaveLength(4);
    expect(profileDurationMs(p)).toBe(140_000);
    expect(p.events).toEqual([{ atMs: 10_000, action: 'deploy', optional: false }]);
  });
  it('gives the rate at any moment and integrates exactly', () => {
    const p = parseProfile(SPIKE);
    expect(rateAtRps(p, 0)).toBe(100);
    expect(rateAtRps(p, 30_000)).toBe(300);
    expect(rateAtRps(p, 80_000 + 30_000)).toBeCloseTo(450);
    expect(rateAtRps(p, 140_000)).toBe(0);
    // 30*100 + 20*300 + 30*100 + 60*(100+800)/2
    expect(expectedArrivals(p)).toBeCloseTo(3000 + 6000 + 3000 + 27_000, 6);
    expect(expectedArrivals(p, 30_000, 50_000)).toBeCloseTo(6000, 6);
  });
  it('compresses time with speed, scales rates, truncates', () => {
    const p = transformProfile(parseProfile(SPIKE), { speed: 10, rateScale: 2, durationLimitMs: 9000 });
    expect(profileDurationMs(p)).toBe(9000);
    expect(rateAtRps(p, 0)).toBe(200);
    expect(rateAtRps(p, 3500)).toBe(600);
    expect(p.events[0]?.atMs).toBe(1000);
    // the ramp is cut at 1 s of its 6 s: 100→800 scaled x2, a sixth of the way
    const last = p.stages[p.stages.length - 1];
    expect(last).toMatchObject({ kind: 'ramp', fromRps: 200 });
    expect(last?.kind === 'ramp' ? last.toRps : NaN).toBeCloseTo(200 + 1400 / 6, 6);
    expect(p.applied).toEqual({ speed: 10, rateScale: 2, durationLimitMs: 9000 });
  });
  it('reports every problem with its line and field', () => {
    const bad = `name: x
arival: poisson
stages:
  - { duration: 10 parsecs, rate: 5 }
  - { duration: 5s, rate: 5, from: 1, to: 2 }
  - { duration: 5s, rate: -1 }
events:
  - { at: 1h, action: deploy }
`;
    let caught: unknown;
    try {
      parseProfile(bad, 'bad.yaml');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    const msg = (caught as InputError).message;
    expect(msg).toContain('bad.yaml:2: arival: unknown key (did you mean "arrival"?)');
    expect(msg).toContain('bad.yaml:4: stages[0].duration: expected a duration');
    expect(msg).toContain('bad.yaml:5: stages[1]: a stage is either a hold');
    expect(msg).toContain('bad.yaml:6: stages[2].rate: expected a number >= 0, got -1');
    expect(msg).toContain('bad.yaml:8: events[0].at: is after the end of the profile');
  });
  it('optional events: skipped for a scenario without the action, kept for one with it; a bad flag is an error', () => {
    const p = parseProfile(`${SPIKE}  - { at: 20s, action: deploy, optional: true }\n  - { at: 30s, action: flush, optional: true }\n`, 'opt.yaml');
    expect(p.events.map((e) => [e.action, e.optional])).toEqual([['deploy', false], ['deploy', true], ['flush', true]]);
    const split = eventsForActions(p.events, ['deploy']);
    expect(split.fire.map((e) => e.atMs)).toEqual([10_000, 20_000]);
    expect(split.skipped.map((e) => e.action)).toEqual(['flush']);
    // A required event without its action is not skipped: the replay's check rejects it.
    expect(eventsForActions(p.events, []).fire.map((e) => e.atMs)).toEqual([10_000]);
    expect(() => parseProfile(`${SPIKE}  - { at: 20s, action: deploy, optional: yes please }\n`, 'opt.yaml')).toThrow(/opt\.yaml:\d+: events\[1\]\.optional: expected/);
  });
});

