/**
 * One share of a run on one thread: the open-model scheduler, HTTP dispatch
 * and measurement. The main thread runs one in process (`--workers 1`) or N
 * worker threads each run one over their share of the plan.
 *
 * The scheduler sends each planned request at its intended time `atMs`
 * (ms since the run's time zero), whatever happened to earlier requests: an
 * open model. Latency is measured from `atMs` (no coordinated omission),
 * service time from the actual send, and the schedule lag (send − intended)
 * shows when the generator itself fell behind.
 *
 * This is the hot path; it is allowed to be long and is commented.
 */
import type { Dispatcher } from 'undici';
import { ERROR_CLASSES, type ErrorClass, type RequestRecord, type WindowRecord } from '../run/format.js';
import type { PlannedRequest, PlanStream } from '../traffic/plan.js';
import { classifyError, classifyStatus, createPool, RequestTimeoutError } from './http.js';
import type { HotDispatcher } from './h1-client.js';
import { CLASS_INDEX, ERROR_INDEX, Recorder, type LiveSnapshot, type ShareTotals, type TrackedTenant } from './recorder.js';
import type { Histogram } from '../run/histogram.js';
import type { TenantRecord } from '../run/format.js';
import type { RunClock } from './clock.js';
import type { PinnedHost } from './reach.js';
import { round3 } from '../core/round.js';
import { InFlightList, type Linked } from './inflight-list.js';

/** How one share runs. */
export interface ShareOptions {
  target: URL;
  /** Connections to the target from this share. */
  connections: number;
  /** In-flight cap for this share; arrivals beyond it are dropped. null = no cap. */
  maxInflight: number | null;
  /** Default per-request timeout, ms (a PlannedRequest may carry its own). */
  timeoutMs: number;
  trackedTenants: TrackedTenant[] | null;
  /** Emit a RequestRecord per request (`--log-requests`). */
  logRequests: boolean;
  /**
   * Stop the share when, for this long, every request ended in a connection error (refused, reset, connect
   * timeout) and none got a response: the target stopped answering. Default `deadTargetAfterMs` of the run.
   */
  deadAfterMs?: number;
  clock: RunClock;
  /** Injected dispatcher (tests; an undici Dispatcher fits); default `createPool(target)` (http.ts). */
  dispatcher?: HotDispatcher;
  /** Addresses checked at the start (reach.ts): the pool connects only to these [DNS at connect]. */
  pins?: PinnedHost[];
  /** How often live counters are emitted, ms (default 1000). */
  liveIntervalMs?: number;
  /**
   * Busy-poll (`--busy-poll`): the thread never sleeps between sends. It serves I/O and spins in slices of
   * at most SPIN_SLICE_MS instead of napping or sleeping on a timer, so no send waits for the system to wake the
   * thread (on a virtual machine an idle CPU halts, and its wake-up is now and then late by milliseconds).
   * Each arrival is sent at its time (no SEND_QUANTUM_MS). Costs one core per share for the whole run,
   * whatever the rate. Default false.
   */
  busyPoll?: boolean;
  /**
   * The recorder's free histograms, shared with another share on the same thread: a warm-up's, so that
   * the run's first seconds reuse the histograms the warm-up's allocated (see Recorder `free`).
   */
  histogramPool?: Histogram[];
  /**
   * The scenario's endpoints: the recorder allocates the histograms of the first two seconds' cells
   * (three per endpoint, one tenant class; PREFILL_MAX at most) before time zero, not in them.
   */
  endpointCount?: number;
}

/** Histograms (~94 KB each) a share allocates before time zero at most: 24 MB. */
export const PREFILL_MAX = 256;

/** Where a share's results go as the run goes on. */
export interface ShareSink {
  /** Closed seconds, in order (each a possibly empty list of window records). */
  windows(seconds: WindowRecord[][]): void;
  live(s: LiveSnapshot & { inflight: number; atMs: number }): void;
  requests?(records: RequestRecord[]): void;
  /** The target looks dead (only connect errors for a while). */
  dead(reason: string): void;
}

/** What a share's warm-up before time zero did (warmup.ts); none of it is in the run's numbers. */
export interface WarmupResult {
  totals: ShareTotals;
  /** Schedule lag p99 of the warm-up's sends, ms (null when none was sent). */
  lagP99Ms: number | null;
}

/** What a share measured over the whole run. */
export interface ShareResult {
  totals: ShareTotals;
  lag: Histogram;
  tenants: TenantRecord[];
  endpoints: string[];
  /** Seconds emitted (0 … endSecond − 1). */
  endSecond: number;
  /** When arrivals stopped (ms since time zero) and whether the plan was cut short. */
  stoppedAtMs: number;
  cutShort: boolean;
  /**
   * Requests aborted at the stop: still in flight when the grace period ended. Each is recorded (error
   * class `aborted`, latency from its intended time to the end of the grace period).
   */
  abandoned: number;
  /** Arrivals that came earlier than the one before them (the stream was not sorted); sent as due. */
  unsorted: number;
  /** What the share's warm-up before time zero did, when it had one (warmup.ts); none of it is in the numbers above. */
  warmup?: WarmupResult;
}

/**
 * How long a target may give nothing but connection errors (refused, reset, connect timeouts) before the
 * run stops as "the target stopped answering", ms: 10% of the planned run, at least 5 s, at most 60 s
 * (long enough for a restart during a deploy event, short enough to end a CI job whose target died).
 */
export const deadTargetAfterMs = (plannedDurationMs: number): number => Math.max(5000, Math.min(60_000, plannedDurationMs / 10));

/**
 * Longest nap (ms) the scheduler takes before an arrival less than 2 ms away.
 * Responses that come in during a nap are read after it: their latency can
 * read up to this much high.
 */
export const NAP_MS = 0.3;

/**
 * The shortest time (ms) between two wake-ups that send, in the default mode:
 * an arrival due less than this after the last wake-up that sent is sent at
 * the next one, with everything else due by then. So the thread wakes to send
 * at most 1 / SEND_QUANTUM_MS times a second (3,333/s), whatever the rate:
 * each wake-up is a nap and a poll of the sockets, two system calls and a
 * context switch, which cost more CPU than the send itself on a virtual
 * machine. Such an arrival is sent up to this late; its lag and its latency
 * (from its intended time) count the wait, as any lag. An arrival after a
 * longer quiet stretch is not held. Measured at 10,000/s against nginx: CPU
 * per request 26-31 µs against 33-40 µs sent one by one, lag p99 0.37-0.94 ms
 * against 0.18-0.59 ms (docs/benchmarks.md, "Sends grouped").
 */
export const SEND_QUANTUM_MS = 0.3;

/** Busy-poll's longest spin (ms) before it serves I/O again: a response is read at most this late. */
export const SPIN_SLICE_MS = 0.2;

/**
 * The last stretch before an arrival (ms) that the scheduler busy-waits
 * instead of napping, when the arrival follows a gap of at least
 * SPIN_AFTER_GAP_MS: a nap (a futex wait) wakes about 0.1 ms late even on a
 * quiet machine, later on a busy one, where it gives the core away. Spinning
 * only after long gaps bounds its cost to SPIN_MS per SPIN_AFTER_GAP_MS (at
 * most 20% of a core, about 7% at 1,000/s Poisson, nothing measurable from
 * 5,000/s on, where the gaps are shorter and the nap's 0.1 ms is far below
 * the lag the event loop adds). Not above NAP_MS: a response that comes in
 * during the spin is read after it, like one during a nap.
 */
export const SPIN_MS = 0.2;
/** Arrivals this long (ms) after the one before them get the spin. */
export const SPIN_AFTER_GAP_MS = 1;

/**
 * The periodic bookkeeping (closing seconds, whose histograms the run loop
 * then encodes one per turn; the live counters; the request log; timeouts)
 * runs every MAINTAIN_EVERY_MS, in a gap
 * of at least IDLE_GAP_MS before the next send, so that its millisecond or so
 * of work delays no send. Where no such gap comes (rates of several thousand
 * per second) it runs on its timer's next tick regardless, once it has waited
 * MAX_DEFER_MS (so at least every 2 x MAINTAIN_EVERY_MS). At 1,000/s Poisson
 * one gap in twenty is that long: the work waits about 20 ms.
 */
export const MAINTAIN_EVERY_MS = 100;
export const IDLE_GAP_MS = 3;
export const MAX_DEFER_MS = 100;

/**
 * Reads a plan stream ahead: synchronous streams are pulled one at a time,
 * asynchronous ones in batches, so the scheduler never awaits per request.
 */
class PlanCursor {
  head: PlannedRequest | undefined;
  done = false;
  private readonly sync: Iterator<PlannedRequest> | null;
  private readonly async: AsyncIterator<PlannedRequest> | null;
  private buf: PlannedRequest[] = [];
  private pos = 0;
  constructor(stream: PlanStream) {
    if (Symbol.iterator in stream) {
      this.sync = stream[Symbol.iterator]();
      this.async = null;
    } else {
      this.sync = null;
      this.async = stream[Symbol.asyncIterator]();
    }
    this.advance();
  }
  /** Moves to the next request; `head` is undefined when done or when `fill` must be awaited. */
  advance(): void {
    if (this.sync !== null) {
      const r = this.sync.next();
      this.head = r.done ? undefined : r.value;
      if (r.done) this.done = true;
      return;
    }
    this.head = this.pos < this.buf.length ? this.buf[this.pos++] : undefined;
  }
  /** For asynchronous streams: reads up to 512 more requests. */
  async fill(): Promise<void> {
    if (this.async === null || this.done) return;
    this.buf = [];
    this.pos = 0;
    while (this.buf.length < 512) {
      const r = await this.async.next();
      if (r.done) {
        this.done = true;
        break;
      }
      this.buf.push(r.value);
    }
    this.advance();
  }
  /** Lets the source release files and timers when the run stops early. */
  async close(): Promise<void> {
    if (this.sync?.return) this.sync.return();
    if (this.async?.return) await this.async.return();
  }
}

/** A request on the wire: the undici handler (legacy callbacks: no per-request header parsing). */
class InFlight implements Dispatcher.DispatchHandler, Linked<InFlight> {
  abortFn: ((err?: Error) => void) | null = null;
  prev: InFlight | null = null;
  next: InFlight | null = null;
  listed = false;
  status = 0;
  /** Recorded (completed, failed or timed out): later callbacks only release it. */
  recorded = false;
  constructor(
    readonly runner: ShareRunner,
    readonly req: PlannedRequest,
    readonly ep: number,
    readonly cls: number,
    readonly sentMs: number,
    readonly deadlineMs: number,
  ) {}
  onConnect(abort: (err?: Error) => void): void {
    // A request that timed out while still queued in the pool is aborted as soon as it reaches a socket.
    if (this.recorded) abort(new RequestTimeoutError(this.deadlineMs - this.sentMs));
    else this.abortFn = abort;
  }
  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }
  onData(): boolean {
    return true; // bodies are drained, never kept
  }
  onComplete(): void {
    const cls = classifyStatus(this.status);
    this.runner.finish(this, cls === null ? -1 : ERROR_INDEX[cls]);
  }
  onError(err: Error): void {
    this.runner.finish(this, ERROR_INDEX[classifyError(err)]);
  }
}

/** Runs one share of a plan; see the module comment. */
export class ShareRunner {
  readonly recorder: Recorder;
  private readonly cursor: PlanCursor;
  private readonly dispatcher: HotDispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly inflight = new InFlightList<InFlight>();
  private maxTimeoutMs: number;
  private stopReason: string | null = null;
  private frontierMs = 0;
  /** Intended time of the last arrival handled: a stream must not go back in time. */
  private lastAtMs = -Infinity;
  /** When the run loop last woke and sent (default mode), ms; -Infinity when it is behind and sends at once. */
  private lastSendWakeMs = -Infinity;
  private unsorted = 0;
  private firstConnectErrorMs: number | null = null;
  private reqLog: RequestRecord[] = [];
  private lastLiveMs = 0;
  /** When the periodic bookkeeping fell due and has not run yet (run clock, ms); null when none is due. */
  private maintainDueMs: number | null = null;
  private graceMs = 0;
  private readonly waiters: (() => void)[] = [];
  /** The target's path (`http://host/api` → `/api`), prefixed to every request path. */
  private readonly basePath: string;
  private endArrivals: () => void = () => undefined;
  /** Resolves when the share sends no more arrivals (end of plan, stop, or failure); requests in flight may still finish. */
  readonly arrivalsEnded = new Promise<void>((res) => {
    this.endArrivals = res;
  });

  constructor(stream: PlanStream, private readonly opts: ShareOptions, private readonly sink: ShareSink) {
    this.recorder = new Recorder({ trackedTenants: opts.trackedTenants, ...(opts.histogramPool ? { pool: opts.histogramPool } : {}) });
    this.recorder.prefill(Math.min(PREFILL_MAX, 2 * 3 * (opts.endpointCount ?? 1)));
    this.cursor = new PlanCursor(stream);
    this.ownsDispatcher = opts.dispatcher === undefined;
    this.dispatcher = opts.dispatcher ?? createPool(opts.target, { connections: opts.connections, timeoutMs: opts.timeoutMs, ...(opts.pins ? { pins: opts.pins } : {}) });
    this.maxTimeoutMs = opts.timeoutMs;
    this.basePath = basePathOf(opts.target);
  }

  /** The connections this share sends on: a warm-up before time zero shares them (warmup.ts). */
  get hotDispatcher(): HotDispatcher {
    return this.dispatcher;
  }

  /** Requests sent and not yet released by undici. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Stops arrivals; in-flight requests get `graceMs` to finish. Idempotent (the first reason wins). */
  stop(reason: string, graceMs: number): void {
    this.graceMs = this.stopReason === null ? graceMs : Math.min(this.graceMs, graceMs);
    if (this.stopReason === null) this.stopReason = reason;
    for (const w of this.waiters.splice(0)) w();
  }

  private send(r: PlannedRequest, nowMs: number): void {
    const rec = this.recorder;
    const ep = rec.endpointId(r.endpoint);
    const cls = CLASS_INDEX[r.tenantClass];
    const cap = this.opts.maxInflight;
    if (cap !== null && this.inflight.size >= cap) {
      rec.drop(r.atMs, ep, cls);
      if (this.opts.logRequests) this.reqLog.push({ intended_ms: r.atMs, sent_ms: null, latency_ms: null, service_ms: null, status: null, error: null, endpoint: r.endpoint, tenant: r.tenant, dropped: true });
      return;
    }
    const timeoutMs = r.timeoutMs ?? this.opts.timeoutMs;
    if (timeoutMs > this.maxTimeoutMs) this.maxTimeoutMs = timeoutMs;
    const h = new InFlight(this, r, ep, cls, nowMs, nowMs + timeoutMs);
    rec.send(r.atMs, nowMs, ep, cls);
    this.inflight.add(h);
    const opts: Dispatcher.DispatchOptions = { path: this.basePath === '' ? r.path : this.basePath + r.path, method: r.method };
    if (r.headers !== undefined) opts.headers = r.headers;
    if (r.body !== undefined) opts.body = r.body;
    try {
      this.dispatcher.dispatch(opts, h);
    } catch (e) {
      this.finish(h, ERROR_INDEX[classifyError(e)]);
    }
  }

  /** Called by a request's handler (or the timeout sweep) when it ends. */
  finish(h: InFlight, err: number, atMs?: number): void {
    if (atMs === undefined) this.inflight.delete(h);
    if (h.recorded) return;
    h.recorded = true;
    const doneMs = atMs ?? this.opts.clock.nowMs();
    const r = h.req;
    this.recorder.complete(r.atMs, h.sentMs, doneMs, h.ep, h.cls, err, r.tenant);
    // A response of any status (5xx included) or a request timeout means something still answers.
    if (err === ERROR_INDEX.connect || err === ERROR_INDEX.reset) this.firstConnectErrorMs ??= doneMs;
    else this.firstConnectErrorMs = null;
    if (this.opts.logRequests) {
      this.reqLog.push({
        intended_ms: round3(r.atMs), sent_ms: round3(h.sentMs), latency_ms: round3(doneMs - r.atMs), service_ms: round3(doneMs - h.sentMs),
        status: h.status === 0 ? null : h.status, error: err < 0 ? null : (ERROR_CLASSES[err] as ErrorClass), endpoint: r.endpoint, tenant: r.tenant,
      });
    }
  }

  /**
   * Sends every arrival of the plan due by `stopMs` that the generator had not sent yet (it was behind
   * when the stop came): a stop ends the arrivals after it, not those intended before it, which get the
   * grace period like every request in flight.
   */
  private async sendDue(stopMs: number): Promise<void> {
    const cursor = this.cursor;
    for (;;) {
      const r = cursor.head;
      if (r === undefined) {
        if (cursor.done) return;
        await cursor.fill();
        continue;
      }
      if (r.atMs > stopMs) return;
      // As for an unsorted stream: never into a second that may be closed already.
      if (r.atMs < this.lastAtMs) {
        this.unsorted++;
        r.atMs = this.lastAtMs;
      }
      this.lastAtMs = r.atMs;
      this.send(r, this.opts.clock.nowMs());
      cursor.advance();
    }
  }

  /** Times out requests past their deadline (in send order: stop at the first that cannot be late yet). */
  private sweep(nowMs: number): void {
    let h = this.inflight.head;
    while (h !== null) {
      if (h.sentMs + this.maxTimeoutMs > nowMs && h.deadlineMs > nowMs) break;
      const next = h.next;
      if (!h.recorded && h.deadlineMs <= nowMs) {
        this.finish(h, ERROR_INDEX.timeout, h.deadlineMs);
        h.abortFn?.(new RequestTimeoutError(h.deadlineMs - h.sentMs));
      }
      // (An abort may have released more than `h`: then start over; released ones are gone from the list.)
      h = next !== null && !next.listed ? this.inflight.head : next;
    }
  }

  /**
   * The bookkeeping timer: the work runs now when the next send is at least IDLE_GAP_MS away (or
   * none is due), or when it has waited MAX_DEFER_MS; else the run loop runs it in the next long gap.
   */
  private maintainSoon(): void {
    const now = this.opts.clock.nowMs();
    this.maintainDueMs ??= now;
    if (this.frontierMs - now >= IDLE_GAP_MS || now - this.maintainDueMs >= MAX_DEFER_MS) this.maintain();
  }

  /**
   * Encodes one histogram of the closed seconds (0.1–0.5 ms) and hands the
   * seconds it completes to the sink. The run loop calls it once per turn of
   * the event loop while any wait, so a second's dozens of histograms (three
   * per endpoint and tenant class) delay no send, and no response's read, by
   * more than one encoding.
   */
  private encodeOne(): void {
    const done = this.recorder.encodeStep();
    if (done.length > 0) this.sink.windows(done);
  }

  /** Periodic work off the hot loop: timeouts, closing seconds, live counters, the request log, target health. */
  private maintain(final = false): void {
    this.maintainDueMs = null;
    const now = this.opts.clock.nowMs();
    this.sweep(now);
    // Closing a second here only builds its records; the run loop encodes their histograms one per turn (encodeOne).
    this.recorder.detach({ nowMs: now, frontierMs: this.frontierMs });
    // After the last arrival (the drain) the loop no longer runs: encode here.
    if (final || this.frontierMs === Infinity) while (this.recorder.encoding) this.encodeOne();
    if (now - this.lastLiveMs >= (this.opts.liveIntervalMs ?? 1000) || final) {
      this.lastLiveMs = now;
      this.sink.live({ ...this.recorder.takeLive(), inflight: this.inflight.size, atMs: now });
    }
    if (this.reqLog.length > 0 && this.sink.requests) {
      this.sink.requests(this.reqLog);
      this.reqLog = [];
    }
    const deadAfter = this.opts.deadAfterMs ?? 5000;
    if (this.stopReason === null && this.firstConnectErrorMs !== null && now - this.firstConnectErrorMs >= deadAfter) {
      const reason = `the target stopped answering (only connection errors, no response, for ${deadAfter / 1000} s)`;
      this.sink.dead(reason);
      this.stop(reason, 0);
    }
  }

  /**
   * Runs the share to the end of its plan (or until `stop`), waits for
   * in-flight requests (the grace period after a stop; their timeouts
   * otherwise), flushes every second and returns the totals.
   */
  async run(): Promise<ShareResult> {
    const clock = this.opts.clock;
    const stopMaintaining = clock.every(MAINTAIN_EVERY_MS, () => this.maintainSoon());
    const cursor = this.cursor;
    const busyPoll = this.opts.busyPoll === true;
    const quantumMs = busyPoll ? 0 : SEND_QUANTUM_MS;
    // Connections open in the lead time before time zero, not on the first second's requests.
    this.dispatcher.warm?.();
    try {
      for (;;) {
        if (this.stopReason !== null) break;
        let r = cursor.head;
        if (r === undefined) {
          if (cursor.done) break;
          await cursor.fill();
          continue;
        }
        let now = clock.nowMs();
        if (r.atMs <= now && now >= this.lastSendWakeMs + quantumMs) {
          // Send everything due; yield to I/O every 256 sends so responses are read during bursts.
          this.lastSendWakeMs = now;
          let n = 0;
          do {
            if (r.atMs < this.lastAtMs) {
              // An unsorted stream: its second may be closed already. Treat it as due now.
              this.unsorted++;
              r.atMs = this.lastAtMs;
            }
            this.lastAtMs = r.atMs;
            this.send(r, now);
            cursor.advance();
            r = cursor.head;
            now = clock.nowMs();
          } while (r !== undefined && r.atMs <= now && ++n < 256);
          if (r !== undefined) this.frontierMs = r.atMs;
          // Still due (a burst): serve I/O and go on. Otherwise wait below, which serves I/O first:
          // one turn of the event loop per send at moderate rates, not two.
          if (r === undefined || r.atMs <= now) {
            this.lastSendWakeMs = -Infinity; // behind: the quantum does not hold what is late already
            if (this.recorder.encoding) this.encodeOne();
            await clock.yieldIo();
            continue;
          }
        }
        this.frontierMs = r.atMs;
        const waitMs = r.atMs - now;
        if (this.maintainDueMs !== null && waitMs >= IDLE_GAP_MS) {
          // The bookkeeping that fell due while sends were close together: now, in a gap; then look again.
          this.maintain();
          continue;
        }
        if (this.recorder.encoding) {
          // A closed second's histograms: one per turn of the event loop, between sends and reads.
          this.encodeOne();
          await clock.yieldIo();
          continue;
        }
        if (busyPoll) {
          // Never sleep: serve pending I/O, then spin at most SPIN_SLICE_MS towards the arrival, and look again.
          await clock.yieldIo();
          const nowMs = clock.nowMs();
          if (r.atMs > nowMs) clock.spinUntil(Math.min(r.atMs, nowMs + SPIN_SLICE_MS));
        } else if (waitMs > 2) {
          // Timers are coarse (>= 1 ms, often late): sleep most of the gap on one.
          await Promise.race([clock.sleep(waitMs - 1.5), new Promise<void>((res) => this.waiters.push(res))]);
        } else {
          // The last 2 ms: serve pending I/O, then nap at most NAP_MS (a futex wait, no CPU) towards the
          // arrival, or towards the end of the quantum when the last send was less than SEND_QUANTUM_MS ago;
          // after a long gap, busy-wait the last SPIN_MS instead (see SPIN_MS for the CPU it costs).
          await clock.yieldIo();
          const sendAtMs = Math.max(r.atMs, this.lastSendWakeMs + quantumMs);
          const leftMs = sendAtMs - clock.nowMs();
          const spinMs = r.atMs - this.lastAtMs >= SPIN_AFTER_GAP_MS ? SPIN_MS : 0;
          // (A nap shorter than 10 µs is spun: it would wake no earlier, and on fake time could not advance it.)
          if (leftMs > spinMs + 0.01) clock.nap(Math.min(leftMs - spinMs, NAP_MS));
          else if (leftMs > 0) clock.spinUntil(sendAtMs);
        }
      }
    } finally {
      this.waiters.length = 0;
      this.endArrivals();
    }
    const cutShort = this.stopReason !== null && !(cursor.done && cursor.head === undefined);
    const stoppedAtMs = cutShort ? clock.nowMs() : Math.max(this.frontierMs, clock.nowMs());
    // Arrivals due before the stop that the generator had not sent yet (it was behind) are still sent.
    if (cutShort) await this.sendDue(stoppedAtMs);
    this.frontierMs = Infinity;
    if (cutShort) await cursor.close();
    // Drain. At the natural end every request settles (the sweep enforces timeouts);
    // after a stop (or a stop during this wait) in-flight requests get the grace period.
    while (this.stopReason === null && this.recorder.pending > 0) await clock.sleep(20);
    let abandoned = 0;
    if (this.stopReason !== null) {
      // `graceMs` is read on every turn: a second Ctrl-C (stop with 0) ends the wait at once.
      const graceStart = clock.nowMs();
      while (this.recorder.pending > 0 && clock.nowMs() < graceStart + this.graceMs) await clock.sleep(Math.min(20, Math.max(1, graceStart + this.graceMs - clock.nowMs())));
      // What is still in flight is given up now: recorded as aborted, waiting from its intended time until now.
      const abortMs = clock.nowMs();
      for (const h of this.inflight.toArray()) {
        if (!h.recorded) {
          abandoned++;
          this.finish(h, ERROR_INDEX.aborted, abortMs);
        }
        h.abortFn?.(new Error('run stopped'));
      }
    }
    stopMaintaining();
    this.maintain(true);
    const rest = this.recorder.close({ nowMs: clock.nowMs(), frontierMs: Infinity, force: true, untilS: this.recorder.endSecond });
    if (rest.length > 0) this.sink.windows(rest);
    if (this.ownsDispatcher) await this.dispatcher.destroy().catch(() => undefined);
    return {
      totals: this.recorder.totals,
      lag: this.recorder.lag,
      tenants: this.recorder.tenantRecords(),
      endpoints: this.recorder.endpoints,
      endSecond: this.recorder.endSecond,
      stoppedAtMs,
      cutShort,
      abandoned,
      unsorted: this.unsorted,
    };
  }
}

/** The path part of a target URL without its trailing slash (`''` for the root). */
export const basePathOf = (target: URL): string => target.pathname.replace(/\/+$/, '');
