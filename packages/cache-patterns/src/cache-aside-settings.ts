import { CacheError } from '@pywatt/cache-core';
import type { CacheAsideCallOptions } from './cache-aside-options.js';
import { nonNegative, optionalDurationMs } from './internal/validate.js';

const OPERATION = 'cacheAside';

/** The per-read settings, resolved and checked once (per instance, or per call that overrides). */
export interface ReadSettings {
  readonly ttlMs: number;
  readonly staleMs: number;
  readonly graceMs: number;
  readonly graceBackoffMs: number;
  readonly softTimeoutMs: number | undefined;
  readonly hardTimeoutMs: number | undefined;
  readonly notFoundTtlMs: number;
  readonly ttlJitter: number;
}

/**
 * `options` over `base` (the instance's settings, or the defaults when `base`
 * is undefined). Throws CacheError `INVALID_ARGUMENT` naming a bad option.
 */
export function resolveReadSettings(
  options: CacheAsideCallOptions & { loaderTimeoutMs?: number | undefined },
  base: ReadSettings | undefined,
  defaultTtlMs: number,
): ReadSettings {
  const ttlJitter = nonNegative(options.ttlJitter, 'ttlJitter', OPERATION, base?.ttlJitter ?? 0);
  if (ttlJitter >= 1) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `option 'ttlJitter' must be below 1, got ${ttlJitter}`,
      {
        operation: OPERATION,
      },
    );
  }
  const hardTimeoutMs =
    optionalDurationMs(options.hardTimeoutMs, 'hardTimeoutMs', OPERATION) ??
    optionalDurationMs(options.loaderTimeoutMs, 'loaderTimeoutMs', OPERATION) ??
    base?.hardTimeoutMs;
  return {
    ttlMs:
      optionalDurationMs(options.ttlMs, 'ttlMs', OPERATION, true) ?? base?.ttlMs ?? defaultTtlMs,
    staleMs: nonNegative(options.staleMs, 'staleMs', OPERATION, base?.staleMs ?? 0),
    graceMs: nonNegative(options.graceMs, 'graceMs', OPERATION, base?.graceMs ?? 0),
    graceBackoffMs:
      optionalDurationMs(options.graceBackoffMs, 'graceBackoffMs', OPERATION) ??
      base?.graceBackoffMs ??
      5_000,
    softTimeoutMs:
      optionalDurationMs(options.softTimeoutMs, 'softTimeoutMs', OPERATION) ?? base?.softTimeoutMs,
    hardTimeoutMs,
    notFoundTtlMs:
      optionalDurationMs(options.notFoundTtlMs, 'notFoundTtlMs', OPERATION) ??
      base?.notFoundTtlMs ??
      5_000,
    ttlJitter,
  };
}

/** `ms` spread by ±`jitter` (a fraction), rounded to whole ms; `Infinity` stays. */
export function jittered(ms: number, jitter: number, random: () => number): number {
  if (jitter === 0 || !Number.isFinite(ms)) return ms;
  return Math.max(1, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}
