import { CacheError } from '@pywatt/cache-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache, type InMemoryCache } from '../src/index.js';

const bytes = (n: number, fill = 1) => Buffer.alloc(n, fill);
const opened: InMemoryCache[] = [];
const open = async (config: Parameters<typeof createMemoryCache>[0]) => {
  const cache = await createMemoryCache(config);
  opened.push(cache);
  return cache;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return CacheError.is(error) ? error.code : String(error);
  }
}

describe('maxSizeBytes counts key UTF-8 bytes plus value bytes exactly', () => {
  it('fills to the byte and evicts one byte past it', async () => {
    const cache = await open({ maxSizeBytes: 100 });
    await cache.set('k1', bytes(98));
    let stats = await cache.stats();
    expect(stats.memoryUsedBytes).toBe(100);
    expect(stats.evictions).toBe(0);
    await cache.set('é', bytes(0)); // 2 bytes of key: over by 2
    stats = await cache.stats();
    expect(await cache.exists('k1')).toBe(false);
    expect(stats.evictions).toBe(1);
    expect(stats.memoryUsedBytes).toBe(2);
    expect(stats.itemCount).toBe(1);
  });

  it('counts the namespace as part of the key', async () => {
    const cache = await open({ namespace: 'ns', maxSizeBytes: 1000 });
    await cache.set('🔑', bytes(10)); // "ns:" 3 + 4 + 10
    expect((await cache.stats()).memoryUsedBytes).toBe(17);
  });

  it('rejects an entry larger than maxSizeBytes with VALUE_TOO_LARGE and evicts nothing', async () => {
    const cache = await open({ maxSizeBytes: 100, policy: 'lru' });
    await cache.set('a', bytes(40));
    await cache.set('b', bytes(40));
    expect(await code(cache.set('big', bytes(98)))).toBe('VALUE_TOO_LARGE');
    expect(await code(cache.set('a', bytes(100)))).toBe('VALUE_TOO_LARGE');
    expect(await code(cache.setIfAbsent('c', bytes(100)))).toBe('VALUE_TOO_LARGE');
    const stats = await cache.stats();
    expect(stats.itemCount).toBe(2);
    expect(stats.evictions).toBe(0);
    expect(stats.errors).toBe(0);
    expect((await cache.get('a'))?.byteLength).toBe(40);
  });

  it('applies maxItems and maxSizeBytes together', async () => {
    const cache = await open({ maxItems: 3, maxSizeBytes: 50 });
    for (const k of ['a', 'b', 'c', 'd']) await cache.set(k, bytes(4));
    expect((await cache.stats()).itemCount).toBe(3);
    await cache.set('e', bytes(45)); // 46 bytes: only room for one 5-byte entry beside it
    const stats = await cache.stats();
    expect(stats.itemCount).toBe(1);
    expect(stats.memoryUsedBytes).toBe(46);
    expect(stats.evictions).toBe(4);
  });

  it('grows a replaced value by evicting others, never the key being written', async () => {
    const cache = await open({ maxSizeBytes: 30, policy: 'mru' });
    await cache.set('a', bytes(9));
    await cache.set('b', bytes(9));
    await cache.get('a'); // a is now the most recently used, the MRU victim
    await cache.set('a', bytes(20)); // needs b's room; a itself must survive
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.exists('b')).toBe(false);
    expect((await cache.stats()).memoryUsedBytes).toBe(21);
  });
});

describe("policy 'none'", () => {
  it('rejects a new key with CAPACITY_EXCEEDED when full, still replaces existing keys', async () => {
    const cache = await open({ policy: 'none', maxItems: 2 });
    await cache.set('a', bytes(1));
    await cache.set('b', bytes(1));
    expect(await code(cache.set('c', bytes(1)))).toBe('CAPACITY_EXCEEDED');
    expect(await code(cache.setIfAbsent('c', bytes(1)))).toBe('CAPACITY_EXCEEDED');
    expect(await code(cache.increment('c'))).toBe('CAPACITY_EXCEEDED');
    expect(await code(cache.setMany({ c: bytes(1) }))).toBe('CAPACITY_EXCEEDED');
    await cache.set('a', bytes(5, 7));
    expect(await cache.get('a')).toEqual(bytes(5, 7));
    const stats = await cache.stats();
    expect(stats.evictions).toBe(0);
    expect(stats.itemCount).toBe(2);
    await cache.delete('b');
    await cache.set('c', bytes(1));
    expect(await cache.exists('c')).toBe(true);
  });

  it('rejects a replacement that would pass maxSizeBytes and keeps the old value', async () => {
    const cache = await open({ policy: 'none', maxSizeBytes: 20 });
    await cache.set('a', bytes(8, 1));
    await cache.set('b', bytes(8, 2));
    const error = await cache.set('a', bytes(12)).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CAPACITY_EXCEEDED')).toBe(true);
    expect((error as Error).message).toContain("policy 'none'");
    expect(await cache.get('a')).toEqual(bytes(8, 1));
  });
});

// The service leaves these checks to the store (its keys are exact) and to a read's miss.
const badKeys = [
  {
    name: 'a lone surrogate',
    keys: ['x\ud800', 'x\udc00y', '\ud800'],
    why: 'lone UTF-16 surrogate',
  },
  {
    name: 'a leading U+0000',
    keys: ['\u0000lock:x', '\u0000x', '\u0000'],
    why: 'must not start with U+0000',
  },
];

describe.each(badKeys)(
  'a key with $name (checked by the store: its keys are exact)',
  ({ keys, why }) => {
    const [first, second, third] = keys as [string, string, string];

    it('is refused with INVALID_KEY by every write before anything is evicted, and by reads, in a namespace too', async () => {
      for (const namespace of [undefined, 'ns']) {
        const cache = await open({ policy: 'lru', maxItems: 2, namespace });
        await cache.set('a', bytes(1));
        await cache.setString('b', 'v');
        const token = await cache.lock('x', 60_000);
        const error = await cache.set(first, bytes(1)).catch((e: unknown) => e);
        expect(CacheError.is(error, 'INVALID_KEY')).toBe(true);
        expect((error as Error).message).toContain(why);
        expect(await code(cache.setString(second, 'v'))).toBe('INVALID_KEY');
        expect(await code(cache.setJson(third, 1))).toBe('INVALID_KEY');
        expect(await code(cache.get(first))).toBe('INVALID_KEY');
        expect(await code(cache.getString(first))).toBe('INVALID_KEY');
        expect(await code(cache.getJson(second))).toBe('INVALID_KEY');
        const stats = await cache.stats();
        expect(stats.evictions).toBe(0);
        expect(stats.errors).toBe(0);
        expect(await cache.get('a')).toEqual(bytes(1));
        expect(await cache.getString('b')).toBe('v');
        expect(await cache.unlock('x', token as string)).toBe(true);
      }
    });

    it('is refused by the store itself, which the service trusts with that check', async () => {
      const { store } = await open({ maxItems: 2 });
      const forever = Number.POSITIVE_INFINITY;
      expect(() => store.set(first, bytes(1), forever)).toThrow(why);
      expect(() => store.setString(second, 'v', forever)).toThrow(why);
      expect(store.getString(first)).toBeUndefined();
      expect(store.stats().itemCount).toBe(0);
    });
  },
);

describe('locks live apart from the data', () => {
  it('never count against the bounds, are never evicted and survive clear()', async () => {
    const cache = await open({ maxItems: 1, maxSizeBytes: 64 });
    const token = await cache.lock('job', 60_000);
    expect(token).toBeDefined();
    await cache.set('a', bytes(60));
    await cache.set('b', bytes(60));
    await cache.clear();
    const stats = await cache.stats();
    expect(stats.itemCount).toBe(0);
    expect(stats.memoryUsedBytes).toBe(0);
    expect(stats.backend.locks).toBe(1);
    expect(await cache.lock('job', 60_000)).toBeUndefined();
    expect(await cache.unlock('job', token as string)).toBe(true);
  });
});

describe('atomic operations under eviction pressure', () => {
  it('counts 500 concurrent increments exactly while other writes evict', async () => {
    const cache = await open({ maxItems: 8, policy: 'lru' });
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0 ? cache.increment('n') : cache.set(`other-${i}`, bytes(1)),
      ),
    );
    expect(await cache.getString('n')).toBe('500');
    expect((await cache.stats()).itemCount).toBe(8);
  });

  it('grants exactly one setIfAbsent among 200 concurrent callers', async () => {
    const cache = await open({ maxItems: 4, policy: 'lfu' });
    const won = await Promise.all(
      Array.from({ length: 200 }, (_, i) => cache.setIfAbsent('once', bytes(1, i))),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

describe('stats', () => {
  it('reports the policy and bounds', async () => {
    const cache = await open({ policy: 'lfu', maxItems: 10, maxSizeBytes: 1000 });
    const { backend } = await cache.stats();
    expect(backend).toMatchObject({
      policy: 'lfu',
      maxItems: 10,
      maxSizeBytes: 1000,
      sweepIntervalMs: 1000,
      copyValues: 'true',
      locks: 0,
    });
  });
});
