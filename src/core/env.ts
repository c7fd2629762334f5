/**
 * `${NAME}` substitution from the environment, used for every string in a
 * scenario. `${NAME:-default}` gives a default. Substituted values are
 * registered as secrets (see secrets.ts), so they never reach an output.
 */
import { registerSecret } from './secrets.js';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Result of expanding a template: the text, or the names of missing variables. */
export type Expanded = { ok: true; value: string } | { ok: false; missing: string[] };

/** Expands `${NAME}` references in `template` from `env`. Pure except for secret registration. */
export const expandEnv = (template: string, env: NodeJS.ProcessEnv = process.env): Expanded => {
  const missing: string[] = [];
  const value = template.replace(VAR, (_all, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') {
      registerSecret(v);
      return v;
    }
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, value };
};

/** True when the text contains a `${NAME}` reference. */
export const hasEnvRef = (text: string): boolean => {
  VAR.lastIndex = 0;
  const found = VAR.test(text);
  VAR.lastIndex = 0;
  return found;
};
