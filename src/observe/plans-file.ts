/**
 * The `prodshape plans` snapshot file (`--file plans.json`), meant to be
 * committed: the fingerprint of each critical query (`plans:` in the scenario)
 * per tenant-size bucket, with its shape for people. It holds nothing that
 * changes from run to run (no timings, no dates), so it only changes in a diff
 * when a plan does.
 *
 *   { "version": 1, "scenario": "demo", "server_version": "15",
 *     "plans": [ { "query": "pending-orders", "bucket": "biggest", "tenant": "t0001",
 *                  "tenant_rows": 18234, "sql_hash": "…", "fingerprint": "…",
 *                  "shape": "Limit → Index Scan using … on orders", "tree": ["Limit", "-> Index Scan …"] } ] }
 *
 * Entries are sorted by query, then bucket (biggest, median, empty, fixed).
 * `compare` matches entries on (query, bucket) and reports changed
 * fingerprints with a line diff of the trees. Pure.
 */
import { createHash } from 'node:crypto';
import { inputError } from '../core/errors.js';
import type { PlanRecord } from './files.js';
import { normaliseSql } from './slowest.js';

export interface PlansFileEntry {
  query: string;
  bucket: string;
  tenant: string | null;
  tenant_rows: number | null;
  /** 12 hex digits of the SHA-256 of the normalised SQL: says when the query itself changed. */
  sql_hash: string;
  fingerprint: string;
  shape: string;
  tree: string[];
}

export interface PlansFile {
  version: 1;
  scenario: string;
  /** Major version of the server the snapshot was taken on. */
  server_version: string | null;
  plans: PlansFileEntry[];
}

const BUCKETS = ['biggest', 'median', 'empty', 'fixed'];
const order = (a: PlansFileEntry, b: PlansFileEntry): number => a.query.localeCompare(b.query) || BUCKETS.indexOf(a.bucket) - BUCKETS.indexOf(b.bucket);

export const sqlHash = (sql: string): string => createHash('sha256').update(normaliseSql(sql)).digest('hex').slice(0, 12);

/** File entries from successful plan records (`sql` maps a query name to its SQL). */
export const entriesFrom = (records: readonly PlanRecord[], sql: ReadonlyMap<string, string>): PlansFileEntry[] =>
  records
    .filter((r) => r.ok && r.fingerprint !== null)
    .map((r) => ({
      query: r.query, bucket: r.bucket, tenant: r.tenant, tenant_rows: r.tenant_rows, sql_hash: sqlHash(sql.get(r.query) ?? ''),
      fingerprint: r.fingerprint ?? '', shape: r.shape ?? '', tree: r.tree,
    }))
    .sort(order);

export const buildPlansFile = (scenario: string, serverVersion: string | null, entries: PlansFileEntry[]): PlansFile => ({
  version: 1, scenario, server_version: serverVersion, plans: [...entries].sort(order),
});

/** Reads and validates a plans file; an InputError names the file and the field. */
export const parsePlansFile = (text: string, file: string): PlansFile => {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw inputError('', `not valid JSON (${(e as Error).message})`, { file, hint: 'write it with `prodshape plans snapshot`' });
  }
  const o = v as Partial<PlansFile> | null;
  if (typeof o !== 'object' || o === null || o.version !== 1 || !Array.isArray(o.plans)) {
    throw inputError('version', 'expected a prodshape plans file (version 1 with a `plans` list)', { file, hint: 'write it with `prodshape plans snapshot`' });
  }
  o.plans.forEach((p, i) => {
    for (const k of ['query', 'bucket', 'fingerprint'] as const) {
      if (typeof p?.[k] !== 'string') throw inputError(`plans[${i}].${k}`, 'expected a string', { file });
    }
    if (!Array.isArray(p.tree)) throw inputError(`plans[${i}].tree`, 'expected a list of lines', { file });
  });
  return o as PlansFile;
};

/** A line diff (longest common subsequence): ` ` common, `-` only before, `+` only after. */
export const diffLines = (before: readonly string[], after: readonly string[]): string[] => {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = before[i] === after[j] ? (lcs[i + 1]![j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]![j] ?? 0, lcs[i]![j + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push(`  ${before[i]}`);
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[i + 1]![j] ?? 0) >= (lcs[i]![j + 1] ?? 0))) {
      out.push(`- ${before[i]}`);
      i++;
    } else {
      out.push(`+ ${after[j]}`);
      j++;
    }
  }
  return out;
};

export interface PlanComparison {
  unchanged: PlansFileEntry[];
  changed: { before: PlansFileEntry; after: PlansFileEntry }[];
  /** In the snapshot, but could not be planned now (with why). */
  failed: { before: PlansFileEntry; error: string }[];
  /** In the snapshot, not in the scenario any more. */
  removed: PlansFileEntry[];
  /** Planned now, not in the snapshot. */
  added: PlansFileEntry[];
}

/** Compares the snapshot with the plans of now (`errors`: query\0bucket → why it could not be planned). */
export const comparePlans = (snapshot: PlansFile, now: readonly PlansFileEntry[], errors: ReadonlyMap<string, string>): PlanComparison => {
  const key = (e: { query: string; bucket: string }): string => `${e.query}\u0000${e.bucket}`;
  const nowBy = new Map(now.map((e) => [key(e), e]));
  const snapKeys = new Set(snapshot.plans.map(key));
  const r: PlanComparison = { unchanged: [], changed: [], failed: [], removed: [], added: now.filter((e) => !snapKeys.has(key(e))) };
  for (const before of snapshot.plans) {
    const after = nowBy.get(key(before));
    const error = errors.get(key(before));
    if (after === undefined) {
      if (error !== undefined) r.failed.push({ before, error });
      else r.removed.push(before);
    } else if (after.fingerprint !== before.fingerprint) r.changed.push({ before, after });
    else r.unchanged.push(after);
  }
  return r;
};

const who = (e: PlansFileEntry): string => (e.bucket === 'fixed' ? e.query : `${e.query} (${e.bucket} tenant${e.tenant === null ? '' : ` ${e.tenant}`})`);

/** The readable report of a comparison: one line per plan that matched, a diff per plan that changed. */
export const formatComparison = (c: PlanComparison): string[] => {
  const lines: string[] = [];
  for (const e of c.unchanged) lines.push(`ok       ${who(e)}  ${e.fingerprint}  ${e.shape}`);
  for (const { before, after } of c.changed) {
    lines.push(`CHANGED  ${who(before)}  ${before.fingerprint} → ${after.fingerprint}`);
    if (before.sql_hash !== after.sql_hash) lines.push('         (the query\'s SQL changed since the snapshot)');
    if (before.tenant !== after.tenant) lines.push(`         (the ${before.bucket} tenant was ${before.tenant ?? '-'}, now ${after.tenant ?? '-'}: the dataset changed)`);
    lines.push('         --- snapshot', '         +++ now');
    for (const l of diffLines(before.tree, after.tree)) lines.push(`         ${l}`);
  }
  for (const { before, error } of c.failed) lines.push(`FAILED   ${who(before)}: ${error}`);
  for (const e of c.removed) lines.push(`removed  ${who(e)} (in the snapshot, not in the scenario)`);
  for (const e of c.added) lines.push(`new      ${who(e)}  ${e.fingerprint}  ${e.shape} (not in the snapshot: run \`prodshape plans snapshot\` to add it)`);
  return lines;
};
