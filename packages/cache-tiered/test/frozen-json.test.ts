import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBus } from '../src/index.js';
import {
  bytes,
  closeAfterEach,
  freshNamespace,
  heard,
  tiered,
  waitFor,
} from './support/helpers.js';

const url = () => inject('redisUrl');
const track = closeAfterEach(afterEach);

describe("l1: { decoded: 'frozen' }", () => {
  it('decodes once per L1 entry: hits hand out the same deep-frozen object without reading L2', async () => {
    const namespace = freshNamespace();
    const { cache, log } = await tiered(url(), namespace, undefined, { decoded: 'frozen' });
    track(cache);
    await cache.setJson('user', { name: 'Ada', tags: ['x'], address: { city: 'London' } });
    const first = await cache.getJson<{ name: string; tags: string[]; address: { city: string } }>(
      'user',
    );
    const second = await cache.getJson('user');
    expect(second).toBe(first);
    expect(first).toEqual({ name: 'Ada', tags: ['x'], address: { city: 'London' } });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.tags)).toBe(true);
    expect(Object.isFrozen(first!.address)).toBe(true);
    expect(() => {
      first!.address.city = 'Paris';
    }).toThrow(TypeError);
    expect(log.count('get')).toBe(0);
    const stats = await cache.stats();
    expect(stats.backend.l1Hits).toBe(2);
  });

  it('a miss reads L2 once and returns a frozen value; the next hit decodes it once', async () => {
    const namespace = freshNamespace();
    const writer = track((await tiered(url(), namespace, undefined)).cache);
    const { cache, log } = await tiered(url(), namespace, undefined, { decoded: 'frozen' });
    track(cache);
    await writer.setJson('k', [1, { a: 2 }]);
    const fromL2 = await cache.getJson<unknown[]>('k');
    expect(Object.isFrozen(fromL2![1])).toBe(true);
    const hit = await cache.getJson('k');
    expect(hit).toEqual([1, { a: 2 }]);
    expect(await cache.getJson('k')).toBe(hit);
    expect(log.count('get')).toBe(1);
    expect(await cache.getJson('absent')).toBeUndefined();
  });

  it('an invalidation drops the decoded object with its entry', async () => {
    const namespace = freshNamespace();
    const a = track((await tiered(url(), namespace, createRedisBus({ url: url() }))).cache);
    const { cache: b } = await tiered(url(), namespace, createRedisBus({ url: url() }), {
      decoded: 'frozen',
    });
    track(b);
    await a.setJson('k', { v: 1 });
    await heard(b, 1);
    expect(await b.getJson('k')).toEqual({ v: 1 });
    await a.setJson('k', { v: 2 });
    await waitFor('B to see v 2', async () => ((await b.getJson('k')) as { v: number }).v === 2);
  });

  it('stays prototype-pollution safe and rejects bytes that are not JSON with SERIALIZATION', async () => {
    const namespace = freshNamespace();
    const { cache } = await tiered(url(), namespace, undefined, { decoded: 'frozen' });
    track(cache);
    await cache.set('evil', bytes('{"__proto__": {"polluted": true}, "ok": 1}'));
    const value = (await cache.getJson('evil')) as Record<string, unknown>;
    expect(value.ok).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await cache.set('bad', bytes('{not json'));
    await expect(cache.getJson('bad')).rejects.toMatchObject({ code: 'SERIALIZATION' });
    await expect(cache.getJson('bad')).rejects.toMatchObject({ code: 'SERIALIZATION' });
  });

  it("the default ('copy') hands each caller its own mutable object", async () => {
    const namespace = freshNamespace();
    const { cache } = await tiered(url(), namespace, undefined);
    track(cache);
    await cache.setJson('k', { n: 1 });
    const one = await cache.getJson<{ n: number }>('k');
    const two = await cache.getJson<{ n: number }>('k');
    expect(one).not.toBe(two);
    one!.n = 5;
    expect((await cache.getJson<{ n: number }>('k'))!.n).toBe(1);
  });
});
