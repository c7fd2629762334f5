/** A misspelled flag is refused with the nearest known flag of that command named, exit 1. */
import { beforeAll, describe, expect, it } from 'vitest';
import { withFlagSuggestions } from '../../src/cli/cli.js';
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
