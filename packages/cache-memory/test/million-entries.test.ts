import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCache } from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

afterEach(() => {
  vi.useRealTimers();
});

describe('one million writes', () => {
  it('stay within maxSizeBytes, in memory as in accounting, with one timer in all', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const maxSizeBytes = 4 * 1024 * 1024;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const cache = new InMemoryCache({ maxSizeBytes, policy: 'lru', sweepIntervalMs: 1000 });
    const value = new Uint8Array(16);
    for (let i = 0; i < 1_000_000; i++) {
      await cache.set(`key-${i.toString().padStart(7, '0')}`, value, { ttlMs: 60_000 });
    }
    expect(vi.getTimerCount()).toBe(1);
    const stats = await cache.stats();
    const entryBytes = 11 + 16;
    expect(stats.memoryUsedBytes).toBeLessThanOrEqual(maxSizeBytes);
    expect(stats.itemCount).toBe(Math.floor(maxSizeBytes / entryBytes));
    expect(stats.evictions).toBe(1_000_000 - Math.floor(maxSizeBytes / entryBytes));
    expect(await cache.exists('key-0999999')).toBe(true);
    expect(await cache.exists('key-0000000')).toBe(false);
    gc();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    // ~155k live entries of a few hundred heap bytes each (~65 MiB); a million would take ~440 MiB.
    expect(heapGrowth).toBeLessThan(150 * 1024 * 1024);
    await cache.close();
    expect(vi.getTimerCount()).toBe(0);
    console.log(
      `1M writes: ${stats.itemCount} entries kept, heap +${(heapGrowth / 1048576).toFixed(1)} MiB (${Math.round(heapGrowth / (stats.itemCount as number))} B/entry)`,
    );
  });
});
