/** Messages between pglite.ts (main thread) and pglite-worker.ts (the database thread). */

/** `workerData` of the PGlite worker: a gzip data-dir tarball to start from, or null for an empty database. */
export interface WorkerInit {
  tarball: string | null;
}

/** What the main thread asks for. */
export type WorkerCommand =
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'exec'; sql: string }
  /** `COPY … FROM '/dev/blob'` with the file's bytes as the blob. */
  | { op: 'copy'; sql: string; file: string }
  /** Writes the data directory as a gzip tarball to `file`. */
  | { op: 'dump'; file: string }
  | { op: 'close' };

/** A command with the id its reply carries (ids start at 1). */
export type WorkerRequest = WorkerCommand & { id: number };

/** Reply to request `id` (id 0: the database is ready, or failed to start). */
export type WorkerReply =
  | { id: number; ok: true; rows: Record<string, unknown>[] }
  | { id: number; ok: false; error: { message: string; code: string | null; detail: string | null } };
