/**
 * Lists the functions of src/ whose body is longer than a limit (80 lines by
 * default), longest first, with the TypeScript compiler's own parser. Every
 * function declaration, function expression, arrow function, method,
 * constructor and accessor counts; a nested function is reported on its own
 * (its lines also count towards the function that holds it). A body's length
 * is the number of lines from its opening line to its closing line; an arrow
 * function with an expression body counts that expression.
 *
 *   node scripts/long-functions.mjs [--limit 80] [--all] [dir]
 *
 * `--all` also lists the hot-path files (HOT_PATH), which are allowed to be long.
 * Exits 1 when a function outside the hot path is over the limit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** src-relative files whose functions may be long: the scheduler and recorder loop (docs/design.md). */
export const HOT_PATH = ['engine/share.ts', 'engine/recorder.ts'];

const sourceFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });

/** A readable name for a function node: its own name, or the variable/property/call it is given to. */
const nameOf = (node) => {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isCallExpression(parent)) return `<callback of ${parent.expression.getText().slice(0, 40)}>`;
  return '<anonymous>';
};

/**
 * Every function in one file's text with its body length in lines.
 * @param {string} file the path reported
 * @param {string} text the file's source
 * @returns {{ file: string, name: string, line: number, lines: number }[]}
 */
export const functionsOf = (file, text) => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.body.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      found.push({ file, name: nameOf(node), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

/**
 * The functions under `dir` longer than `limit` lines, longest first.
 * @param {string} dir the folder to read (src/)
 * @param {{ limit?: number, all?: boolean }} [options] `all` keeps the hot-path files
 * @returns {{ file: string, name: string, line: number, lines: number }[]} `file` is relative to `dir`
 */
export const longFunctions = (dir, { limit = 80, all = false } = {}) =>
  sourceFiles(dir)
    .flatMap((p) => functionsOf(relative(dir, p), readFileSync(p, 'utf8')))
    .filter((f) => f.lines > limit && (all || !HOT_PATH.includes(f.file)))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));

const main = (argv) => {
  const limitAt = argv.indexOf('--limit');
  const limit = limitAt >= 0 ? Number(argv[limitAt + 1]) : 80;
  const all = argv.includes('--all');
  const rest = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--limit');
  const dir = rest[0] ?? fileURLToPath(new URL('../src', import.meta.url));
  const long = longFunctions(dir, { limit, all });
  for (const f of long) console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}`);
  return long.some((f) => !HOT_PATH.includes(f.file)) ? 1 : 0;
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
