// One backoff for every package: the patterns retry with core's.
export { type BackoffOptions, backoffDelayMs } from '@pywatt/cache-core/store';

/**
 * Resolves after `ms` milliseconds, or at once when `signal` aborts (it never
 * rejects). The timer is cleared on abort, so it cannot keep a process alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
