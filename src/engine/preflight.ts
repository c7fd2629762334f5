/**
 * Checks made before a replay sends anything, before even the target check:
 * every SLO in force (the scenario's `slo:` and `--slo`) parses and names an
 * endpoint the run has, the observers' URLs (`observe.prometheus`,
 * `observe.prometheus_server.url`, `observe.postgres.url`, `observe.mysql.url`, `--pg`) are well formed, and every `http:` action's
 * path is a path. A problem found only after the load was sent would cost the
 * run (and a bad SLO in run.json would break `report DIR` for good), so all of
 * them are reported at once as one InputError (exit 1), naming the flag or the
 * scenario file, line and field.
 *
 * Which hosts may be reached is the safety rule's business (target.ts), not this file's.
 */
import { expandEnv } from '../core/env.js';
import { InputError, type Problem } from '../core/errors.js';
import { parseYaml, type DocPath, type YamlDoc } from '../core/yaml-doc.js';
import { parseSlo, parseSlos } from '../scenario/slo.js';
import type { Scenario } from '../scenario/scenario.js';

/** What the checks look at. */
export interface PreflightInput {
  scenario: Scenario | null;
  /** `--slo` specs. */
  slo: readonly string[];
  /** The endpoints the run will have; SLOs naming another are refused. Null: not known yet (syntax only). */
  endpoints: readonly string[] | null;
  /** `--pg URL`. */
  pgUrl: string | null;
  /** `--out-prometheus URL`. */
  outPrometheus?: string | null;
}

/** Expands `${ENV}`; null when a variable is unset (the observer is then off with a warning, not an error). */
const expanded = (template: string): string | null => {
  const r = expandEnv(template);
  return r.ok ? r.value : null;
};

/** Why `text` is not a Prometheus scrape target (a path on the target or an http(s) URL), or null when it is. */
export const scrapeUrlProblem = (text: string): string | null => {
  if (text.startsWith('/') && !text.startsWith('//')) return null;
  if (/^https?:\/\//i.test(text) && URL.canParse(text) && new URL(text).hostname !== '') return null;
  return 'expected a path on the target such as /metrics, or a URL such as http://127.0.0.1:9090/metrics';
};

/** Why `text` is not an http(s) URL with a host (`expected`, else), or null when it is. The value (it may hold a token) is never quoted. */
const httpUrlProblem = (text: string, expected: string): string | null =>
  /^https?:\/\//i.test(text) && URL.canParse(text) && new URL(text).hostname !== '' ? null : expected;

/** Why `text` is not a Prometheus server's base URL, or null when it is. */
export const serverUrlProblem = (text: string): string | null =>
  httpUrlProblem(text, 'expected the Prometheus server\'s base URL, such as http://127.0.0.1:9090');

/** Why `text` is not a remote-write URL (`--out-prometheus`), or null when it is. */
export const remoteWriteUrlProblem = (text: string): string | null =>
  httpUrlProblem(text, 'expected a remote-write URL, such as http://127.0.0.1:9090/api/v1/write');

/** Why `text` is not a PostgreSQL URL, or null when it is. The value (it may hold a password) is never quoted. */
export const postgresUrlProblem = (text: string): string | null =>
  /^postgres(ql)?:\/\//i.test(text) && URL.canParse(text) ? null : 'expected a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/app';

/** Why `text` is not a MySQL/MariaDB URL with a database, or null when it is. The value (it may hold a password) is never quoted. */
export const mysqlUrlProblem = (text: string): string | null =>
  /^(mysql|mariadb):\/\//i.test(text) && URL.canParse(text) && new URL(text).hostname !== '' && new URL(text).pathname.replace(/^\//, '') !== ''
    ? null
    : 'expected a MySQL/MariaDB URL with a database, such as mysql://user:password@127.0.0.1:3306/app';

/**
 * Why an `http:` action's path (expanded) is not a URL an action can call, or
 * null when it is: a path on the target (`/admin/deploy`), or another host
 * (`//host:port/path`, `http(s)://…`), which the safety rule then checks.
 */
const actionPathProblem = (path: string): string | null =>
  (path.startsWith('/') || /^https?:\/\//i.test(path)) && URL.canParse(path, 'http://127.0.0.1')
    ? null
    : `expected a path on the target such as /admin/deploy (or //host:port/path, http://host/path for another host), got ${JSON.stringify(path)}`;

/** The checks on flags alone (`--slo` syntax, `--pg`, `--out-prometheus`): what the CLI can refuse before starting anything. */
export const flagProblems = (slo: readonly string[], pgUrl: string | null, outPrometheus: string | null = null): Problem[] => {
  const problems: Problem[] = [];
  const write = outPrometheus === null ? null : remoteWriteUrlProblem(outPrometheus);
  if (write !== null) problems.push({ file: null, line: null, field: '--out-prometheus', message: write });
  for (const text of slo) {
    const r = parseSlo(text);
    if (typeof r === 'string') problems.push({ file: null, line: null, field: '--slo', message: r });
  }
  if (pgUrl !== null) {
    const p = postgresUrlProblem(pgUrl);
    if (p !== null) problems.push({ file: null, line: null, field: '--pg', message: p });
  }
  return problems;
};

const scenarioProblems = (scenario: Scenario, doc: YamlDoc | null): Problem[] => {
  const problems: Problem[] = [];
  const at = (path: DocPath, field: string, message: string): void => {
    problems.push({ file: scenario.file, line: doc?.lineOf(path) ?? null, field, message });
  };
  const prom = scenario.observe.prometheus === null ? null : expanded(scenario.observe.prometheus);
  const promProblem = prom === null ? null : scrapeUrlProblem(prom);
  if (promProblem !== null) at(['observe', 'prometheus'], 'observe.prometheus', promProblem);
  const server = scenario.observe.prometheusServer === null ? null : expanded(scenario.observe.prometheusServer.url);
  const serverProblem = server === null ? null : serverUrlProblem(server);
  if (serverProblem !== null) at(['observe', 'prometheus_server', 'url'], 'observe.prometheus_server.url', serverProblem);
  const pg = scenario.observe.postgres === null ? null : expanded(scenario.observe.postgres.url);
  const pgProblem = pg === null ? null : postgresUrlProblem(pg);
  if (pgProblem !== null) at(['observe', 'postgres', 'url'], 'observe.postgres.url', pgProblem);
  const my = scenario.observe.mysql === null ? null : expanded(scenario.observe.mysql.url);
  const myProblem = my === null ? null : mysqlUrlProblem(my);
  if (myProblem !== null) at(['observe', 'mysql', 'url'], 'observe.mysql.url', myProblem);
  for (const [name, a] of Object.entries(scenario.actions)) {
    if (a.kind !== 'http') continue;
    const path = expandEnv(a.path);
    if (!path.ok) at(['actions', name, 'http'], `actions.${name}.http`, `environment variable ${path.missing.join(', ')} is not set`);
    const problem = path.ok ? actionPathProblem(path.value) : null;
    if (problem !== null) at(['actions', name, 'http'], `actions.${name}.http`, problem);
    if (typeof a.body === 'string') {
      const body = expandEnv(a.body);
      if (!body.ok) at(['actions', name, 'body'], `actions.${name}.body`, `environment variable ${body.missing.join(', ')} is not set`);
    }
  }
  return problems;
};

/** Every problem the checks find (empty when the replay may go on). Pure but for reading the environment. */
export const preflightProblems = (input: PreflightInput): Problem[] => {
  const { scenario } = input;
  // The scenario's text again, for line numbers (the loaded scenario keeps values, not positions).
  let doc: YamlDoc | null = null;
  if (scenario !== null && scenario.sourceText !== '') {
    try {
      doc = parseYaml(scenario.sourceText, scenario.file ?? '<scenario>');
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      doc = null; // it parsed when it was loaded; without positions the problems still name file and field
    }
  }
  // With the endpoints known, parseSlos checks --slo's syntax and endpoints together.
  const problems = flagProblems(input.endpoints === null ? input.slo : [], input.pgUrl, input.outPrometheus ?? null);
  if (input.endpoints !== null) {
    const specs = [
      ...(scenario?.slo ?? []).map((text, i) => ({ text, source: { file: scenario?.file ?? null, field: `slo[${i}]` } })),
      ...input.slo.map((text) => ({ text, source: { file: null, field: '--slo' } })),
    ];
    try {
      parseSlos(specs, input.endpoints);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems.push(...e.problems.map((p) => {
        const m = /^slo\[(\d+)\]$/.exec(p.field);
        return m === null || p.file === null ? p : { ...p, line: doc?.lineOf(['slo', Number(m[1])]) ?? null };
      }));
    }
  }
  if (scenario !== null) problems.push(...scenarioProblems(scenario, doc));
  return problems;
};

/** Throws one InputError (exit 1) listing every problem `preflightProblems` finds. */
export const checkBeforeLoad = (input: PreflightInput): void => {
  const problems = preflightProblems(input);
  if (problems.length > 0) throw new InputError(problems, { code: 'PS_PREFLIGHT', hint: 'nothing was sent to the target: fix the flags and fields named above and run again' });
};
