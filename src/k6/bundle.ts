/**
 * The exported TypeScript script as JavaScript, for k6 older than 0.57 (k6
 * v0.47 runs ES modules, not TypeScript) and k6-operator images pinned to one.
 * esbuild strips the types and lowers the syntax to ES2017; the script imports
 * only k6's own modules, which stay imports. esbuild drops comments, so the
 * header (what the script reproduces, how to run it) is put back on top.
 */
import { ProdshapeError } from '../core/errors.js';

/** `script`: the TypeScript text; `header`: its header comment, kept verbatim. Returns the JavaScript text. */
export const toK6JavaScript = async (script: string, header: string): Promise<string> => {
  const esbuild = await import('esbuild');
  try {
    const r = await esbuild.transform(script, { loader: 'ts', format: 'esm', target: 'es2017', banner: header, charset: 'utf8' });
    return r.code;
  } catch (e) {
    throw new ProdshapeError('PS_K6_BUNDLE', `turning the k6 script into JavaScript failed: ${e instanceof Error ? e.message : String(e)}`, {
      hint: 'write it as TypeScript (--format ts) and run it with k6 >= 0.57', cause: e,
    });
  }
};
