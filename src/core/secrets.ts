/**
 * Secrets: every value read from the environment through `${NAME}` in a
 * scenario (auth headers, tokens, database passwords) is registered here, and
 * `redact` replaces it wherever text leaves the process (logs, reports, run
 * directories, event output). Values shorter than 4 characters are not
 * registered: redacting them would mangle ordinary text.
 */

const secretValues = new Set<string>();

/** Registers a value that must never appear in any output. */
export const registerSecret = (value: string): void => {
  if (value.length >= 4) secretValues.add(value);
  // URLs carry passwords inside: register the password part on its own too.
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:([^@/\s]+)@/i.exec(value);
  if (m?.[1] !== undefined && m[1].length >= 4) {
    secretValues.add(m[1]);
    secretValues.add(decodeURIComponent(m[1]));
  }
};

/** Replaces every registered secret in `text` with `***`. */
export const redact = (text: string): string => {
  let out = text;
  for (const s of secretValues) if (out.includes(s)) out = out.split(s).join('***');
  return out;
};

/** Deep-redacts strings inside a JSON-like value (for objects written to files). */
export const redactDeep = <T>(value: T): T => {
  if (secretValues.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
};

/** Header names whose values are always secret, whatever their source. */
export const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token)$/i;

/** For tests: forget every registered secret. */
export const clearSecrets = (): void => secretValues.clear();
