import { performance } from 'node:perf_hooks';
import { CacheError } from './errors.js';
import { type CacheOperationContext, recordOutcome, traceApply } from './observability.js';

/**
 * Receives one sampled operation: its context (with `hit`, `hits` or `errorCode`
 * set as on the tracing channels) and how long it took, in ms, from the call to
 * the settling of its promise.
 */
export type DurationListener = (context: CacheOperationContext, durationMs: number) => void;

/** Options of {@link sampleDurations}. */
export interface DurationSamplingOptions {
  /**
   * Time one call in this many, on average, per cache (a safe integer >= 1; 1 times
   * every call). Default {@link DEFAULT_SAMPLE_EVERY}: 128 for a cache whose store is
   * in-process, 32 for one that leaves the process. With several listeners, every
   * listener gets the samples of the smallest `sampleEvery`.
   */
  sampleEvery?: number | undefined;
}

/**
 * The defaults of {@link DurationSamplingOptions.sampleEvery}. Timing one call costs
 * about 2.7 µs, mostly the OpenTelemetry SDK's `Histogram.record`, and two clock reads
 * alone cost about as much as an in-memory `get`: so 1 in 128 calls of a store in
 * the process (memory), 1 in 32 of one that answers over a socket or the file system
 * (`capabilities.sharedAcrossProcesses`), whose calls cost about 3 µs of the client's
 * CPU when pipelined (1 in 16 measured 9 % of it; 1 in 32 with cache-otel's batched
 * records 4 %, 1 in 64 and 1 in 128 no better). Figures: docs/OBSERVABILITY.md.
 */
export const DEFAULT_SAMPLE_EVERY = { inProcess: 128, shared: 32 } as const;

interface Registration {
  readonly listener: DurationListener;
  readonly every: number | undefined;
}

/** What every copy of this module in the process shares (keep its shape stable across versions). */
interface SharedSampling {
  /**
   * Read by every cache on each call: 0 while nobody samples, so the untraced path costs
   * one comparison; else the rate of in-process stores.
   */
  every: number;
  /** The rate of stores shared across processes. */
  sharedEvery: number;
  readonly registrations: Registration[];
}

const SHARED = Symbol.for('@pywatt/cache-core:duration-sampling');
/**
 * One registry per process, like the diagnostics channels: the ESM and CJS builds, or
 * two installed versions, of this package each have their own module state, and a
 * listener registered through one must still see caches made by the other.
 */
export const sampling: SharedSampling = sharedSampling();
const { registrations } = sampling;

function sharedSampling(): SharedSampling {
  const global = globalThis as Record<symbol, SharedSampling | undefined>;
  const shared = global[SHARED] ?? { every: 0, sharedEvery: 0, registrations: [] };
  global[SHARED] = shared;
  return shared;
}

/**
 * Times one call in `sampleEvery` (on average, per cache) of every cache made by
 * `createCache` in this process, and gives each to `listener`. Unlike the tracing
 * channels this builds nothing for the calls it skips; counts stay exact in `stats()`.
 * Returns the function that stops it.
 *
 * @throws CacheError CONFIGURATION when `sampleEvery` is not a safe integer >= 1.
 */
export function sampleDurations(
  listener: DurationListener,
  options: DurationSamplingOptions = {},
): () => void {
  const every = options.sampleEvery;
  if (every !== undefined && (!Number.isSafeInteger(every) || every < 1))
    throw new CacheError(
      'CONFIGURATION',
      `sampleDurations: sampleEvery must be a safe integer >= 1, got ${String(every)}`,
      { operation: 'sampleDurations' },
    );
  const registration = { listener, every };
  registrations.push(registration);
  refresh();
  return () => {
    const index = registrations.indexOf(registration);
    if (index >= 0) registrations.splice(index, 1);
    refresh();
  };
}

function refresh(): void {
  const rate = (fallback: number) =>
    registrations.reduce((min, r) => Math.min(min, r.every ?? fallback), Number.POSITIVE_INFINITY);
  sampling.sharedEvery = registrations.length === 0 ? 0 : rate(DEFAULT_SAMPLE_EVERY.shared);
  sampling.every = registrations.length === 0 ? 0 : rate(DEFAULT_SAMPLE_EVERY.inProcess);
}

/**
 * Calls until the next sample: `every` on average, at random intervals, so that a
 * cache's periodic pattern of calls does not always put the same call in the sample.
 */
export function nextCountdown(every: number): number {
  return every === 1 ? 1 : 1 + Math.floor(Math.random() * (2 * every - 1));
}

/**
 * Runs `fn` as {@link traceApply} does and, when `sampled`, reports its
 * duration and outcome to the {@link sampleDurations} listeners.
 */
export function runOperation<T, A extends unknown[]>(
  context: CacheOperationContext,
  sampled: boolean,
  fn: (...args: A) => Promise<T>,
  thisArg: unknown,
  args: A,
): Promise<T> {
  if (!sampled) return traceApply(context, fn, thisArg, args);
  const startedMs = performance.now();
  // Chained, not a side reaction: a caller that drops the promise of a failed call must still
  // get Node's unhandled rejection, sampled or not (a side handler would mark it handled).
  return traceApply(context, fn, thisArg, args).then(
    (result) => {
      recordOutcome(context, result);
      report(context, performance.now() - startedMs);
      return result;
    },
    (error: unknown) => {
      context.errorCode = CacheError.is(error) ? error.code : 'INTERNAL';
      report(context, performance.now() - startedMs);
      throw error;
    },
  );
}

function report(context: CacheOperationContext, durationMs: number): void {
  for (const { listener } of registrations) {
    try {
      listener(context, durationMs);
    } catch (error) {
      // As diagnostics_channel does with a throwing subscriber: the operation is not failed.
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
