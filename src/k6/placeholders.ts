/**
 * Placeholders in request templates, as the k6 script fills them: `{tenant}`
 * (a tenant id picked by popularity) and `{table.id}` (an id from the picked
 * tenant's range of that table, when the dataset gives ranges). `${NAME}` is
 * an environment reference, not a placeholder.
 *
 * TEMPORARY: the engine stage defines the template syntax in
 * src/traffic/template.ts; when it lands, the export validates against it.
 */

/** `{name}` or `{table.column}`, not preceded by `$`. */
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\}/g;

/** A placeholder found in a template. */
export interface Placeholder {
  /** As written, without braces: `tenant`, `orders.id`. */
  text: string;
  name: string;
  column: string | null;
}

/** Every string inside a JSON-like value (object values, array items, the value itself). */
export const stringsIn = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
};

/** The placeholders in a template or a JSON-like value, in order of appearance (repeats kept). */
export const placeholdersIn = (value: unknown): Placeholder[] =>
  stringsIn(value).flatMap((s) =>
    [...s.matchAll(PLACEHOLDER)].map((m) => ({
      text: m[2] === undefined ? (m[1] ?? '') : `${m[1]}.${m[2]}`,
      name: m[1] ?? '',
      column: m[2] ?? null,
    })),
  );

/** What the k6 export supports: `{tenant}`, and `{table.id}` backed by the manifest's id ranges. */
export type PlaceholderKind = { kind: 'tenant' } | { kind: 'range'; table: string } | { kind: 'unsupported'; why: string };

export const classifyPlaceholder = (p: Placeholder): PlaceholderKind => {
  if (p.name === 'tenant' && p.column === null) return { kind: 'tenant' };
  if (p.column === 'id') return { kind: 'range', table: p.name };
  return { kind: 'unsupported', why: `{${p.text}} is not a placeholder the k6 export can fill (it fills {tenant} and {table.id})` };
};
