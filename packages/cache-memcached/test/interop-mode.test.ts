import { CacheError } from '@pywatt/cache-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';
import { sharedKey } from '../src/wire-keys.js';
import { SASL_USER } from './global-setup.js';
import { dumpServerKeys } from './server-keys.js';

const opened: MemcachedCache[] = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});
let counter = 0;
const fresh = () => `io-${process.pid}-${Date.now()}-${++counter}`;
const open = async (namespace: string | undefined, extra: object = {}) => {
  const cache = await createMemcachedCache({
    servers: inject('three'),
    namespace,
    interop: true,
    operationTimeoutMs: 10_000,
    ...extra,
  });
  opened.push(cache);
  return cache;
};

describe('the shared key (the wire key of interop mode, and the ring key of both modes)', () => {
  it('is the namespaced key when memcached can hold it, else a hash that keeps its plain prefix', () => {
    expect(sharedKey('app:user:1')).toBe('app:user:1');
    expect(sharedKey('app:user:ключ')).toMatch(/^app:user:#[A-Za-z0-9_-]{43}$/);
    expect(sharedKey('app:ключ:1')).toMatch(/^app:#[A-Za-z0-9_-]{43}$/);
    expect(sharedKey(`app:${'x'.repeat(300)}`)).toMatch(/^app:#[A-Za-z0-9_-]{43}$/);
    expect(sharedKey('with space')).toMatch(/^#[A-Za-z0-9_-]{43}$/);
    // A plain key shaped like a hashed key or a lock is hashed too, so no two keys share a wire key.
    const lookalike = sharedKey('app:ключ');
    expect(sharedKey(lookalike)).not.toBe(lookalike);
    expect(sharedKey(`$${'a'.repeat(43)}`)).not.toBe(`$${'a'.repeat(43)}`);
  });
});

describe('interop mode', () => {
  it('stores the namespaced key itself on the server', async () => {
    const ns = fresh();
    const cache = await open(ns, { servers: [inject('single')] });
    await cache.setString('user:1', 'v');
    const keys = await dumpServerKeys(inject('single'), (k) => k.includes(`${ns}:user:1`));
    expect(keys).toContain(`${ns}:user:1`);
  });

  it('clear(prefix) deletes what is under the prefix (hashed keys too), keeps the rest and held locks', async () => {
    const ns = fresh();
    const cache = await open(ns);
    const other = await open(fresh());
    const under = ['user:1', 'user:a:b', 'user:ключ', `user:${'y'.repeat(300)}`];
    const kept = ['users:1', 'user', 'other:1'];
    for (const key of [...under, ...kept]) await cache.setString(key, key);
    await other.setString('user:1', 'other namespace');
    const token = await cache.lock('user:1', 60_000);
    await cache.clear('user');
    expect([...(await cache.getMany([...under, ...kept])).keys()].sort()).toEqual(kept.sort());
    expect(await other.getString('user:1')).toBe('other namespace');
    expect(await cache.unlock('user:1', token!), 'the lock survived').toBe(true);
    await cache.clear();
    expect((await cache.getMany(kept)).size).toBe(0);
    expect(await other.getString('user:1')).toBe('other namespace');
  });

  it('rejects clear of a prefix it cannot find in a key listing with UNSUPPORTED', async () => {
    const cache = await open(fresh());
    const error = await cache.clear('ключ').catch((e: unknown) => e);
    expect(CacheError.is(error, 'UNSUPPORTED'), String(error)).toBe(true);
    expect(await cache.clear('x'.repeat(250)).catch((e: unknown) => (e as CacheError).code)).toBe(
      'UNSUPPORTED',
    );
  });

  it('rejects clear on a SASL server (no text protocol to list keys) with UNSUPPORTED', async () => {
    const cache = await open(fresh(), { servers: [inject('sasl')], ...SASL_USER });
    await cache.setString('k', 'v');
    const error = await cache.clear().catch((e: unknown) => e);
    expect(CacheError.is(error, 'UNSUPPORTED'), String(error)).toBe(true);
    expect(await cache.getString('k')).toBe('v');
  });

  it('counts exactly with 20 clients incrementing one key, and goes below zero', async () => {
    const ns = fresh();
    const clients = await Promise.all(Array.from({ length: 20 }, () => open(ns)));
    const seen = (
      await Promise.all(
        clients.map(async (c) => {
          const mine: number[] = [];
          for (let i = 0; i < 50; i++) mine.push(await c.increment('n'));
          return mine;
        }),
      )
    ).flat();
    expect(new Set(seen).size).toBe(1000);
    expect(await clients[0]!.increment('n', 0)).toBe(1000);
    expect(await clients[0]!.decrement('n', 1500)).toBe(-500);
    expect(await clients[1]!.increment('n', 2)).toBe(-498);
  });
});
