/**
 * Secrets: every value read from the environment through `${NAME}` in a
 * scenario (auth headers, tokens, database passwords) is registered here, and
 * `redact` replaces it wherever text leaves the process (logs, reports, run
 * directories, event output), as is, URL-encoded and base64-encoded. Values
 * shorter than 4 characters are not registered: redacting them would mangle
 * ordinary text.
 */

const secretValues = new Set<string>();
/** Every registered form, longest first (a form inside a longer one must not break it up). */
let forms: string[] = [];

/** Shorter values are not registered: redacting them would mangle ordinary text. */
const MIN_SECRET_CHARS = 4;
/** Shortest base64 fragment redacted (a 4-character secret gives 5 characters, too common to hide). */
const MIN_BASE64_CHARS = 8;

/**
 * The base64 and base64url text that encodes `value` wherever it sits in a
 * longer string: for each of the three byte alignments, the characters that
 * depend on the value's bytes alone (`user:secret` in a Basic header holds the
 * secret at alignment 5 mod 3 = 2), and the whole encoding of the value alone.
 */
export const base64Forms = (value: string): string[] => {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (const enc of ['base64', 'base64url'] as const) {
    out.push(bytes.toString(enc));
    for (let align = 0; align < 3; align++) {
      const text = Buffer.concat([Buffer.alloc(align), bytes]).toString(enc);
      // Character k carries bits 6k..6k+5; keep those inside the value's bits [8·align, 8·(align+len)).
      const core = text.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
      if (core.length >= MIN_BASE64_CHARS) out.push(core);
    }
  }
  return out;
};

/**
 * The URL-encoded forms of `value`: `encodeURIComponent` (upper- and
 * lower-case hex), form encoding (`+` for a space), `encodeURI`, and what a
 * URL's query and path make of it.
 */
export const urlEncodedForms = (value: string): string[] => {
  const component = encodeURIComponent(value);
  const escaped = value.replace(/[?#%]/g, (c) => encodeURIComponent(c));
  return [
    component,
    component.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    new URLSearchParams({ k: value }).toString().slice(2),
    encodeURI(value),
    new URL(`http://h/?${value.replace(/#/g, '%23')}`).search.slice(1),
    new URL(`http://h/p/${escaped}`).pathname.slice(3),
  ];
};

/** Every form of `value` that output may carry: as is, URL-encoded, base64. */
export const secretForms = (value: string): string[] =>
  [...new Set([value, ...urlEncodedForms(value), ...base64Forms(value)])].filter((f) => f.length >= MIN_SECRET_CHARS);

const add = (value: string): void => {
  if (value.length < MIN_SECRET_CHARS || secretValues.has(value)) return;
  secretValues.add(value);
  forms = [...new Set([...forms, ...secretForms(value)])].sort((a, b) => b.length - a.length);
};

/**
 * Forgets every registered secret. For a process that runs one thing after
 * another and must not carry one's secrets into the next (the unit tests run
 * their files in one process per worker); a run never calls it.
 */
export const forgetSecrets = (): void => {
  secretValues.clear();
  forms = [];
};

/** Registers a value that must never appear in any output, in any of its forms (`secretForms`). */
export const registerSecret = (value: string): void => {
  add(value);
  // URLs carry passwords inside: register the password part on its own too, and the Basic header made of the pair.
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^:/@\s]*):([^@/\s]+)@/i.exec(value);
  if (m?.[1] !== undefined && m[2] !== undefined && m[2].length >= MIN_SECRET_CHARS) {
    const password = safeDecode(m[2]);
    add(m[2]);
    add(password);
    const basic = Buffer.from(`${safeDecode(m[1])}:${password}`).toString('base64');
    forms = [...new Set([...forms, basic])].sort((a, b) => b.length - a.length);
  }
};

/** decodeURIComponent, or the text as written when it holds a lone `%`. */
export const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    // A lone `%` is not an escape: the text is taken as written.
    if (e instanceof URIError) return text;
    throw e;
  }
};

/** `Basic <base64>` whose decoded `user:password` holds a secret: the base64 is replaced. */
const redactBasic = (text: string): string =>
  text.replace(/(\bBasic\s+)([A-Za-z0-9+/_-]{4,}={0,2})/gi, (all, prefix: string, b64: string) => {
    const decoded = Buffer.from(b64, 'base64').toString('utf8');
    return [...secretValues].some((s) => decoded.includes(s)) ? `${prefix}***` : all;
  });

/** Replaces every registered secret in `text`, in every form (`secretForms`, Basic headers), with `***`. */
export const redact = (text: string): string => {
  if (secretValues.size === 0) return text;
  // Basic headers first: their base64 is decoded whole, before a form inside it is replaced.
  let out = /basic/i.test(text) ? redactBasic(text) : text;
  for (const f of forms) if (out.includes(f)) out = out.split(f).join('***');
  return out;
};

/** Replaces the password of every `scheme://user:password@` in `text` with `***` (`user:***@host`). */
export const redactUrlPasswords = (text: string): string =>
  text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s@/?#]*@/gi, '$1***@');

/** A URL for output: its password and every registered secret redacted. */
export const redactUrl = (url: URL | string): string => redact(redactUrlPasswords(String(url)));

/** Deep-redacts strings inside a JSON-like value (for objects written to files). */
export const redactDeep = <T>(value: T): T => {
  if (secretValues.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
};

/** Header names whose values are always secret, whatever their source. */
export const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token)$/i;

/** For tests: forget every registered secret. */
export const clearSecrets = (): void => {
  secretValues.clear();
  forms = [];
};
