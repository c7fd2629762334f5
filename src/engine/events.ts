/**
 * Profile events: at `{ at, action }` the scenario's action runs against the
 * target while traffic goes on: `http: METHOD /path` (with optional headers
 * and body) or `run: "shell command"` (in its own process group, killed at
 * its timeout). Start, end, outcome, status or exit code and the first few KB
 * of output (redacted) become an EventRecord.
 */
import { spawn } from 'node:child_process';
import type { Dispatcher } from 'undici';
import { expandEnv } from '../core/env.js';
import { errorMessage, inputError, InputError, type Problem } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { EventRecord } from '../run/format.js';
import type { ProfileEvent } from '../scenario/profile.js';
import type { Action, Scenario } from '../scenario/scenario.js';

/** Output kept per event (bytes of text). */
export const EVENT_OUTPUT_LIMIT = 4096;

/** What an action needs to run. */
export interface ActionContext {
  target: URL;
  runDir: string;
  /** Aborted when the run is force-stopped: running commands are killed. */
  signal?: AbortSignal;
  /** Sends `http` actions: connects only to hosts checked at the start (reach.ts) [undici's global dispatcher]. */
  dispatcher?: Dispatcher;
}

/** Outcome of an action (the EventRecord without its times). */
export interface ActionOutcome { ok: boolean; status: number | null; output: string; error: string | null }

/**
 * Checks that every profile event names an action the scenario defines, and
 * that the actions' `${ENV}` references are set. Throws an InputError listing
 * every problem (profile file and line where known).
 */
export const checkEvents = (events: readonly ProfileEvent[], scenario: Scenario | null, profileFile: string | null): void => {
  const problems: Problem[] = [];
  const names = Object.keys(scenario?.actions ?? {});
  events.forEach((e, i) => {
    if (scenario?.actions[e.action] === undefined) {
      problems.push({
        file: profileFile, line: null, field: `events[${i}].action`,
        message: `no action named "${e.action}" in the scenario${scenario?.file ? ` (${scenario.file})` : ''}; it defines: ${names.join(', ') || '(none)'}`,
      });
    }
  });
  for (const [name, a] of Object.entries(scenario?.actions ?? {})) {
    if (a.kind !== 'http') continue;
    for (const [k, v] of Object.entries(a.headers)) {
      const ex = expandEnv(v);
      if (!ex.ok) problems.push({ file: scenario?.file ?? null, line: null, field: `actions.${name}.headers.${k}`, message: `environment variable ${ex.missing.join(', ')} is not set` });
    }
  }
  if (problems.length > 0) throw new InputError(problems, { hint: 'define the action under `actions:` in the scenario, e.g. deploy: { http: POST /admin/deploy }' });
};

const truncate = (text: string): string => {
  const clean = redact(text);
  return clean.length > EVENT_OUTPUT_LIMIT ? `${clean.slice(0, EVENT_OUTPUT_LIMIT)}… (truncated)` : clean;
};

const expand = (text: string): string => {
  const ex = expandEnv(text);
  if (!ex.ok) throw inputError('', `environment variable ${ex.missing.join(', ')} is not set`);
  return ex.value;
};

/**
 * The URL an `http` action sends to, `${ENV}` expanded: relative to the
 * target's own path (`http://host/api` + `/admin/deploy` → `/api/admin/deploy`).
 * A path starting `//` names another host; the safety rule checks it like the target.
 * Null when the result is not a URL.
 */
export const actionUrl = (a: Extract<Action, { kind: 'http' }>, target: URL): URL | null => {
  const path = target.pathname.replace(/\/+$/, '') + expand(a.path);
  return URL.canParse(path, target.href) ? new URL(path, target) : null;
};

const runHttp = async (a: Extract<Action, { kind: 'http' }>, ctx: ActionContext): Promise<ActionOutcome> => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.headers)) headers[k] = expand(v);
  let body: string | undefined;
  if (a.body !== undefined && a.body !== null) {
    body = typeof a.body === 'string' ? expand(a.body) : JSON.stringify(a.body);
    if (typeof a.body !== 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const url = actionUrl(a, ctx.target);
  if (url === null) return { ok: false, status: null, output: '', error: redact(`not a URL: ${a.path}`) };
  try {
    const signals = [AbortSignal.timeout(a.timeoutMs), ...(ctx.signal ? [ctx.signal] : [])];
    const { request } = await import('undici');
    const res = await request(url, { method: a.method, headers, body, signal: AbortSignal.any(signals), ...(ctx.dispatcher ? { dispatcher: ctx.dispatcher } : {}) });
    const text = await res.body.text();
    const ok = res.statusCode < 400;
    return { ok, status: res.statusCode, output: truncate(text), error: ok ? null : `HTTP ${res.statusCode}` };
  } catch (e) {
    const timedOut = (e as { name?: string }).name === 'TimeoutError';
    return { ok: false, status: null, output: '', error: redact(timedOut ? `timed out after ${a.timeoutMs / 1000} s` : errorMessage(e)) };
  }
};

const runCommand = (a: Extract<Action, { kind: 'run' }>, ctx: ActionContext): Promise<ActionOutcome> =>
  new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      if (output.length < EVENT_OUTPUT_LIMIT * 2) output += chunk.toString('utf8');
    };
    const child = spawn('/bin/sh', ['-c', a.command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PRODSHAPE_TARGET: ctx.target.href, PRODSHAPE_RUN_DIR: ctx.runDir },
    });
    let timedOut = false;
    let aborted = false;
    const kill = (): void => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
      setTimeout(() => {
        try {
          if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }, 2000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, a.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, status: null, output: truncate(output), error: redact(errorMessage(e)) });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      const error = timedOut ? `timed out after ${a.timeoutMs / 1000} s` : aborted ? 'stopped with the run' : code === 0 ? null : sig !== null ? `killed by ${sig}` : `exited with code ${code}`;
      resolve({ ok: error === null, status: code, output: truncate(output), error });
    });
  });

/** Runs one action; never throws for a failing action (the failure is the outcome). */
export const runAction = async (action: Action, ctx: ActionContext): Promise<ActionOutcome> => {
  try {
    return action.kind === 'http' ? await runHttp(action, ctx) : await runCommand(action, ctx);
  } catch (e) {
    return { ok: false, status: null, output: '', error: redact(errorMessage(e)) };
  }
};

/** Runs a profile event and builds its record; `nowMs` is the run clock. */
export const fireEvent = async (
  event: ProfileEvent,
  actions: Record<string, Action>,
  ctx: ActionContext,
  nowMs: () => number,
): Promise<EventRecord> => {
  const action = actions[event.action];
  const startMs = nowMs();
  if (action === undefined) {
    return { t_s: event.atMs / 1000, action: event.action, kind: 'missing', start_ms: startMs, end_ms: startMs, ok: false, status: null, output: '', error: `no action named "${event.action}"` };
  }
  const out = await runAction(action, ctx);
  return { t_s: event.atMs / 1000, action: event.action, kind: action.kind, start_ms: round1(startMs), end_ms: round1(nowMs()), ...out };
};

const round1 = (x: number): number => Math.round(x * 10) / 10;
