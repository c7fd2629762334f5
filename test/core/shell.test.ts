/** Command lines printed for people to copy: quoted for POSIX sh, passwords and secrets redacted. */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, registerSecret } from '../../src/core/secrets.js';
import { commandLine, shellQuote } from '../../src/core/shell.js';

afterEach(() => clearSecrets());

/** What sh makes of a command line: its arguments, one per line (printf through the real shell). */
const shWords = (line: string): string[] =>
  execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' }).split('\n').slice(0, -1);

describe('shellQuote', () => {
  it('leaves plain arguments alone and single-quotes the rest', () => {
    expect(shellQuote('--scenario')).toBe('--scenario');
    expect(shellQuote('http://127.0.0.1:8080/api')).toBe('http://127.0.0.1:8080/api');
    expect(shellQuote('p99<300ms')).toBe("'p99<300ms'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it('round-trips awkward arguments through sh unchanged', () => {
    const args = ['p99<300ms', 'errors<1%', "it's $HOME `id` \"q\"", 'a b\tc', '', '*', '~/x', '!', 'line\nbreak', ';&|()'];
    expect(shWords(args.map(shellQuote).join(' '))).toEqual(args.flatMap((a) => a.split('\n')));
  });
});

describe('commandLine', () => {
  it('redacts URL passwords and registered secrets, then quotes', () => {
    registerSecret('tok_9f8e7d6c5b4a3210');
    const line = commandLine(['prodshape', 'k6', '--target', 'http://ops:hunter2@10.0.0.5:8080', '--slo', 'p99<300ms', '--target=https://u:pw@h', '-e', 'T=tok_9f8e7d6c5b4a3210']);
    expect(line).toBe("prodshape k6 --target 'http://ops:***@10.0.0.5:8080' --slo 'p99<300ms' '--target=https://u:***@h' -e 'T=***'");
    expect(line).not.toMatch(/hunter2|tok_9f8e/);
  });
});
