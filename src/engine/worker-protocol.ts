/** Messages between the main thread and `--workers` threads (structured clone). */
import type { Problem } from '../core/errors.js';
import type { RequestRecord, WindowRecord } from '../run/format.js';
import type { LiveSnapshot } from './recorder.js';
import type { ShareResult } from './share.js';

/** Live counters with the latency histogram encoded. */
export type EncodedLive = Omit<LiveSnapshot, 'latency'> & { latency: string; inflight: number; atMs: number };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'warmed' }
  | { type: 'windows'; seconds: WindowRecord[][] }
  | { type: 'live'; live: EncodedLive }
  | { type: 'requests'; records: RequestRecord[] }
  | { type: 'dead'; reason: string }
  | { type: 'done'; result: Omit<ShareResult, 'lag'> & { lag: string } }
  | { type: 'error'; name: string; message: string; code: string | null; hint: string | null; problems: Problem[] | null; exitCode: number | null };

export type MainMessage =
  | { type: 'warm'; startEpochMs: number }
  | { type: 'start'; t0EpochMs: number }
  | { type: 'stop'; reason: string; graceMs: number };
