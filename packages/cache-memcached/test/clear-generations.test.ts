import { createConnection } from 'node:net';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { expiryForTtl, expiryFromFlags, isExpired, RELATIVE_LIMIT_SECONDS } from '../src/expiry.js';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';
import { generationWireKey } from '../src/wire-keys.js';

const opened: MemcachedCache[] = [];
const onClose: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await Promise.all(onClose.map((stop) => stop()));
});
const open = async (namespace: string | undefined, extra: object = {}) => {
  const cache = await createMemcachedCache({
    servers: inject('three'),
    namespace,
    generationCacheMs: 0,
    ...extra,
  });
  opened.push(cache);
  return cache;
};
let counter = 0;
const fresh = () => `gen-${process.pid}-${Date.now()}-${++counter}`;

/** Deletes a key on every server through the text protocol, as an eviction would. */
async function evict(key: string): Promise<void> {
  await Promise.all(
    inject('three').map(
      (address) =>
        new Promise<void>((resolve, reject) => {
          const socket = createConnection(
            { host: '127.0.0.1', port: Number(address.split(':')[1]) },
            () => socket.write(`delete ${key}\r\n`),
          );
          socket.once('data', () => {
            socket.destroy();
            resolve();
          });
          socket.once('error', reject);
        }),
    ),
  );
}

describe('clear through generation counters', () => {
  it('clear(prefix) is seen at once by another instance when generationCacheMs is 0', async () => {
    const ns = fresh();
    const [a, b] = [await open(ns), await open(ns)];
    await a.setString('user:1', 'x');
    await a.setString('user:a:b', 'y');
    await a.setString('users:1', 'z');
    expect(await b.getString('user:1')).toBe('x');
    await b.clear('user:a');
    expect(await a.getString('user:a:b')).toBeUndefined();
    expect(await a.getString('user:1')).toBe('x');
    await b.clear('user');
    expect(await a.getString('user:1')).toBeUndefined();
    expect(await a.getString('users:1')).toBe('z');
    await a.setString('user:1', 'again');
    expect(await b.getString('user:1'), 'writes after a clear are visible').toBe('again');
  });

  it('a cache without namespace owns every namespace: its clear(ns) and clear() reach them', async () => {
    // A root clear() empties the whole server for every user of it: this case gets its own.
    const own = await startMemcached();
    onClose.push(() => own.stop());
    const servers = [`${own.host}:${own.port}`];
    const ns = fresh();
    const scoped = await open(ns, { servers });
    const root = await open(undefined, { servers });
    await scoped.setString('k', 'v');
    expect(await root.getString(`${ns}:k`), 'the same key from outside the namespace').toBe('v');
    await root.clear(ns);
    expect(await scoped.getString('k')).toBeUndefined();
    await scoped.setString('k', 'v2');
    await root.clear();
    expect(await scoped.getString('k')).toBeUndefined();
  });

  it('an evicted generation never brings cleared entries back', async () => {
    const ns = fresh();
    const cache = await open(ns);
    await cache.setString('p:1', 'before');
    await cache.clear('p');
    await cache.setString('p:1', 'after');
    // Lose every generation of this namespace, as memcached's LRU might.
    await evict(generationWireKey(`${ns}:p:`).toString('latin1'));
    await evict(generationWireKey(`${ns}:`).toString('latin1'));
    expect(
      await cache.getString('p:1'),
      'neither the cleared nor the pre-eviction value',
    ).toBeUndefined();
    await cache.setString('p:1', 'new');
    expect(await cache.getString('p:1')).toBe('new');
  });

  it('keeps a TTL past 30 days (sent as an absolute Unix time) and Infinity (0)', async () => {
    const cache = await open(fresh());
    const days31 = 31 * 24 * 3600 * 1000;
    await cache.setString('long', 'v', { ttlMs: days31 });
    await cache.setString('forever', 'v', { ttlMs: Number.POSITIVE_INFINITY });
    expect(await cache.getString('long'), 'sent as relative, memcached would read it as 1970').toBe(
      'v',
    );
    expect(await cache.increment('n')).toBe(1);
    await cache.setString('m', '1', { ttlMs: days31 });
    expect(await cache.increment('m')).toBe(2);
    expect(await cache.getString('m')).toBe('2');
  });
});

describe('expiry arithmetic', () => {
  const now = 1_700_000_000_500;
  it('records the deadline rounded up to a second, and tells memcached 2 s more than the ttl', () => {
    expect(expiryForTtl(1, now)).toEqual({ exptime: 3, flags: 1_700_000_001 });
    expect(expiryForTtl(1000, now)).toEqual({ exptime: 3, flags: 1_700_000_002 });
    expect(expiryForTtl(1001, now).exptime).toBe(4);
    expect(expiryForTtl(Number.POSITIVE_INFINITY, now)).toEqual({ exptime: 0, flags: 0 });
  });
  it('switches to an absolute Unix time past 30 days, and to never past 2106', () => {
    const e = expiryForTtl(RELATIVE_LIMIT_SECONDS * 1000, now);
    expect(e.flags).toBe(1_700_000_001 + RELATIVE_LIMIT_SECONDS);
    expect(e.exptime).toBe(e.flags + 2);
    expect(expiryForTtl((RELATIVE_LIMIT_SECONDS - 2) * 1000, now).exptime).toBe(
      RELATIVE_LIMIT_SECONDS,
    );
    expect(expiryForTtl(200 * 365 * 24 * 3600 * 1000, now)).toEqual({ exptime: 0, flags: 0 });
  });
  it('re-applies the remaining time from the flags, and hides what the flags say expired', () => {
    expect(expiryFromFlags(1_700_000_010, now)).toEqual({ exptime: 12, flags: 1_700_000_010 });
    expect(expiryFromFlags(1_699_999_000, now).exptime).toBe(3);
    expect(expiryFromFlags(0, now)).toEqual({ exptime: 0, flags: 0 });
    const far = 1_700_000_000 + RELATIVE_LIMIT_SECONDS + 100;
    expect(expiryFromFlags(far, now)).toEqual({ exptime: far + 2, flags: far });
    expect(isExpired(0, now)).toBe(false);
    expect(isExpired(1_700_000_000, now)).toBe(true);
    expect(isExpired(1_700_000_001, now)).toBe(false);
  });
});
