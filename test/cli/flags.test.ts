/**
 * A misspelled flag is refused with the nearest known flag of that command
 * named, exit 1; a number flag given text says the text as typed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { rawFlagText, rejectNonNumbers, withFlagSuggestions } from '../../src/cli/cli.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

describe('unknown flags', () => {
  beforeAll(() => ensureBuilt());

  it('names each misspelled flag once (not its camelCase twin), with a suggestion when one is close', () => {
    expect(withFlagSuggestions('Unknown arguments: rate-scal, rateScal, jsn', ['rate-scale', 'speed', 'json-out']))
      .toBe('unknown option --rate-scal (did you mean --rate-scale?); unknown option --jsn');
    expect(withFlagSuggestions('Unknown argument: x', ['speed'])).toBe('unknown option -x');
    expect(withFlagSuggestions('Missing required argument: out', ['out'])).toBe('Missing required argument: out');
  });

  it('suggests from the command\'s own options through the built CLI, exit 1, no stack trace', async () => {
    const replay = await runCli(['replay', '--profile', 'steady', '--rate-scal', '2']);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/unknown option --rate-scal \(did you mean --rate-scale\?\)/);
    expect(replay.stderr).not.toMatch(/\n\s+at /);
    const generate = await runCli(['generate', '--scenario', 'x', '--out', 'y', '--scael', '2']);
    expect(generate.code).toBe(1);
    expect(generate.stderr).toMatch(/unknown option --scael \(did you mean --scale\?\)/);
  });
});

describe('number flags given text', () => {
  it('finds the text as typed, in either form, the last one winning', () => {
    expect(rawFlagText(['replay', '--rate-scale', 'abc'], 'rate-scale')).toBe('abc');
    expect(rawFlagText(['--rate-scale=1e', '--speed', '2'], 'rate-scale')).toBe('1e');
    expect(rawFlagText(['--speed', 'x', '--speed=y'], 'speed')).toBe('y');
    expect(rawFlagText(['--speedy', 'x'], 'speed')).toBeNull();
  });

  it('refuses a NaN under the dashed name with the typed text, and lets numbers and other values pass', () => {
    expect(() => rejectNonNumbers({ 'rate-scale': Number.NaN, rateScale: Number.NaN }, ['--rate-scale', 'abc']))
      .toThrow('expected a number, got "abc"');
    expect(() => rejectNonNumbers({ slo: ['p99<1s'], speed: 2, workers: [1, Number.NaN] }, ['--workers', '1', '--workers', 'two']))
      .toThrow(/--workers.*"two"/s);
    expect(() => rejectNonNumbers({ speed: 2, target: 'http://x', _: ['replay'] }, [])).not.toThrow();
  });
});
