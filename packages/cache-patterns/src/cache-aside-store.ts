import { CacheError, type CacheService, type Codec } from '@pywatt/cache-core';
import { encodeWith } from '@pywatt/cache-core/store';
import { type EntryWindows, storeEntry } from './cache-aside-entry.js';
import type { GraceBackoff } from './cache-aside-grace.js';
import type { ReportError } from './cache-aside-lock.js';
import { type Loader, NOT_FOUND, type NotFound } from './cache-aside-options.js';
import { jittered, type ReadSettings } from './cache-aside-settings.js';
import { encodeCachedError } from './internal/cached-error.js';
import { EntryKind } from './internal/envelope.js';
import { runLoader } from './internal/run-loader.js';

const EMPTY = new Uint8Array(0);

/** A value a caller already has (in grace, or stale), and until when it may be served (ms since the epoch). */
export interface Held {
  readonly value: unknown;
  readonly untilMs: number;
}

/** What a load-and-store needs from its CacheAside. */
export interface LoadContext<T> {
  readonly cache: CacheService;
  readonly codec: Codec<T>;
  readonly backoff: GraceBackoff;
  readonly cacheErrorsMs: number | undefined;
  readonly random: () => number;
  readonly report: ReportError;
  /** A refresh failed (reported to `onError` and the `refreshFailed` event). */
  readonly refreshFailed: (error: unknown, key: string) => void;
}

/** How one load runs: `stale` is the value the callers may fall back on; `loaded` hears the loader's answer first. */
export interface LoadRun {
  readonly stale: Held | undefined;
  readonly loaded?: ((value: unknown) => void) | undefined;
  /** A background refresh: its failure goes to the caller of refreshInBackground, not to callers. */
  readonly background?: boolean;
}

/**
 * Runs the loader (with `hardTimeoutMs`) and stores its answer: a value, or a
 * "not found" for `notFoundTtlMs`. In grace, a failed load answers the stale
 * value and holds it for `graceBackoffMs`; a load whose store failed holds the
 * loaded value instead (the cache, e.g. a tier whose L2 is down, cannot).
 * Otherwise a failed load is cached for `cacheErrorsMs` (when set) and thrown.
 */
export async function loadAndStore<T>(
  context: LoadContext<T>,
  key: string,
  loader: Loader<T>,
  settings: ReadSettings,
  run: LoadRun,
): Promise<T | NotFound> {
  const { stale } = run;
  const started = performance.now();
  let value: T | NotFound;
  try {
    value = await runLoader(key, loader, settings.hardTimeoutMs);
  } catch (error) {
    if (stale !== undefined && settings.graceMs > 0) hold(context, key, stale, settings);
    if (stale !== undefined && run.background !== true && Date.now() < stale.untilMs) {
      context.refreshFailed(error, key); // grace: the callers get the old value
      return stale.value as T | NotFound;
    }
    if (run.background !== true && context.cacheErrorsMs !== undefined) {
      const windows = {
        freshMs: jitter(context, context.cacheErrorsMs, settings),
        staleMs: 0,
        graceMs: 0,
      };
      await storeEntry(
        context.cache,
        key,
        EntryKind.ERROR,
        encodeCachedError(error),
        0,
        windows,
      ).catch((e) => context.report(e, key, 'write'));
    }
    throw error;
  }
  run.loaded?.(value);
  const notFound = value === NOT_FOUND;
  const payload = notFound ? EMPTY : encodeValue(context.codec, value as T);
  const windows = notFound
    ? { freshMs: jitter(context, settings.notFoundTtlMs, settings), staleMs: 0, graceMs: 0 }
    : valueWindows(context, settings);
  const kind = notFound ? EntryKind.NOT_FOUND : EntryKind.VALUE;
  try {
    await storeEntry(context.cache, key, kind, payload, performance.now() - started, windows);
    context.backoff.release(key);
  } catch (error) {
    if (CacheError.is(error, 'CLOSED')) throw error;
    context.report(error, key, 'write');
    if (settings.graceMs > 0) {
      const untilMs = Date.now() + windows.freshMs + windows.staleMs + windows.graceMs;
      hold(context, key, { value, untilMs }, settings);
    }
  }
  return value;
}

/** The windows of a stored value: fresh (jittered), stale, grace. */
export function valueWindows<T>(context: LoadContext<T>, settings: ReadSettings): EntryWindows {
  return {
    freshMs: jitter(context, settings.ttlMs, settings),
    staleMs: settings.staleMs,
    graceMs: settings.graceMs,
  };
}

/** The codec's bytes of `value`, or CacheError `SERIALIZATION`. */
export function encodeValue<T>(codec: Codec<T>, value: T): Uint8Array {
  return encodeWith(codec, value, 'cacheAside');
}

function hold<T>(context: LoadContext<T>, key: string, held: Held, settings: ReadSettings): void {
  const now = Date.now();
  const untilMs = Math.min(held.untilMs, now + settings.graceBackoffMs);
  if (untilMs > now) context.backoff.hold(key, held.value, untilMs, now);
}

function jitter<T>(context: LoadContext<T>, ms: number, settings: ReadSettings): number {
  return jittered(ms, settings.ttlJitter, context.random);
}
