/** How long to wait before retry number `attempt` (1-based). */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  baseDelayMs: number;
  /** Upper bound of any single delay, in milliseconds. */
  maxDelayMs: number;
  /** Growth per attempt; 2 doubles the delay each time. */
  factor: number;
}

/**
 * Exponential backoff with "equal jitter", the one backoff of every package
 * (pattern retries, proxy reconnects, Redis reconnects): half of the
 * exponential delay is kept, the other half is random, so contenders spread
 * out but never retry at once. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    options.maxDelayMs,
    options.baseDelayMs * options.factor ** Math.max(0, attempt - 1),
  );
  return exponential / 2 + random() * (exponential / 2);
}
