import { CacheError, type CacheService } from '@pywatt/cache-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FailedWrite, WriteBehind, type WriteBehindRecord } from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  await cache.close();
});

/** A source of truth that can be down, and records every batch it receives. */
class FakeSource {
  readonly rows = new Map<string, number>();
  readonly batches: string[][] = [];
  down = false;
  writeBatch = async (entries: ReadonlyArray<WriteBehindRecord<number>>) => {
    this.batches.push(entries.map((e) => e.key));
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) throw new Error('source down');
    for (const { key, value } of entries) this.rows.set(key, value);
  };
}

const noFailures = (entries: ReadonlyArray<FailedWrite<number>>) => {
  throw new Error(`unexpected failure of ${entries.map((e) => e.key).join(',')}`);
};

describe('WriteBehind', () => {
  it('updates the cache at once, coalesces writes to one key, and batches the source writes', async () => {
    const source = new FakeSource();
    const wb = new WriteBehind<number>(cache, {
      writeBatch: source.writeBatch,
      onFailure: noFailures,
      batchSize: 10,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 5; i++) await wb.write('a', i);
    await wb.write('b', 1);
    expect(await cache.getJson('a')).toBe(4);
    expect(source.batches).toEqual([]);
    await wb.flush();
    expect(source.batches).toEqual([['a', 'b']]);
    expect(source.rows).toEqual(
      new Map([
        ['a', 4],
        ['b', 1],
      ]),
    );
    await wb.close();
  });

  it('sends a full batch without waiting for the interval', async () => {
    const source = new FakeSource();
    let sent!: () => void;
    const firstBatch = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const write = source.writeBatch;
    source.writeBatch = async (entries) => {
      await write(entries);
      sent();
    };
    const wb = new WriteBehind<number>(cache, {
      writeBatch: (e) => source.writeBatch(e),
      onFailure: noFailures,
      batchSize: 3,
      flushIntervalMs: 60_000,
    });
    await wb.write('x', 1);
    await wb.write('y', 2);
    await wb.write('z', 3);
    await firstBatch;
    expect(source.batches).toEqual([['x', 'y', 'z']]);
    await wb.close();
  });

  it('a source that is down for a while ends with the newest value of every key', async () => {
    const source = new FakeSource();
    source.down = true;
    const wb = new WriteBehind<number>(cache, {
      writeBatch: source.writeBatch,
      onFailure: noFailures,
      batchSize: 7,
      flushIntervalMs: 1,
      retryDelayMs: 1,
      maxRetryDelayMs: 4,
      maxRetries: 1_000,
    });
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 20; k++) await wb.write(`k${k}`, round * 100 + k);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(source.batches.length).toBeGreaterThan(0);
    expect(source.rows.size).toBe(0);
    source.down = false;
    await wb.flush();
    expect(source.rows.size).toBe(20);
    for (let k = 0; k < 20; k++) expect(source.rows.get(`k${k}`)).toBe(400 + k);
    await wb.close();
  });

  it('a batch that half-fails retries only the failed entries', async () => {
    const calls: string[][] = [];
    const wb = new WriteBehind<number>(cache, {
      writeBatch: (entries) => {
        calls.push(entries.map((e) => e.key));
        if (calls.length === 1) return { failedKeys: ['b', 'd'], error: new Error('constraint') };
        return undefined;
      },
      onFailure: noFailures,
      batchSize: 10,
      retryDelayMs: 1,
    });
    for (const key of ['a', 'b', 'c', 'd']) await wb.write(key, 1);
    await wb.flush();
    expect(calls).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'd'],
    ]);
    await wb.close();
  });

  it('after maxRetries the entries reach onFailure with the error, never dropped silently', async () => {
    const failed: Array<{ keys: string[]; attempts: number[]; error: string }> = [];
    const wb = new WriteBehind<number>(cache, {
      writeBatch: () => {
        throw new Error('permanently down');
      },
      onFailure: (entries, error) => {
        failed.push({
          keys: entries.map((e) => e.key),
          attempts: entries.map((e) => e.attempts),
          error: (error as Error).message,
        });
      },
      maxRetries: 2,
      retryDelayMs: 1,
    });
    await wb.write('a', 1);
    await wb.write('b', 2);
    await wb.flush();
    expect(failed).toEqual([{ keys: ['a', 'b'], attempts: [3, 3], error: 'permanently down' }]);
    expect(wb.size).toBe(0);
    await wb.close();
  });

  it('a full queue applies backpressure: write waits until the source catches up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const written: string[] = [];
    const wb = new WriteBehind<number>(cache, {
      writeBatch: async (entries) => {
        await gate;
        written.push(...entries.map((e) => e.key));
      },
      onFailure: noFailures,
      maxQueue: 2,
      batchSize: 2,
    });
    await wb.write('a', 1);
    await wb.write('b', 2); // full batch: goes out, blocked on the gate
    let thirdDone = false;
    const third = wb.write('c', 3).then(() => {
      thirdDone = true;
    });
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(thirdDone).toBe(false);
    expect(await cache.exists('c')).toBe(false);
    release();
    await third;
    expect(await cache.getJson('c')).toBe(3);
    await wb.close();
    expect(written.sort()).toEqual(['a', 'b', 'c']);
  }, 10_000);

  it("whenFull: 'reject' rejects with CAPACITY_EXCEEDED instead of waiting", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wb = new WriteBehind<number>(cache, {
      writeBatch: () => gate,
      onFailure: noFailures,
      maxQueue: 1,
      whenFull: 'reject',
    });
    await wb.write('a', 1);
    const error = await wb.write('b', 2).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CAPACITY_EXCEEDED')).toBe(true);
    expect(await cache.exists('b')).toBe(false);
    await wb.write('a', 2); // coalescing into a queued key needs no room
    release();
    await wb.close();
  });

  it('close() after 10k writes leaves nothing unwritten, then refuses writes', async () => {
    const source = new FakeSource();
    const wb = new WriteBehind<number>(cache, {
      writeBatch: source.writeBatch,
      onFailure: noFailures,
      batchSize: 500,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 10_000; i++) await wb.write(`k${i}`, i);
    await wb.close();
    expect(source.rows.size).toBe(10_000);
    expect(source.rows.get('k9999')).toBe(9999);
    const error = await wb.write('late', 1).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CLOSED')).toBe(true);
  });

  it('writes racing close() are in the source when close() resolves, and no timer is left (20 runs)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    for (let run = 0; run < 20; run++) {
      const source = new FakeSource();
      const before = timers();
      const wb = new WriteBehind<number>(cache, {
        writeBatch: source.writeBatch,
        onFailure: noFailures,
        flushIntervalMs: 60_000,
      });
      const early = wb.write(`early:${run}`, run);
      await Promise.resolve();
      // Issued in the same tick as close(): their cache sets are still running when it starts.
      const writes = [
        early,
        wb.write(`same-tick:${run}`, run),
        wb.write(`early:${run}`, 1000 + run),
      ];
      await wb.close();
      expect(new Map(source.rows), `run ${run}`).toEqual(
        new Map([
          [`early:${run}`, 1000 + run],
          [`same-tick:${run}`, run],
        ]),
      );
      expect(wb.size).toBe(0);
      // At most as many: a timer of the test runner may end meanwhile, a WriteBehind one must not remain.
      expect(timers(), `run ${run}: timers left after close()`).toBeLessThanOrEqual(before);
      await Promise.all(writes);
    }
  });

  it('requires writeBatch and onFailure', () => {
    expect(() => new WriteBehind(cache, { writeBatch: () => undefined } as never)).toThrow(
      /onFailure/,
    );
  });
});
