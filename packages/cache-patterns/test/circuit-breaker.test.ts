import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError, createCache, type StoreCache } from '@pywatt/cache-core';
import { ReferenceStore } from '@pywatt/cache-core/testing';
import { MemoryStore } from '@pywatt/cache-memory';
import { RedisStore } from '@pywatt/cache-redis';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CacheAside, type CircuitBreakerStore, withCircuitBreaker } from '../src/index.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let cache: StoreCache<CircuitBreakerStore> | undefined;
afterEach(async () => {
  redis.resume();
  await cache?.close();
  cache = undefined;
});

async function breakerCache(
  options: { failureThreshold: number; breakMs: number },
  namespace: string,
): Promise<StoreCache<CircuitBreakerStore>> {
  const store = new RedisStore({ url: redis.url, operationTimeoutMs: 100 });
  await store.connect();
  cache = createCache(withCircuitBreaker(store, options), { namespace });
  return cache;
}

const failures = (n: number, run: () => Promise<unknown>) =>
  Promise.all(
    Array.from({ length: n }, () =>
      run().then(
        () => 'ok',
        (e: unknown) => e,
      ),
    ),
  );

describe('circuit breaker over a real Redis', () => {
  it('opens after N consecutive timeouts, fails fast with a retryable CONNECTION, then one probe closes it', async () => {
    const c = await breakerCache({ failureThreshold: 3, breakMs: 300 }, 'open');
    const events: string[] = [];
    c.on('breakerOpened', (e) => events.push(`opened ${e.openMs}`));
    c.on('breakerClosed', () => events.push('closed'));
    await c.setString('k', 'v');
    redis.pause();
    const errors = await failures(3, () => c.get('k'));
    expect(errors.every((e) => CacheError.is(e, 'TIMEOUT'))).toBe(true);
    expect(c.store.state).toBe('open');
    expect(events).toEqual(['opened 300']);
    const skipped = await c.set('k', new Uint8Array([1])).catch((e: unknown) => e);
    expect(CacheError.is(skipped, 'CONNECTION')).toBe(true);
    expect((skipped as CacheError).retryable).toBe(true);
    expect((skipped as CacheError).message).toMatch(
      /circuit breaker opened after 3 consecutive failures/,
    );
    const stats = await c.stats();
    expect(stats.backend).toMatchObject({
      breakerState: 'open',
      breakerOpens: 1,
      breakerRejections: 1,
    });

    redis.resume();
    await sleep(350);
    expect(c.store.state).toBe('half-open');
    expect(await c.getString('k')).toBe('v'); // the probe
    expect(c.store.state).toBe('closed');
    expect(events).toEqual(['opened 300', 'closed']);
    expect((await c.stats()).backend).toMatchObject({ breakerState: 'closed' });
  });

  it('a probe that fails opens it again; while the probe runs the other calls fail fast', async () => {
    const c = await breakerCache({ failureThreshold: 1, breakMs: 200 }, 'probe');
    redis.pause();
    await c.get('k').catch(() => {});
    expect(c.store.state).toBe('open');
    await sleep(250);
    const probe = c.get('k').catch((e: unknown) => e);
    const during = await c.get('k').catch((e: unknown) => e);
    expect(CacheError.is(during, 'CONNECTION')).toBe(true);
    expect(CacheError.is(await probe, 'TIMEOUT')).toBe(true);
    expect(c.store.state).toBe('open');
    expect((await c.stats()).backend).toMatchObject({ breakerOpens: 1 });
  });

  it('errors that prove the server alive (NOT_NUMERIC) never open it', async () => {
    const c = await breakerCache({ failureThreshold: 2, breakMs: 1000 }, 'alive');
    await c.setString('n', 'not a number');
    const errors = await failures(5, () => c.increment('n'));
    expect(errors.every((e) => CacheError.is(e, 'NOT_NUMERIC'))).toBe(true);
    expect(c.store.state).toBe('closed');
  });

  it('with grace, CacheAside keeps answering while the breaker skips Redis, holding what it loaded', async () => {
    const c = await breakerCache({ failureThreshold: 1, breakMs: 60_000 }, 'aside');
    const phases: string[] = [];
    const aside = new CacheAside<string>(c, {
      ttlMs: 50,
      graceMs: 60_000,
      graceBackoffMs: 60_000,
      softTimeoutMs: 20,
      onError: (_e, { phase }) => phases.push(phase),
    });
    expect(await aside.get('k', () => 'v1')).toBe('v1');
    await sleep(80);
    redis.pause();
    let calls = 0;
    const loader = () => `v${++calls + 1}`;
    // In grace: the refresh loads v2, cannot store it (timeout, then the open breaker) and holds it.
    const first = await aside.get('k', loader);
    expect(['v1', 'v2']).toContain(first);
    await aside.idle();
    for (let i = 0; i < 20; i++) expect(await aside.get('k', loader)).toBe('v2');
    expect(calls).toBe(1);
    expect(phases).toContain('write');
  });
});

describe('the breaker over a store that holds text', () => {
  it("keeps the store's typed values: getJson answers the same frozen object, strings stay strings", async () => {
    const store = new MemoryStore({ decoded: 'frozen' });
    const wrapped = withCircuitBreaker(store);
    expect(typeof wrapped.getString).toBe('function');
    const service = createCache(wrapped, { namespace: 'typed' });
    await service.setJson('user', { name: 'Ada' });
    const first = await service.getJson<{ name: string }>('user');
    expect(first).toEqual({ name: 'Ada' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(await service.getJson('user')).toBe(first);
    await service.setString('s', 'héllo');
    expect(await service.getString('s')).toBe('héllo');
    await service.close();
  });

  it('an open breaker over a store with exact keys still refuses an ill-formed key with INVALID_KEY', async () => {
    // The one fault a memory store cannot produce: its reads failing as a lost connection would.
    class UnreachableMemoryStore extends MemoryStore {
      override get(fullKey: string): Uint8Array | undefined {
        throw new CacheError(
          'CONNECTION',
          `cannot reach the store for ${fullKey.length}-char key`,
          {
            operation: 'get',
            backend: this.name,
          },
        );
      }
    }
    const wrapped = withCircuitBreaker(new UnreachableMemoryStore(), { failureThreshold: 1 });
    const service = createCache(wrapped);
    const down = await service.get('k').catch((e: unknown) => e);
    expect(CacheError.is(down, 'CONNECTION')).toBe(true);
    expect(wrapped.state).toBe('open');
    const refused = await service.set('x\ud800', new Uint8Array([1])).catch((e: unknown) => e);
    expect(CacheError.is(refused, 'INVALID_KEY')).toBe(true);
    await service.close();
  });

  it('offers no typed values when the wrapped store has none', () => {
    const wrapped = withCircuitBreaker(new ReferenceStore());
    expect(wrapped.getString).toBeUndefined();
    expect(wrapped.setString).toBeUndefined();
    expect(wrapped.getJson).toBeUndefined();
  });
});
