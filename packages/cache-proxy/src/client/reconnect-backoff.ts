const BASE_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 2000;
const MAX_ATTEMPT = 10;

/**
 * When a {@link ClientLink} tries to connect again: exponential backoff from
 * 25 ms up to 2 s, with jitter (each delay is 50–100 % of the step), reset
 * by a successful handshake. At most one retry is scheduled at a time; its
 * timer is unref'd so a waiting retry never keeps the process alive.
 */
export class ReconnectBackoff {
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Whether a retry is scheduled and has not fired yet. */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts the delays over (after a successful handshake). */
  reset(): void {
    this.#attempt = 0;
  }

  /** Runs `retry` after the next delay, unless a retry is already scheduled. */
  schedule(retry: () => void): void {
    if (this.#timer !== undefined) return;
    const delay =
      Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt = Math.min(this.#attempt + 1, MAX_ATTEMPT);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      retry();
    }, delay);
    this.#timer.unref();
  }

  /** Cancels a scheduled retry (the link is closing). */
  cancel(): void {
    clearTimeout(this.#timer);
  }
}
