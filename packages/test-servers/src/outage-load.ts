import { performance } from 'node:perf_hooks';
import type { ServerHandle } from './process.js';

/** The phases of an outage run, in order. */
export type OutagePhase = 'before' | 'stopped' | 'killed' | 'after';

/** Options of {@link runOutageLoad}. Times are ms from the start of the run. */
export interface OutageLoadOptions {
  /** The server to freeze, kill and restart (one the caller started). */
  readonly server: ServerHandle;
  /** One request: resolves with the value read, or rejects. */
  readonly read: (key: string) => Promise<unknown>;
  /** Whether a resolved value counts as answered well (fresh, or in grace). */
  readonly acceptable: (value: unknown, key: string) => boolean;
  /** Hot keys `k0`… (uniformly drawn). Default 1,000. */
  readonly keys?: number;
  /** Requests started per second, spread evenly (catching up when the timer lags). Default 2,000. */
  readonly ratePerSec?: number;
  /** Length of the run. Default 60,000. */
  readonly durationMs?: number;
  /** SIGSTOP at this time. Default 15,000. */
  readonly stopAtMs?: number;
  /** SIGKILL at this time. Default 25,000. */
  readonly killAtMs?: number;
  /** Restart at this time. Default 35,000. */
  readonly restartAtMs?: number;
  /** Runs (without holding up the load) once the restarted server answers. */
  readonly afterRestart?: () => Promise<void>;
  /** Longest wait for the requests still pending at the end before counting them unanswered. Default 10,000. */
  readonly drainMs?: number;
}

/** Latency figures of one phase, in ms. */
export interface PhaseFigures {
  readonly requests: number;
  readonly answered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What {@link runOutageLoad} measured. */
export interface OutageLoadResult {
  readonly requests: number;
  /** Resolved with an acceptable value. */
  readonly answered: number;
  /** Rejected, resolved with an unacceptable value, or still pending after the drain. */
  readonly failed: number;
  /** Failure reasons and their counts. */
  readonly failures: ReadonlyMap<string, number>;
  readonly phases: Readonly<Record<OutagePhase, PhaseFigures>>;
  /** stopped + killed: the outage. */
  readonly outage: PhaseFigures;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function figures(samples: ReadonlyArray<{ ms: number; ok: boolean }>): PhaseFigures {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  return {
    requests: samples.length,
    answered: samples.filter((s) => s.ok).length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? 0,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Drives a steady load of reads while `server` is frozen (SIGSTOP), then killed
 * (SIGKILL), then restarted on the same port: the outage timeline of the
 * resilience chaos test and `pnpm bench resilience`. Every request is timed
 * from the moment it is due, so a lagging timer shows up as latency, and sorted
 * into the phase it started in.
 */
export async function runOutageLoad(options: OutageLoadOptions): Promise<OutageLoadResult> {
  const keys = options.keys ?? 1_000;
  const rate = options.ratePerSec ?? 2_000;
  const durationMs = options.durationMs ?? 60_000;
  const stopAt = options.stopAtMs ?? 15_000;
  const killAt = options.killAtMs ?? 25_000;
  const restartAt = options.restartAtMs ?? 35_000;
  const samples: Record<OutagePhase, Array<{ ms: number; ok: boolean }>> = {
    before: [],
    stopped: [],
    killed: [],
    after: [],
  };
  const failures = new Map<string, number>();
  const fail = (reason: string) => failures.set(reason, (failures.get(reason) ?? 0) + 1);
  const pending = new Set<Promise<void>>();
  let phase: OutagePhase = 'before';
  let issued = 0;
  const start = performance.now();

  const one = (): void => {
    const key = `k${Math.floor(Math.random() * keys)}`;
    const bucket = samples[phase];
    const calledMs = performance.now();
    const request = options.read(key).then(
      (value) => {
        const ok = options.acceptable(value, key);
        if (!ok) fail('unacceptable value');
        bucket.push({ ms: performance.now() - calledMs, ok });
      },
      (error: unknown) => {
        fail(error instanceof Error ? `${error.name}: ${error.message.slice(0, 80)}` : 'rejected');
        bucket.push({ ms: performance.now() - calledMs, ok: false });
      },
    );
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };

  const timeline = (async () => {
    await sleep(stopAt);
    options.server.pause();
    phase = 'stopped';
    await sleep(killAt - (performance.now() - start));
    phase = 'killed';
    await options.server.kill();
    await sleep(restartAt - (performance.now() - start));
    await options.server.restart();
    phase = 'after';
    await options.afterRestart?.();
  })();

  while (performance.now() - start < durationMs) {
    const elapsed = performance.now() - start;
    const due = Math.floor((elapsed * rate) / 1000);
    for (let n = 0; issued < due && n < rate; n++, issued++) one();
    await sleep(5);
  }
  await timeline;
  const drained = Promise.all([...pending]);
  const unanswered = await Promise.race([
    drained.then(() => 0),
    sleep(options.drainMs ?? 10_000).then(() => pending.size),
  ]);
  for (let i = 0; i < unanswered; i++) fail('still pending after the run');
  const all = [...samples.before, ...samples.stopped, ...samples.killed, ...samples.after];
  const answered = all.filter((s) => s.ok).length;
  return {
    requests: issued,
    answered,
    failed: issued - answered,
    failures,
    phases: {
      before: figures(samples.before),
      stopped: figures(samples.stopped),
      killed: figures(samples.killed),
      after: figures(samples.after),
    },
    outage: figures([...samples.stopped, ...samples.killed]),
  };
}
