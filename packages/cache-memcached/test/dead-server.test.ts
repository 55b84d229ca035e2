import { CacheError } from '@pywatt/cache-core';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { probe, type ServerHandle, waitFor } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';

// These servers are killed and restarted, so this file starts its own.
let servers: ServerHandle[] = [];
let cache: MemcachedCache;
const keys = Array.from({ length: 90 }, (_, i) => `item:${i}`);

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return CacheError.is(error) ? error.code : `raw ${String(error)}`;
  }
}

beforeAll(async () => {
  servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  cache = await createMemcachedCache({
    servers: servers.map((s) => `${s.host}:${s.port}`),
    namespace: 'failover',
    operationTimeoutMs: 400,
    generationCacheMs: 0,
  });
});

afterAll(async () => {
  await cache?.close();
  await Promise.all(servers.map((s) => s.stop()));
});

describe('one of three servers fails', () => {
  it('a killed server fails only its own keys, with CONNECTION naming it; the rest keep working; it rejoins after a restart', async () => {
    for (const key of keys) await cache.setString(key, key);
    const victim = servers[1] as ServerHandle;
    const victimAddress = `${victim.host}:${victim.port}`;
    const onVictim = keys.filter((k) => cache.serverFor(k) === victimAddress);
    const elsewhere = keys.filter((k) => cache.serverFor(k) !== victimAddress);
    expect(onVictim.length).toBeGreaterThan(5);
    expect(elsewhere.length).toBeGreaterThan(30);

    await victim.kill();
    for (const key of onVictim) {
      const error = await cache.get(key).catch((e: unknown) => e);
      expect(CacheError.is(error, 'CONNECTION'), String(error)).toBe(true);
      expect((error as CacheError).message).toContain(victimAddress);
      expect((error as CacheError).retryable).toBe(true);
    }
    for (const key of elsewhere) expect(await cache.getString(key)).toBe(key);
    expect(await outcome(cache.setString(elsewhere[0]!, 'still writable'))).toBe('ok');
    expect(await outcome(cache.increment(onVictim[0]!))).toBe('CONNECTION');
    expect(await outcome(cache.ping())).toBe('CONNECTION');
    expect(await outcome(cache.getMany(elsewhere)), 'a batch on live servers only works').toBe(
      'ok',
    );

    await victim.restart();
    // A restarted memcached is empty: its keys read as misses, then work again.
    expect(await cache.get(onVictim[0]!)).toBeUndefined();
    await cache.setString(onVictim[0]!, 'back');
    expect(await cache.getString(onVictim[0]!)).toBe('back');
    await cache.ping();
    expect((await cache.getMany(keys)).size).toBe(elsewhere.length + 1);
  });

  it('a frozen server fails its keys with TIMEOUT after operationTimeoutMs; the others answer meanwhile', async () => {
    const victim = servers[2] as ServerHandle;
    const victimAddress = `${victim.host}:${victim.port}`;
    const onVictim = keys.filter((k) => cache.serverFor(k) === victimAddress);
    const elsewhere = keys.filter((k) => cache.serverFor(k) !== victimAddress);
    await cache.setString(onVictim[0]!, 'v');
    victim.pause();
    try {
      // SIGSTOP lands asynchronously: wait until the server really stops answering.
      await waitFor(
        async () => (await probe(victim.port, 'version\r\n', 200)) === undefined,
        'the paused memcached to stop answering',
      );
      const [frozen, live] = await Promise.all([
        outcome(cache.get(onVictim[0]!)),
        cache.getString(elsewhere[0]!),
      ]);
      expect(frozen).toBe('TIMEOUT');
      expect(live).toBeDefined();
    } finally {
      victim.resume();
    }
    expect(await cache.getString(onVictim[0]!)).toBe('v');
  });
});
