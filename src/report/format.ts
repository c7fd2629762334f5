/** Shared formatting for the renderings: escaping, column padding, word wrap, colours. */
import { createColors } from 'picocolors';

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Escapes text for XML (attributes and content); drops characters XML 1.0 forbids. */
export const escapeXml = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  escapeHtml(s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ''));

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`). */
export const jsonForScript = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** Word-wraps `text` to `width` columns; continuation lines get `indent`. */
export const wrap = (text: string, width: number, indent = ''): string[] => {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    const limit = lines.length === 0 ? width : width - indent.length;
    if (cur === '') cur = w;
    else if (cur.length + 1 + w.length <= limit) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur !== '') lines.push(cur);
  return lines.map((l, i) => (i === 0 ? l : indent + l));
};

/** `prefix` then `text` wrapped to fit `width`, continuation lines aligned under the text. */
export const hang = (prefix: string, text: string, width: number): string[] => {
  const indent = ' '.repeat(visibleLength(prefix));
  return wrap(text, Math.max(20, width - indent.length)).map((l, i) => (i === 0 ? prefix : indent) + l);
};

/** Cuts `s` to `n` characters with an ellipsis. */
export const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`);

/** ANSI styling that is a no-op when colours are off. */
export interface Paint {
  bold: (s: string) => string;
  dim: (s: string) => string;
  red: (s: string) => string;
  green: (s: string) => string;
  yellow: (s: string) => string;
  cyan: (s: string) => string;
}

/** Colours (picocolors' escape codes), or identity functions; whether is the caller's (the CLI's one rule, cli/output.ts `colorWanted`). */
export const paint = (color: boolean): Paint => {
  const c = createColors(color);
  return { bold: c.bold, dim: c.dim, red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan };
};

/** Visible length of a string that may hold ANSI codes. */
// eslint-disable-next-line no-control-regex
export const visibleLength = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length;

/** Pads to `n` visible columns (left- or right-aligned). */
export const pad = (s: string, n: number, align: 'left' | 'right' = 'left'): string => {
  const gap = Math.max(0, n - visibleLength(s));
  return align === 'left' ? s + ' '.repeat(gap) : ' '.repeat(gap) + s;
};
