/**
 * Plan shapes and fingerprints (docs/algorithms.md §9): the structure of an EXPLAIN
 * (FORMAT JSON) plan (node types, strategies, join types, scan direction,
 * relations, indexes, parent relationships) hashed without costs, row counts
 * or conditions, so the fingerprint changes when the plan's *shape* changes and
 * not when statistics merely move. Also the readable forms (one line, tree) and
 * the flags a person should look at. Pure.
 */
import { createHash } from 'node:crypto';
import type { PlanFlag } from './files.js';
import { round3 } from '../core/round.js';
import { fmtInt } from '../core/numbers.js';

/** A node of EXPLAIN's JSON plan (the keys read here; PostgreSQL writes many more). */
export interface PlanNode {
  'Node Type'?: string;
  Strategy?: string;
  'Join Type'?: string;
  'Scan Direction'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** The keys that make a plan's shape (docs/algorithms.md §9). */
export const SHAPE_KEYS = ['Node Type', 'Strategy', 'Join Type', 'Scan Direction', 'Relation Name', 'Index Name', 'Parent Relationship'] as const;

/** The canonical shape text that is hashed. */
export const shapeText = (n: PlanNode): string =>
  SHAPE_KEYS.filter((k) => n[k] !== undefined).map((k) => `${k}=${String(n[k])}`).join(',') +
  (n.Plans?.length ? `(${n.Plans.map(shapeText).join(';')})` : '');

/** 16 hex digits of the SHA-256 of the shape text. */
export const fingerprintNode = (root: PlanNode): string => createHash('sha256').update(shapeText(root)).digest('hex').slice(0, 16);

/** The top plan node of EXPLAIN (FORMAT JSON) output (`[{ Plan: … }]`), or null when it is not one. */
export const topPlan = (explainJson: unknown): PlanNode | null => {
  const first: unknown = Array.isArray(explainJson) ? explainJson[0] : explainJson;
  const plan = (first as { Plan?: unknown } | null)?.Plan;
  return typeof plan === 'object' && plan !== null ? (plan as PlanNode) : null;
};

/** A node as people read it: `Index Scan using orders_tenant_idx on orders`, `Hash Left Join`, `Aggregate (Hashed)`. */
export const nodeLabel = (n: PlanNode): string => {
  let s = n['Node Type'] ?? '?';
  if (n['Join Type'] !== undefined && n['Join Type'] !== 'Inner') s += ` (${n['Join Type']})`;
  if (n.Strategy !== undefined && n.Strategy !== 'Plain') s += ` (${n.Strategy})`;
  if (n['Scan Direction'] === 'Backward') s += ' Backward';
  if (n['Index Name'] !== undefined) s += ` using ${n['Index Name']}`;
  if (n['Relation Name'] !== undefined) s += ` on ${n['Relation Name']}`;
  return s;
};

/** The shape in one line: chains with `→`, several children in parentheses. */
export const shapeLine = (n: PlanNode): string => {
  const kids = n.Plans ?? [];
  const label = nodeLabel(n);
  if (kids.length === 0) return label;
  if (kids.length === 1 && kids[0] !== undefined) return `${label} → ${shapeLine(kids[0])}`;
  return `${label} (${kids.map(shapeLine).join('; ')})`;
};

/** The shape as an indented tree, one node per line (EXPLAIN's text layout without the numbers). */
export const shapeTree = (n: PlanNode, depth = 0): string[] => [
  depth === 0 ? nodeLabel(n) : `${'  '.repeat(depth - 1)}-> ${nodeLabel(n)}`,
  ...(n.Plans ?? []).flatMap((k) => shapeTree(k, depth + 1)),
];

/** Walks every node of a plan, depth first. */
export function* walkPlan(n: PlanNode): Generator<PlanNode> {
  yield n;
  for (const k of n.Plans ?? []) yield* walkPlan(k);
}

/** Thresholds of the flags (documented in docs/observe.md). */
export const FLAG_LIMITS = {
  /** An estimate off by this factor or more, either way… */
  estimateRatio: 10,
  /** …when the larger of estimate and actual (over all loops) reaches this many rows. */
  estimateMinRows: 100,
  /** A sequential scan on a relation of at least this many rows. */
  bigTableRows: 10_000,
  /** Rows removed by a filter (over all loops) at least this many… */
  filterMinRows: 1_000,
  /** …and at least this many times the rows the node returned. */
  filterRatio: 10,
} as const;

const fmt = fmtInt;

/** Nodes that read all their input before returning a row: a Limit above them does not cut their input short. */
const BLOCKING = new Set(['Sort', 'Hash', 'Aggregate', 'SetOp', 'Unique', 'WindowAgg', 'Materialize', 'Incremental Sort']);

/** Walks a plan with, for each node, whether an ancestor may stop reading it early (a Limit, a semi/anti join, an InitPlan). */
function* walkWithCutoff(n: PlanNode, cutoff: boolean): Generator<[PlanNode, boolean]> {
  yield [n, cutoff];
  const type = n['Node Type'] ?? '';
  // A Limit that got fewer rows than it wanted read its input to the end: nothing was cut short.
  const limitFilled = type === 'Limit' && (n['Actual Rows'] === undefined || n['Actual Rows'] >= (n['Plan Rows'] ?? 0));
  const stops = limitFilled || n['Join Type'] === 'Semi' || n['Join Type'] === 'Anti' || type === 'Merge Join';
  const below = BLOCKING.has(type) ? false : cutoff || stops;
  for (const k of n.Plans ?? []) yield* walkWithCutoff(k, below || k['Parent Relationship'] === 'InitPlan' || k['Parent Relationship'] === 'SubPlan');
}

/**
 * Flags in a plan: estimates off by 10x or more (ANALYZE plans only; a node an
 * ancestor stops reading early, under a Limit, is only flagged for returning
 * more than estimated), sequential scans on big relations (size from
 * `relationRows`, e.g. pg_class.reltuples, or from what the scan read), and
 * filters that throw most rows away.
 */
export const planFlags = (root: PlanNode, relationRows: ReadonlyMap<string, number> = new Map()): PlanFlag[] => {
  const flags: PlanFlag[] = [];
  for (const [n, cutoff] of walkWithCutoff(root, false)) {
    const label = nodeLabel(n);
    const loops = n['Actual Loops'] ?? 1;
    const actual = n['Actual Rows'];
    const est = n['Plan Rows'];
    if (actual !== undefined && est !== undefined && loops > 0 && !(cutoff && actual < est)) {
      const hi = Math.max(actual, est);
      const ratio = hi / Math.max(1, Math.min(actual, est));
      if (ratio >= FLAG_LIMITS.estimateRatio && hi * loops >= FLAG_LIMITS.estimateMinRows) {
        flags.push({ kind: 'estimate', node: label, message: `estimated ${fmt(est)} rows, got ${fmt(actual)}${loops > 1 ? ` per loop (${fmt(loops)} loops)` : ''}: off by ${fmt(ratio)}x` });
      }
    }
    const removed = ((n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0) + (n['Rows Removed by Join Filter'] ?? 0)) * loops;
    const returned = (actual ?? 0) * loops;
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name'] !== undefined) {
      const rows = Math.max(relationRows.get(n['Relation Name']) ?? 0, actual === undefined ? 0 : returned + removed);
      if (rows >= FLAG_LIMITS.bigTableRows) flags.push({ kind: 'seq-scan', node: label, message: `sequential scan of a ${fmt(rows)}-row table` });
    }
    if (removed >= FLAG_LIMITS.filterMinRows && removed >= FLAG_LIMITS.filterRatio * Math.max(1, returned)) {
      flags.push({ kind: 'filter', node: label, message: `removed ${fmt(removed)} rows by filter to return ${fmt(returned)}` });
    }
  }
  return flags;
};

/** Everything a PlanRecord needs from one EXPLAIN (FORMAT JSON) result. */
export interface PlanSummary {
  fingerprint: string;
  shape: string;
  tree: string[];
  planningMs: number | null;
  executionMs: number | null;
  /** Shared hit + read and temp read + written blocks of the top node (ANALYZE with BUFFERS), or null. */
  blocks: number | null;
  /** Rows the plan's table reads examined (ANALYZE), or null. */
  rowsExamined: number | null;
  flags: PlanFlag[];
  root: PlanNode;
}

const BLOCK_KEYS = ['Shared Hit Blocks', 'Shared Read Blocks', 'Temp Read Blocks', 'Temp Written Blocks'] as const;

/** Nodes that read table rows (a Bitmap Index Scan's TIDs are counted by its Bitmap Heap Scan). */
const ROW_SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan', 'Tid Range Scan', 'Sample Scan']);

/**
 * The rows a plan examined: for every node that reads a table, the rows it
 * returned plus those its filter and recheck threw away, over all loops. Null
 * without ANALYZE. Steadier than time, and unlike blocks it sees an index walk
 * that steps over many rows of well-clustered pages.
 */
export const planRowsExamined = (root: PlanNode): number | null => {
  if (root['Actual Rows'] === undefined) return null;
  let rows = 0;
  for (const n of walkPlan(root)) {
    if (!ROW_SCANS.has(n['Node Type'] ?? '')) continue;
    rows += ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * (n['Actual Loops'] ?? 1);
  }
  return Math.round(rows);
};

/** The work a plan did: blocks touched at its top node (which includes its children), or null without BUFFERS. */
export const planBlocks = (root: PlanNode): number | null =>
  BLOCK_KEYS.some((k) => typeof root[k] === 'number') ? BLOCK_KEYS.reduce((s, k) => s + (typeof root[k] === 'number' ? root[k] : 0), 0) : null;

/** Summarises EXPLAIN (FORMAT JSON) output; null when it holds no plan. */
export const summarisePlan = (explainJson: unknown, relationRows: ReadonlyMap<string, number> = new Map()): PlanSummary | null => {
  const root = topPlan(explainJson);
  if (root === null) return null;
  const top = (Array.isArray(explainJson) ? explainJson[0] : explainJson) as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' ? round3(v) : null);
  return {
    fingerprint: fingerprintNode(root),
    shape: shapeLine(root),
    tree: shapeTree(root),
    planningMs: num(top['Planning Time']),
    executionMs: num(top['Execution Time']),
    blocks: planBlocks(root),
    rowsExamined: planRowsExamined(root),
    flags: planFlags(root, relationRows),
    root,
  };
};

/** Relation names a plan reads (for looking up their sizes). */
export const planRelations = (root: PlanNode): string[] =>
  [...new Set([...walkPlan(root)].map((n) => n['Relation Name']).filter((r): r is string => r !== undefined))];
