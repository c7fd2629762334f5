/**
 * Every URL a replay sends to: the target, the scenario's Prometheus scrape
 * URL (`observe.prometheus`, relative to the target or a full URL), its
 * Prometheus server (`observe.prometheus_server.url`), the MySQL/MariaDB it
 * observes (`observe.mysql.url`) and the
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
  const mysql = scenario?.observe.mysql;
  if (mysql != null) {
    const ex = expandEnv(mysql.url);
    if (ex.ok && URL.canParse(ex.value) && new URL(ex.value).hostname !== '') {
      urls.push({ url: new URL(ex.value), field: 'observe.mysql.url', file, line: lineOf(['observe', 'mysql', 'url']) });
    }
  }
  for (const name of new Set(events.map((e) => e.action))) {
    const a = actions[name];
    const url = a?.kind === 'http' && expandEnv(a.path).ok ? actionUrl(a, target) : null;
    if (url !== null) urls.push({ url, field: `actions.${name}.http`, file, line: lineOf(['actions', name, 'http']) });
  }
  return urls;
};
