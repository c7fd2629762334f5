/** One function of src/ and its body length in lines. `file` is relative to the folder read. */
export interface FunctionSize {
  file: string;
  name: string;
  /** 1-based line where the body opens. */
  line: number;
  lines: number;
}
/** src-relative files whose functions may be long (the hot path). */
export declare const HOT_PATH: string[];
/** Every function in one file's text with its body length in lines. */
export declare const functionsOf: (file: string, text: string) => FunctionSize[];
/** The functions under `dir` longer than `limit` (80) lines, longest first; hot-path files only with `all`. */
export declare const longFunctions: (dir: string, options?: { limit?: number; all?: boolean }) => FunctionSize[];
