/**
 * Redaction: a registered secret is replaced in every form output may carry
 * it in: as is, URL-encoded, base64 (any alignment) and inside a Basic header.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { base64Forms, clearSecrets, redact, redactUrl, redactUrlPasswords, registerSecret } from '../../src/core/secrets.js';

afterEach(() => clearSecrets());

const SECRET = 'super secret/key+1&é';

describe('redact', () => {
  it('replaces the secret as is and in every URL-encoded form', () => {
    registerSecret(SECRET);
    const url = new URL(`http://127.0.0.1:9100/metrics?token=${SECRET}`);
    const texts = [
      `plain ${SECRET} end`,
      `component ${encodeURIComponent(SECRET)} end`,
      `lower ${encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())} end`,
      `form ${new URLSearchParams({ t: SECRET }).toString()} end`,
      `uri ${encodeURI(SECRET)} end`,
      `href ${url.href} end`,
      `path ${new URL(`http://h/a/${SECRET}`).pathname} end`,
    ];
    for (const t of texts) {
      const out = redact(t);
      expect(out, t).toContain('***');
      expect(out, t).not.toMatch(/super|secret/);
    }
  });

  it('replaces the base64 and base64url of the secret at each of the three byte alignments', () => {
    registerSecret('tok_9f8e7d6c5b4a3210');
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:', 'ключ']) {
      for (const enc of ['base64', 'base64url'] as const) {
        const b64 = Buffer.from(`${prefix}tok_9f8e7d6c5b4a3210!?>`).toString(enc);
        const out = redact(`x ${b64} y`);
        expect(out, `${prefix} ${enc}`).toContain('***');
        // What is left of the encoding decodes to no more than 2 bytes of the secret on each side.
        expect(out.length, `${prefix} ${enc}`).toBeLessThan(b64.length + 4 - 20);
      }
    }
    expect(redact(Buffer.from('tok_9f8e7d6c5b4a3210').toString('base64'))).toBe('***');
  });

  it('redacts a Basic authorization header whose user:password holds a short secret', () => {
    registerSecret('pw42x');
    expect(base64Forms('pw42x').filter((f) => f.length < 8 && f !== Buffer.from('pw42x').toString('base64') && f !== Buffer.from('pw42x').toString('base64url'))).toEqual([]);
    const header = `Authorization: Basic ${Buffer.from('admin:pw42x').toString('base64')}`;
    expect(redact(header)).toBe('Authorization: Basic ***');
    // A Basic header without a secret is left alone.
    const other = `Authorization: Basic ${Buffer.from('admin:public').toString('base64')}`;
    expect(redact(other)).toBe(other);
  });

  it('redacts the Basic header made of a URL\'s user and password', () => {
    registerSecret('postgres://app:s3cr%40t@db:5432/x');
    expect(redact('s3cr@t and s3cr%40t')).toBe('*** and ***');
    expect(redact(Buffer.from('app:s3cr@t').toString('base64'))).toBe('***');
  });

  it('leaves text alone when nothing is registered, and short values unregistered', () => {
    registerSecret('abc');
    expect(redact('abc abc')).toBe('abc abc');
  });
});

describe('redactUrlPasswords / redactUrl', () => {
  it('keeps the user and hides the password of every URL in a text', () => {
    expect(redactUrlPasswords('--target http://ops:hunter2@10.0.0.5:8080/api and https://u:p%40ss@h/')).toBe('--target http://ops:***@10.0.0.5:8080/api and https://u:***@h/');
    expect(redactUrlPasswords('http://10.0.0.5:8080/a:b@c')).toBe('http://10.0.0.5:8080/a:b@c');
  });

  it('redacts registered secrets in a URL too', () => {
    registerSecret('q-secret-value');
    expect(redactUrl(new URL('http://u:pw@127.0.0.1/m?t=q-secret-value'))).toBe('http://u:***@127.0.0.1/m?t=***');
  });
});
