import { describe, expect, it } from 'vitest';
import { createSuiteContext } from '../src/testing/context.js';

/** Registers timed cases into an array instead of vitest, so their retries can be observed. */
function timedCase(
  body: (ttlMs: number, assume: (sinceMs: number, budgetMs: number) => void) => Promise<void>,
) {
  const registered: Array<() => Promise<void>> = [];
  const ctx = createSuiteContext(
    { describe: () => {}, it: (_name, run) => registered.push(run), expect, afterEach: () => {} },
    { name: 'timed', create: () => Promise.reject(new Error('not used')) },
  );
  ctx.timed('case', body);
  return registered[0]!;
}

describe('timed conformance cases', () => {
  it('rerun with doubled TTLs when the machine stalled past an assumption, and pass once it holds', async () => {
    const seen: number[] = [];
    const run = timedCase(async (ttlMs, assume) => {
      seen.push(ttlMs);
      const since = performance.now() - (seen.length < 3 ? ttlMs : 0);
      assume(since, ttlMs);
    });
    await run();
    expect(seen).toEqual([80, 160, 320]);
  });

  it('fail, saying so, when every attempt stalled', async () => {
    const run = timedCase(async (ttlMs, assume) => assume(performance.now() - ttlMs, ttlMs));
    await expect(run()).rejects.toThrow(/stalled in every attempt/);
  });

  it('do not retry a failed assertion', async () => {
    let attempts = 0;
    const run = timedCase(async () => {
      attempts++;
      expect(1).toBe(2);
    });
    await expect(run()).rejects.toThrow();
    expect(attempts).toBe(1);
  });
});
