import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from '../src/client/reconnect-backoff.js';

// Resolves when `retry` runs; rejects if it has not run within `withinMs` (real timers).
const runs = (backoff: ReconnectBackoff, withinMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('the retry never ran')), withinMs);
    backoff.schedule(() => {
      clearTimeout(guard);
      resolve();
    });
  });

describe('ReconnectBackoff', () => {
  it('schedules again after a cancel (the link reconnects after one)', async () => {
    const backoff = new ReconnectBackoff();
    backoff.schedule(() => {
      throw new Error('a cancelled retry must not run');
    });
    expect(backoff.scheduled).toBe(true);
    backoff.cancel();
    expect(backoff.scheduled).toBe(false);
    // The first delays are 12.5–50 ms; 5 s leaves a loaded machine plenty of room.
    await runs(backoff, 5000);
    expect(backoff.scheduled).toBe(false);
  }, 10_000);

  it('keeps one retry at a time', async () => {
    const backoff = new ReconnectBackoff();
    let second = 0;
    const first = runs(backoff, 5000);
    backoff.schedule(() => second++);
    await first;
    expect(second).toBe(0);
  }, 10_000);
});
