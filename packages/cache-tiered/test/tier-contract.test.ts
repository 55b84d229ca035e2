import { createRedisCache } from '@pywatt/cache-redis';
import { freePort } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBus, createTieredCache } from '../src/index.js';
import {
  bytes,
  closeAfterEach,
  freshNamespace,
  heard,
  l1Figures,
  text,
  tiered,
  waitFor,
} from './support/helpers.js';

const url = () => inject('redisUrl');
const track = closeAfterEach(afterEach);
/** Two tiered caches over one namespace, each with its own bus: two processes, in effect. */
async function pair() {
  const namespace = freshNamespace();
  const a = await tiered(url(), namespace, createRedisBus({ url: url() }));
  const b = await tiered(url(), namespace, createRedisBus({ url: url() }));
  track(a.cache);
  track(b.cache);
  return { a, b };
}

describe('reads', () => {
  it('try L1, then L2, and fill L1: a second read never reaches L2', async () => {
    const { a, b } = await pair();
    await a.cache.set('k', bytes('v'));
    await heard(b.cache, 1); // else that invalidation may land after B's fill and drop it
    expect(text(await b.cache.get('k'))).toBe('v');
    expect(text(await b.cache.get('k'))).toBe('v');
    expect(b.log.count('get')).toBe(1);
    expect(await b.cache.exists('k')).toBe(true);
    expect(b.log.count('exists')).toBe(0);
    const stats = await b.cache.stats();
    expect(stats.hits).toBe(2);
    expect(stats.backend.l1Hits).toBe(1);
  });

  it('concurrent misses of one key send one read to L2, and each caller gets its own copy', async () => {
    const { a, b } = await pair();
    await a.cache.set('k', bytes('v'));
    await heard(b.cache, 1);
    const values = await Promise.all(Array.from({ length: 50 }, () => b.cache.get('k')));
    expect(b.log.count('get')).toBe(1);
    expect(new Set(values).size).toBe(50);
    values[0]![0] = 0;
    expect(values.slice(1).every((v) => text(v) === 'v')).toBe(true);
  });

  it('hand out copies: mutating a returned value changes nothing stored', async () => {
    const { a } = await pair();
    const value = bytes('abc');
    await a.cache.set('k', value);
    value[0] = 120;
    const first = await a.cache.get('k');
    first![1] = 120;
    expect(text(await a.cache.get('k'))).toBe('abc');
  });

  it('getMany sends only the L1 misses to L2, in one batch', async () => {
    const { a, b } = await pair();
    await a.cache.setMany([
      ['h1', bytes('1')],
      ['h2', bytes('2')],
      ['m1', bytes('3')],
    ]);
    await heard(b.cache, 1);
    await b.cache.get('h1');
    await b.cache.get('h2');
    const found = await b.cache.getMany(['h1', 'm1', 'h2', 'absent']);
    expect([...found].map(([k, v]) => [k, text(v)]).sort()).toEqual([
      ['h1', '1'],
      ['h2', '2'],
      ['m1', '3'],
    ]);
    expect(b.log.getManyBatches).toEqual([['m1', 'absent']]);
    await b.cache.getMany(['h1', 'm1', 'h2']);
    expect(b.log.getManyBatches).toHaveLength(1);
  });
});

describe('writes', () => {
  it('go to L2, then L1, then reach the other process: its next read returns the new value', async () => {
    const { a, b } = await pair();
    await a.cache.set('k', bytes('old'));
    expect(text(await b.cache.get('k'))).toBe('old');
    await a.cache.set('k', bytes('new'));
    expect(text(await a.cache.get('k'))).toBe('new');
    expect(a.log.count('get'), 'the writer answers from L1').toBe(0);
    await waitFor('B to hear of the write', async () => text(await b.cache.get('k')) === 'new');
    await a.cache.delete('k');
    await waitFor('B to hear of the delete', async () => (await b.cache.get('k')) === undefined);
  });

  it('atomics run on L2 and invalidate L1 here and in the other process', async () => {
    const { a, b } = await pair();
    await a.cache.set('n', bytes('1'));
    expect(text(await a.cache.get('n'))).toBe('1');
    expect(text(await b.cache.get('n'))).toBe('1');
    expect(await a.cache.increment('n', 4)).toBe(5);
    expect(text(await a.cache.get('n'))).toBe('5');
    await waitFor('B to drop n', async () => text(await b.cache.get('n')) === '5');
    expect(await b.cache.decrement('n')).toBe(4);
    await waitFor('A to drop n', async () => text(await a.cache.get('n')) === '4');
    expect(text(await a.cache.getAndSet('n', bytes('x')))).toBe('4');
    await waitFor('B to drop n again', async () => text(await b.cache.get('n')) === 'x');
    await a.cache.delete('n');
    expect(await a.cache.setIfAbsent('n', bytes('y'))).toBe(true);
    await waitFor('B to see y', async () => text(await b.cache.get('n')) === 'y');
    const token = await a.cache.lock('n', 10_000);
    expect(token).toBeDefined();
    expect(await b.cache.lock('n', 10_000), 'locks are L2 locks, shared').toBeUndefined();
    expect(await a.cache.unlock('n', token!)).toBe(true);
  });

  it('clear(prefix) clears L2 and the L1 of every process under the prefix only', async () => {
    const { a, b } = await pair();
    await a.cache.setMany([
      ['p:1', bytes('p')],
      ['q:1', bytes('q')],
    ]);
    await heard(b.cache, 1);
    for (const key of ['p:1', 'q:1']) await b.cache.get(key);
    await a.cache.clear('p');
    expect(await a.cache.get('p:1')).toBeUndefined();
    await waitFor('B to drop p:1', async () => (await b.cache.get('p:1')) === undefined);
    const hitsBefore = (await l1Figures(b.cache)).l1Hits as number;
    expect(text(await b.cache.get('q:1'))).toBe('q');
    expect((await l1Figures(b.cache)).l1Hits, 'q:1 still in B L1').toBe(hitsBefore + 1);
    await a.cache.clear();
    await waitFor('B to drop everything', async () => (await b.cache.get('q:1')) === undefined);
  });

  it('caches of one process sharing a bus invalidate each other at once, without the round trip', async () => {
    const namespace = freshNamespace();
    const bus = createRedisBus({ url: url() });
    const a = await tiered(url(), namespace, bus);
    const b = await tiered(url(), namespace, bus);
    track(a.cache);
    track(b.cache);
    await a.cache.set('k', bytes('1'));
    expect(text(await b.cache.get('k'))).toBe('1');
    await a.cache.set('k', bytes('2'));
    expect(text(await b.cache.get('k'))).toBe('2');
  });
});

describe('options', () => {
  it('reject bad options with CONFIGURATION, naming the field', async () => {
    const l2 = await createRedisCache({ url: url() });
    try {
      const bad: unknown[] = [
        undefined,
        {},
        { l2: {} },
        { l2, l1: { maxItems: 0 } },
        { l2, l1: { ttlMs: -1 } },
        { l2, l1: { maxStaleMs: Number.NaN } },
        { l2, l1: { size: 3 } },
        { l2, bus: 'redis' },
        { l2, namespace: '' },
        { l2, extra: true },
      ];
      for (const options of bad) {
        await expect(
          createTieredCache(options as Parameters<typeof createTieredCache>[0]),
        ).rejects.toMatchObject({ code: 'CONFIGURATION' });
      }
      expect(() => createRedisBus({ url: 'http://x' })).toThrow(/redis:\/\//);
    } finally {
      await l2.close();
    }
  });

  it('reject with CONNECTION when the bus cannot confirm its subscription in time', async () => {
    const l2 = await createRedisCache({ url: url() });
    try {
      const nobody = `redis://127.0.0.1:${await freePort()}`;
      const bus = createRedisBus({ url: nobody, connectTimeoutMs: 300 });
      const error = await createTieredCache({ l2, bus }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONNECTION', retryable: true });
      expect(String((error as Error).message)).not.toContain(nobody);
    } finally {
      await l2.close();
    }
  });

  it('bound L1 by maxItems, dropping the least recently used', async () => {
    const namespace = freshNamespace();
    const { cache, log } = await tiered(url(), namespace, undefined, { maxItems: 2 });
    track(cache);
    await cache.set('a', bytes('a'));
    await cache.set('b', bytes('b'));
    await cache.get('a');
    await cache.set('c', bytes('c'));
    expect((await l1Figures(cache)).l1Items).toBe(2);
    await cache.get('a');
    await cache.get('c');
    expect(log.count('get')).toBe(0);
    await cache.get('b');
    expect(log.count('get'), 'b was the least recently used').toBe(1);
  });
});
