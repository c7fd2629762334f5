/**
 * The profile's events on the run's clock: each fired on the main thread at
 * its intended time (never early), then written to the run directory and told
 * to the observers. Time is read and waited for only through the injected
 * `RunClock`, so a test can run the timers on fake time.
 */
import { formatDurationMs } from '../core/duration.js';
import type { EventRecord } from '../run/format.js';
import type { ProfileEvent } from '../scenario/profile.js';
import type { Action } from '../scenario/scenario.js';
import type { RunClock } from './clock.js';
import { fireEvent, type ActionContext } from './events.js';

/** Where an event's outcome goes. */
export interface EventSinks {
  /** Writes the record (events.ndjson). */
  write: (rec: EventRecord) => void;
  /** Tells the observers (awaited before the event counts as done). */
  told: (rec: EventRecord) => Promise<void>;
  /** True once the run is stopping: an event not yet started is not fired. */
  stopped: () => boolean;
  log: (line: string) => void;
}

/** The scheduled events: their records as they end, the ones running, and `cancel` for those not yet due. */
export interface ScheduledEvents {
  records: EventRecord[];
  running: Promise<void>[];
  cancel: () => void;
}

/** Schedules `events` (times in ms on `clock`, whose zero is the run's time zero). */
export const scheduleEvents = (
  events: readonly ProfileEvent[], actions: Record<string, Action>, context: ActionContext, clock: RunClock, sinks: EventSinks,
): ScheduledEvents => {
  const records: EventRecord[] = [];
  const running: Promise<void>[] = [];
  const nowMs = (): number => clock.nowMs();
  const cancels = events.map((ev) => clock.after(ev.atMs - clock.nowMs(), () => {
    if (sinks.stopped()) return;
    // Timers work in whole milliseconds and may fire a fraction early: never start an event before its time.
    clock.nap(Math.min(2, ev.atMs - clock.nowMs()));
    sinks.log(`event ${ev.action} at ${formatDurationMs(ev.atMs)}`);
    running.push(fireEvent(ev, actions, context, nowMs).then(async (rec) => {
      records.push(rec);
      sinks.log(`event ${rec.action}: ${rec.ok ? 'ok' : `failed (${rec.error ?? 'error'})`} in ${formatDurationMs(rec.end_ms - rec.start_ms)}`);
      sinks.write(rec);
      await sinks.told(rec);
    }));
  }));
  return { records, running, cancel: () => cancels.forEach((c) => c()) };
};
