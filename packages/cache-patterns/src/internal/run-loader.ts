import { CacheError } from '@pywatt/cache-core';
import { type Loader, NOT_FOUND, type NotFound } from '../cache-aside-options.js';

const notFound = (): NotFound => NOT_FOUND;

/**
 * Runs a loader with an AbortSignal; with `timeoutMs` (`hardTimeoutMs`), rejects with CacheError
 * `TIMEOUT` when it runs out (and aborts the signal with that error). The
 * timer is always cleared, so it never keeps a process alive.
 */
export async function runLoader<T>(
  key: string,
  loader: Loader<T>,
  timeoutMs: number | undefined,
): Promise<T | NotFound> {
  const controller = new AbortController();
  const load = (async () => loader({ key, signal: controller.signal, notFound }))();
  if (timeoutMs === undefined) return load;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CacheError(
        'TIMEOUT',
        `the loader of key ${JSON.stringify(key)} did not finish within hardTimeoutMs (${timeoutMs} ms)`,
        { operation: 'cacheAside' },
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([load, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
