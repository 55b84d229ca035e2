import { CacheError } from '@pywatt/cache-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';
import { dumpServerKeys } from './server-keys.js';

const MIB = 1024 * 1024;
const opened: MemcachedCache[] = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});
const open = async (servers: string[], extra: object = {}) => {
  const cache = await createMemcachedCache({
    servers,
    namespace: `kv-${process.pid}-${opened.length}`,
    ...extra,
  });
  opened.push(cache);
  return cache;
};

describe('keys memcached cannot hold', () => {
  it('stores 251-byte, multi-byte, CRLF-injection and spaced keys as distinct entries, and nothing unsafe reaches the server', async () => {
    const address = inject('single');
    const cache = await open([address]);
    await cache.setString('canary', 'alive');
    const awkward = [
      'x'.repeat(251),
      'x'.repeat(250),
      'y'.repeat(1024),
      'ключ-🔑-鍵',
      'k\r\nflush_all',
      'k\r\nflush_all\r\n',
      'with spaces in it',
      'tab\there',
      'nul\u0000inside',
      'del\u007f',
      'e\u0301', // e + combining accent: not the same key as é
      'é',
    ];
    for (const [i, key] of awkward.entries()) await cache.setString(key, `v${i}`);
    for (const [i, key] of awkward.entries())
      expect(await cache.getString(key), JSON.stringify(key)).toBe(`v${i}`);
    expect(await cache.getString('canary'), 'no flush_all ran').toBe('alive');
    const found = await cache.getMany(awkward);
    expect(found.size).toBe(awkward.length);

    const onServer = await dumpServerKeys(address, (keys) => keys.length > awkward.length);
    expect(onServer.length).toBeGreaterThan(awkward.length);
    for (const key of onServer) {
      expect(key, 'a memcached key is printable ASCII').toMatch(/^[\x21-\x7e]+$/);
      expect(key.length).toBeLessThanOrEqual(250);
    }
    expect(onServer.some((k) => k.includes('flush_all'))).toBe(false);
  });
});

describe('value sizes', () => {
  it('stores 1 MiB and rejects 1 MiB + 1 byte with VALUE_TOO_LARGE before sending (default maxValueBytes)', async () => {
    const cache = await open(inject('three'));
    const exact = new Uint8Array(MIB).map((_, i) => i % 251);
    await cache.set('exact', exact);
    expect(Buffer.from((await cache.get('exact'))!).equals(Buffer.from(exact))).toBe(true);
    const error = await cache.set('over', new Uint8Array(MIB + 1)).catch((e: unknown) => e);
    expect(CacheError.is(error, 'VALUE_TOO_LARGE')).toBe(true);
    expect(await cache.get('over')).toBeUndefined();
    expect((await cache.stats()).errors, 'a caller error is not a backend error').toBe(0);
  });

  it("maps the server's own item-size refusal to VALUE_TOO_LARGE and keeps the connection usable", async () => {
    // A memcached with the default 1 MiB item size cannot hold a 1 MiB value plus its key and header.
    const cache = await open([inject('defaultItemSize')], { maxValueBytes: 4 * MIB });
    const pending = Array.from({ length: 5 }, (_, i) => cache.setString(`small${i}`, `s${i}`));
    const error = await cache.set('big', new Uint8Array(MIB)).catch((e: unknown) => e);
    await Promise.all(pending);
    expect(CacheError.is(error, 'VALUE_TOO_LARGE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/-I/);
    for (let i = 0; i < 5; i++) expect(await cache.getString(`small${i}`)).toBe(`s${i}`);
    await cache.set('big', new Uint8Array(MIB - 4096));
    expect((await cache.get('big'))?.byteLength).toBe(MIB - 4096);
  });
});
