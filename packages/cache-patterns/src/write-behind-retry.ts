import { backoffDelayMs } from './internal/backoff.js';
import type { FailedWrite, WriteBatchResult, WriteBehindOptions } from './write-behind-options.js';
import type { QueuedWrite, WriteBehindQueue } from './write-behind-queue.js';

/** What became of one `writeBatch` call. */
export interface BatchOutcome {
  /** Keys not written; undefined when all were. */
  readonly failed: Set<string> | undefined;
  /** The error behind the failures (handed to `onFailure`). */
  readonly failure: unknown;
}

/** When and how often failed entries are retried. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly random: () => number;
}

/**
 * Sends a batch with `writeBatch`. A rejection fails every entry; a
 * {@link WriteBatchResult} fails the keys it names; anything else means all
 * were written. Never rejects.
 */
export async function sendBatch<T>(
  writeBatch: WriteBehindOptions<T>['writeBatch'],
  batch: readonly QueuedWrite<T>[],
): Promise<BatchOutcome> {
  try {
    const result = (await writeBatch(batch.map(({ key, value }) => ({ key, value })))) as
      | WriteBatchResult
      | undefined;
    if (result != null && typeof result === 'object' && 'failedKeys' in result) {
      return {
        failed: new Set(result.failedKeys),
        failure: result.error ?? new Error('writeBatch reported these entries as not written'),
      };
    }
    return { failed: undefined, failure: undefined };
  } catch (error) {
    return { failed: new Set(batch.map((entry) => entry.key)), failure: error };
  }
}

/**
 * Ends the send of `batch` in `queue`. A failed entry is dropped when a newer
 * value of its key is queued (which takes over what it owed), queued again
 * after an exponential backoff with jitter, or, past `maxRetries`, returned
 * to be handed to `onFailure`.
 */
export function settleBatch<T>(
  queue: WriteBehindQueue<T>,
  batch: readonly QueuedWrite<T>[],
  outcome: BatchOutcome,
  policy: RetryPolicy,
  now: number,
): FailedWrite<T>[] {
  const givenUp: FailedWrite<T>[] = [];
  for (const entry of batch) {
    queue.finishSending(entry);
    if (outcome.failed === undefined || !outcome.failed.has(entry.key)) continue;
    const newer = queue.pendingEntry(entry.key);
    if (newer !== undefined) {
      // A newer value is queued: it replaces this one, and owes what this one owed.
      newer.sinceSeq = Math.min(newer.sinceSeq, entry.sinceSeq);
    } else if (entry.attempts > policy.maxRetries) {
      givenUp.push({ key: entry.key, value: entry.value, attempts: entry.attempts });
    } else {
      entry.notBefore =
        now +
        backoffDelayMs(
          entry.attempts,
          { baseDelayMs: policy.retryDelayMs, maxDelayMs: policy.maxRetryDelayMs, factor: 2 },
          policy.random,
        );
      queue.requeue(entry);
    }
  }
  return givenUp;
}
