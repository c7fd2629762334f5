/**
 * Runs an exported k6 script's JavaScript in Node, with stand-ins for the few
 * k6 modules it imports, so tests can check what the script *does* (which
 * endpoints and tenants it picks, the URLs, headers, bodies and tags it sends,
 * what setup() records) without a k6 binary. The stand-ins record calls and
 * never touch the network. Whether the script is valid k6 TypeScript is the
 * job of the tsc type-check against @types/k6.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compileFunction } from 'node:vm';
import ts from 'typescript';

export interface ShimRequest {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  timeout: string | number | undefined;
}

export interface ShimMetricSample { metric: string; value: number; tags: Record<string, string> }

export interface ShimScript {
  exports: Record<string, unknown>;
  /** Every http.request the script made, in order. */
  requests: ShimRequest[];
  /** Every custom metric sample (Counter/Gauge .add). */
  samples: ShimMetricSample[];
  /** Files opened with open(), relative to the script. */
  opened: string[];
  call(name: string): void;
}

/**
 * Loads `scriptFile` with the given k6 environment (`__ENV`) and random source
 * (the script's Math.random). `status` answers every request.
 */
export const loadShim = (scriptFile: string, opts: { env?: Record<string, string>; random?: () => number; status?: number } = {}): ShimScript => {
  const source = readFileSync(scriptFile, 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
  }).outputText;
  const requests: ShimRequest[] = [];
  const samples: ShimMetricSample[] = [];
  const opened: string[] = [];
  const dir = dirname(scriptFile);
  const metric = (kind: string) =>
    class {
      constructor(readonly name: string) {}
      add(value: number, tags: Record<string, string> = {}): void {
        samples.push({ metric: this.name, value, tags: { ...tags, __kind: kind } });
      }
    };
  const modules: Record<string, unknown> = {
    'k6/http': {
      __esModule: true,
      default: {
        request(method: string, url: string, body: string | null, params: { headers?: Record<string, string>; tags?: Record<string, string>; timeout?: string } = {}) {
          requests.push({ method, url, body, headers: params.headers ?? {}, tags: params.tags ?? {}, timeout: params.timeout });
          return { status: opts.status ?? 200, error: '' };
        },
      },
    },
    'k6/data': {
      SharedArray: function SharedArray(_name: string, fn: () => unknown[]) {
        return fn();
      },
    },
    'k6/metrics': { Counter: metric('counter'), Gauge: metric('gauge') },
    k6: { check: (v: unknown, sets: Record<string, (x: unknown) => boolean>) => Object.values(sets).every((f) => f(v)) },
  };
  const require = (name: string): unknown => {
    const m = modules[name];
    if (m === undefined) throw new Error(`the shim has no module ${name}`);
    return m;
  };
  const open = (file: string): string => {
    opened.push(file);
    return readFileSync(resolve(dir, file), 'utf8');
  };
  const shimMath = Object.create(Math) as Math;
  if (opts.random) shimMath.random = opts.random;
  const exports: Record<string, unknown> = {};
  const module = { exports };
  // The script's free names (__ENV, open, Math) resolve to these parameters.
  const run = compileFunction(js, ['require', 'exports', 'module', '__ENV', 'open', 'Math'], { filename: scriptFile }) as (...args: unknown[]) => void;
  run(require, exports, module, { ...(opts.env ?? {}) }, open, shimMath);
  return {
    exports: module.exports,
    requests,
    samples,
    opened,
    call(name) {
      const f = module.exports[name];
      if (typeof f !== 'function') throw new Error(`the script exports no function ${name}`);
      (f as () => void)();
    },
  };
};
