import { CacheError, type StatsCounters } from '@pywatt/cache-core';
import { type SweepReport, sweepDirectory } from './sweep.js';

/** What the scheduler needs from its cache. */
export interface SweepSchedulerOptions {
  readonly directory: string;
  readonly maxItems: number;
  readonly maxSizeBytes: number;
  /** Time between background sweeps; infinity means none. */
  readonly intervalMs: number;
  /** The cache's read notes, recorded by each sweep. */
  readonly accessTimes: Map<string, number>;
  /** The cache's stats counters: sweeps add expirations, evictions and errors. */
  readonly counters: StatsCounters;
  /** Turns a non-CacheError failure of a sweep into a CacheError. */
  readonly wrapError: (error: unknown) => CacheError;
}

/**
 * Runs a file cache's sweeps: shares one run among concurrent callers, keeps
 * the (unref'd) background timer, and remembers the last sweep's outcome for
 * `stats().backend`.
 */
export class SweepScheduler {
  readonly #options: SweepSchedulerOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepReport> | undefined;
  #lastSweep: (SweepReport & { atMs: number }) | undefined;
  #lastSweepError: string | undefined;

  constructor(options: SweepSchedulerOptions) {
    this.#options = options;
  }

  /**
   * Starts the background timer (once; not at all for an infinite interval).
   * Each tick calls `sweep`; a failed background sweep is only counted.
   */
  start(sweep: () => Promise<unknown>): void {
    if (this.#timer === undefined && Number.isFinite(this.#options.intervalMs)) {
      this.#timer = setInterval(() => void sweepQuietly(sweep), this.#options.intervalMs);
      this.#timer.unref();
    }
  }

  /** Sweeps now, or joins the sweep already running. */
  run(): Promise<SweepReport> {
    this.#sweeping ??= this.#runSweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Stops the timer and waits for a running sweep to end. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => undefined);
  }

  /** Adds the last sweep's outcome (or failure) to a `stats().backend` record. */
  describeInto(backend: Record<string, string | number>): void {
    const last = this.#lastSweep;
    if (last !== undefined) {
      backend.lastSweepAtMs = last.atMs;
      backend.lastSweepItemCount = last.itemCount;
      backend.lastSweepSizeBytes = last.sizeBytes;
      backend.lastSweepStrayEntries = last.strayEntries;
    }
    if (this.#lastSweepError !== undefined) backend.lastSweepError = this.#lastSweepError;
  }

  async #runSweep(): Promise<SweepReport> {
    const { counters } = this.#options;
    try {
      const report = await sweepDirectory({
        directory: this.#options.directory,
        maxItems: this.#options.maxItems,
        maxSizeBytes: this.#options.maxSizeBytes,
        accessTimes: this.#options.accessTimes,
      });
      counters.expirations += report.expired;
      counters.evictions += report.evicted;
      counters.errors += report.corrupt;
      this.#lastSweep = { ...report, atMs: Date.now() };
      this.#lastSweepError = undefined;
      return report;
    } catch (error) {
      counters.errors++;
      const wrapped = CacheError.is(error) ? error : this.#options.wrapError(error);
      this.#lastSweepError = wrapped.message;
      throw wrapped;
    }
  }
}

async function sweepQuietly(sweep: () => Promise<unknown>): Promise<void> {
  // A failed background sweep is counted in stats().errors and shown in stats().backend.
  await sweep().catch(() => undefined);
}
