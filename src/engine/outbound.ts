/**
 * Every URL a replay sends to: the target, the scenario's Prometheus scrape
 * URL (`observe.prometheus`, relative to the target or a full URL), its
 * Prometheus server (`observe.prometheus_server.url`), the databases it
 * observes (`observe.postgres.url` or `--pg`, `observe.mysql.url`: each host
 * the connection may go to, none for a Unix socket) and the
 * `http` actions the profile's events fire (`//host/path` names another
 * host), each with the scenario field, file and line it comes from. The
 * replay checks them all against the safety rule before any load (reach.ts).
 * Pure.
 */
import { expandEnv } from '../core/env.js';
import { parseYaml, type DocPath } from '../core/yaml-doc.js';
import { resolveScrapeUrl } from '../scenario/scrape-url.js';
import type { ProfileEvent } from '../scenario/profile.js';
import type { Action, Scenario } from '../scenario/scenario.js';
import { actionUrl } from './events.js';
import type { ReachUrl } from './reach.js';
import { dbHostUrls } from './db-host.js';

/** A line finder for the scenario's fields (null without a file). The text was loaded from that file, so it parses. */
const lineFinder = (scenario: Scenario | null): ((path: DocPath) => number | null) => {
  if (scenario?.file == null) return () => null;
  const doc = parseYaml(scenario.sourceText, scenario.file);
  return (path) => doc.lineOf(path);
};

/**
 * The URLs a replay reaches, the target first. A field whose `${ENV}` is not
 * set, or that is not a URL, is left out: its observer is off, or its action
 * fails when fired (recorded), so it reaches nothing.
 */
export const outboundUrls = (
  target: URL,
  scenario: Scenario | null,
  actions: Readonly<Record<string, Action>>,
  events: readonly ProfileEvent[],
  /** `--pg`: the PostgreSQL the observer reads instead of `observe.postgres.url`. */
  pgUrl: string | null = null,
): ReachUrl[] => {
  const lineOf = lineFinder(scenario);
  const file = scenario?.file ?? null;
  const urls: ReachUrl[] = [{ url: target, field: '--target', file: null, line: null }];
  const prom = scenario?.observe.prometheus;
  if (prom != null) {
    const ex = expandEnv(prom);
    const url = ex.ok && URL.canParse(ex.value, target.href) ? resolveScrapeUrl(ex.value, target) : null;
    if (url !== null) urls.push({ url, field: 'observe.prometheus', file, line: lineOf(['observe', 'prometheus']) });
  }
  const server = scenario?.observe.prometheusServer;
  if (server != null) {
    const ex = expandEnv(server.url);
    if (ex.ok && URL.canParse(ex.value)) urls.push({ url: new URL(ex.value), field: 'observe.prometheus_server.url', file, line: lineOf(['observe', 'prometheus_server', 'url']) });
  }
  const databases: { text: string | undefined; field: string; file: string | null; line: number | null }[] = [
    // --pg replaces observe.postgres.url (observers.ts): only the one used is reached.
    pgUrl != null
      ? { text: pgUrl, field: '--pg', file: null, line: null }
      : { text: scenario?.observe.postgres?.url, field: 'observe.postgres.url', file, line: lineOf(['observe', 'postgres', 'url']) },
    { text: scenario?.observe.mysql?.url, field: 'observe.mysql.url', file, line: lineOf(['observe', 'mysql', 'url']) },
  ];
  for (const db of databases) {
    const ex = db.text === undefined ? null : expandEnv(db.text);
    if (ex?.ok !== true) continue;
    for (const url of dbHostUrls(ex.value, db, process.env)) urls.push({ url, field: db.field, file: db.file, line: db.line });
  }
  for (const name of new Set(events.map((e) => e.action))) {
    const a = actions[name];
    const url = a?.kind === 'http' && expandEnv(a.path).ok ? actionUrl(a, target) : null;
    if (url !== null) urls.push({ url, field: `actions.${name}.http`, file, line: lineOf(['actions', name, 'http']) });
  }
  return urls;
};
