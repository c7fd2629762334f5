/**
 * Endpoint templates and id popularity from a stream of records: requests are
 * grouped by method and template (ids collapsed, see logs/template.ts), each
 * placeholder's values are counted, and so is every distinct path (the
 * popularity of resources, for logs whose paths hold no ids).
 *
 * Memory is bounded: at most `maxTemplates` templates (later ones are counted
 * as "other"), at most `maxValues` distinct ids across all placeholders and
 * `maxPaths` distinct paths (new values beyond are counted as overflow, and
 * the fits say so). Path popularity only matters for logs without ids (a
 * site's pages), which have few distinct paths; logs with ids have many.
 */
import { byPopularity, createTemplater, nameTemplates, type TemplateOptions } from '../logs/template.js';
import type { LogRecord } from '../logs/types.js';
import { fitZipf, ZIPF_MIN_SAMPLES, type ZipfFit } from './zipf.js';

/** A placeholder's values in one template, fitted. */
export interface PlaceholderStats {
  name: string;
  requests: number;
  distinct: number;
  /** Most requested values with their counts (at most 5). */
  top: { value: string; count: number }[];
  zipf: ZipfFit | null;
  /** The shape of every value counted: whole numbers (with their range), UUIDs, or other tokens. */
  kind: 'int' | 'uuid' | 'token';
  min: number | null;
  max: number | null;
}

/** One endpoint template with its traffic. */
export interface TemplateStats {
  /** Scenario endpoint name (unique): `get-tenants-tenant-orders`. */
  name: string;
  method: string;
  template: string;
  /** The template with the most common query string appended: what a scenario requests. */
  path: string;
  requests: number;
  /** Share of all counted requests, 0…1. */
  share: number;
  /** Requests by status class: `2xx`, `3xx`, `4xx`, `5xx`, `none`. */
  statuses: Record<string, number>;
  placeholders: PlaceholderStats[];
}

/** What the aggregation found. */
export interface EndpointsResult {
  requests: number;
  /** Templates, most requested first. */
  templates: TemplateStats[];
  /** Requests in templates beyond `maxTemplates`. */
  otherRequests: number;
  /** Popularity of tenants across every template (the `{tenant}` placeholder), or null when no path names one. */
  tenants: PlaceholderStats | null;
  /** Request counts of the most requested tenants (at most 100 000), busiest first. */
  tenantCounts: number[];
  /** Popularity of distinct paths (no query). */
  paths: PlaceholderStats;
  /** True when the id budget ran out: counts of ids first seen after that are missing. */
  overflow: boolean;
  /** True when more distinct paths came than `maxPaths`: path popularity covers the first ones. */
  pathOverflow: boolean;
}

/** Bounds and template rules. */
export interface AggregateOptions extends TemplateOptions {
  /** Default 20 000. */
  maxTemplates?: number;
  /** Distinct ids counted across all placeholders; default 1 000 000. */
  maxValues?: number;
  /** Distinct paths counted; default 100 000. */
  maxPaths?: number;
}

interface Acc {
  method: string;
  template: string;
  requests: number;
  statuses: Record<string, number>;
  queries: Map<string, number>;
  ids: Map<string, Map<string, number>>;
}

const MAX_QUERY_SHAPES = 64;
/** Placeholder fits are computed for this many of the most requested templates. */
const FIT_TEMPLATES = 50;

const topValues = (m: Map<string, number>, n: number): { value: string; count: number }[] =>
  [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([value, count]) => ({ value, count }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const placeholderStats = (name: string, m: Map<string, number>, fit: boolean): PlaceholderStats => {
  let requests = 0;
  let ints = true;
  let uuids = true;
  let min = Infinity;
  let max = -Infinity;
  for (const [v, c] of m) {
    requests += c;
    if (ints && /^\d{1,15}$/.test(v)) {
      const n = Number(v);
      if (n < min) min = n;
      if (n > max) max = n;
    } else ints = false;
    if (uuids && !UUID.test(v)) uuids = false;
  }
  return {
    name, requests, distinct: m.size, top: topValues(m, 5), zipf: fit && requests >= ZIPF_MIN_SAMPLES ? fitZipf(m.values()) : null,
    kind: ints && m.size > 0 ? 'int' : uuids && m.size > 0 ? 'uuid' : 'token', min: ints && m.size > 0 ? min : null, max: ints && m.size > 0 ? max : null,
  };
};

/** An aggregator: `add` each kept record, then `result`. */
export const createEndpointAggregator = (opts: AggregateOptions = {}): { add(r: LogRecord): void; result(): EndpointsResult } => {
  const templater = createTemplater(opts);
  const maxTemplates = opts.maxTemplates ?? 20_000;
  const maxValues = opts.maxValues ?? 1_000_000;
  const maxPaths = opts.maxPaths ?? 100_000;
  const accs = new Map<string, Acc>();
  const tenants = new Map<string, number>();
  const paths = new Map<string, number>();
  let values = 0;
  let overflow = false;
  let pathOverflow = false;
  let requests = 0;
  let other = 0;
  const count = (m: Map<string, number>, v: string): void => {
    const c = m.get(v);
    if (c !== undefined) m.set(v, c + 1);
    else if (values < maxValues) {
      m.set(v, 1);
      values++;
    } else overflow = true;
  };
  return {
    add(r) {
      requests++;
      const q = r.target.indexOf('?');
      const path = q < 0 ? r.target : r.target.slice(0, q);
      const pc = paths.get(path);
      if (pc !== undefined) paths.set(path, pc + 1);
      else if (paths.size < maxPaths) paths.set(path, 1);
      else pathOverflow = true;
      const t = templater(path);
      const key = `${r.method} ${t.template}`;
      let acc = accs.get(key);
      if (acc === undefined) {
        if (accs.size >= maxTemplates) {
          other++;
          return;
        }
        acc = { method: r.method, template: t.template, requests: 0, statuses: {}, queries: new Map<string, number>(), ids: new Map<string, Map<string, number>>() };
        accs.set(key, acc);
      }
      acc.requests++;
      const sc = r.status === null ? 'none' : `${Math.floor(r.status / 100)}xx`;
      acc.statuses[sc] = (acc.statuses[sc] ?? 0) + 1;
      const query = q < 0 ? '' : r.target.slice(q);
      const qc = acc.queries.get(query);
      if (qc !== undefined) acc.queries.set(query, qc + 1);
      else if (acc.queries.size < MAX_QUERY_SHAPES) acc.queries.set(query, 1);
      for (const id of t.ids) {
        let m = acc.ids.get(id.name);
        if (!m) acc.ids.set(id.name, (m = new Map<string, number>()));
        count(m, id.value);
        if (id.name === 'tenant') count(tenants, id.value);
      }
    },
    result() {
      const sorted = [...accs.values()].sort(byPopularity);
      const names = nameTemplates(sorted);
      const templates = sorted.map((a, i): TemplateStats => {
        const [bestQuery] = topValues(a.queries, 1);
        return {
          name: names[i] as string, method: a.method, template: a.template, path: a.template + (bestQuery?.value ?? ''),
          requests: a.requests, share: requests > 0 ? a.requests / requests : 0, statuses: a.statuses,
          placeholders: [...a.ids.entries()].map(([n, m]) => placeholderStats(n, m, i < FIT_TEMPLATES)),
        };
      });
      return {
        requests, templates, otherRequests: other,
        tenants: tenants.size > 0 ? placeholderStats('tenant', tenants, true) : null,
        tenantCounts: [...tenants.values()].sort((a, b) => b - a).slice(0, 100_000),
        paths: placeholderStats('path', paths, true),
        overflow,
        pathOverflow,
      };
    },
  };
};
