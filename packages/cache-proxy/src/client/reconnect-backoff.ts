import { backoffDelayMs } from '@pywatt/cache-core/store';

const DELAYS = { baseDelayMs: 25, maxDelayMs: 2000, factor: 2 } as const;
const MAX_ATTEMPT = 10;

/**
 * When a {@link ClientLink} tries to connect again: core's one backoff
 * (exponential from 25 ms up to 2 s, each delay 50–100 % of its step), reset
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
    this.#attempt = Math.min(this.#attempt + 1, MAX_ATTEMPT);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        retry();
      },
      backoffDelayMs(this.#attempt, DELAYS),
    );
    this.#timer.unref();
  }

  /** Cancels a scheduled retry; a later {@link schedule} schedules again. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
