/** Options of {@link DistributedLock} and {@link withLock}. Durations are milliseconds. */
export interface DistributedLockOptions {
  /** How long a grant lasts unless extended, in ms (finite). Default 30 000. */
  ttlMs?: number | undefined;
  /** Most lock attempts `acquire()` makes (the first included). Default 100. */
  maxAttempts?: number | undefined;
  /** Wait before the second attempt, in ms; grows by `backoffFactor` per attempt, with jitter. Default 50. */
  retryDelayMs?: number | undefined;
  /** Longest single wait between attempts, in ms. Default 1000. */
  maxRetryDelayMs?: number | undefined;
  /** Growth of the wait per attempt. Default 2. */
  backoffFactor?: number | undefined;
  /** Longest time `acquire()` tries, in ms, whatever `maxAttempts` says. Default 10 000. */
  acquireTimeoutMs?: number | undefined;
  /**
   * Extend the grant automatically every `ttlMs / 3` while held. If an
   * extension finds the lock taken, the grant's `signal` aborts. Default false.
   */
  autoExtend?: boolean | undefined;
  /**
   * Take a fencing token on every grant: a counter (the plain key
   * `fence:<key>`, stored without expiry) incremented atomically while the lock
   * is held. Default true. Costs one `setIfAbsent` and one `increment` per grant
   * (one more `increment` when the counter was found set back).
   */
  fencing?: boolean | undefined;
  /** A source of randomness in [0, 1) for the jitter; for tests. Default `Math.random`. */
  random?: (() => number) | undefined;
}

/** Options of one `acquire()` call. */
export interface AcquireOptions {
  /** Stops waiting when aborted; `acquire()` then rejects with `LOCK_NOT_ACQUIRED`. */
  signal?: AbortSignal | undefined;
}
