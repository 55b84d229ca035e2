import { CacheError, type CacheService, jsonCodec } from '@pywatt/cache-core';
import { ReferenceCache } from '@pywatt/cache-core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheAside, CachedLoaderError, cacheAside } from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  vi.useRealTimers();
  await cache.close();
});

describe('single flight', () => {
  it('1000 concurrent gets on a cold key run the loader once and all get its value', async () => {
    const aside = new CacheAside<{ n: number }>(cache);
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { n: 42 };
    };
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => aside.get('cold', loader)),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => r.n === 42)).toBe(true);
    expect((await cache.get('cold'))?.[0]).toBe(0); // stored in an envelope, not as plain JSON
    expect(await aside.get('cold', loader)).toEqual({ n: 42 });
    expect(calls).toBe(1);
  });

  it('the function form shares single flight across calls on one cache, even with a synchronous loader', async () => {
    let calls = 0;
    const loader = () => {
      calls++;
      return 'v';
    };
    const results = await Promise.all(
      Array.from({ length: 200 }, () => cacheAside(cache, 'k', loader, { ttlMs: 60_000 })),
    );
    expect(new Set(results)).toEqual(new Set(['v']));
    expect(calls).toBe(1);
  });

  it('a failed load reaches every waiting caller and is not cached', async () => {
    const aside = new CacheAside<string>(cache);
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new Error('source down');
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, () => aside.get('k', failing)),
    );
    expect(
      settled.every(
        (s) => s.status === 'rejected' && (s.reason as Error).message === 'source down',
      ),
    ).toBe(true);
    expect(calls).toBe(1);
    expect(await aside.get('k', () => 'ok')).toBe('ok');
  });
});

describe('negative caching', () => {
  it('with cacheErrorsMs a failure is remembered for that long, then the loader runs again', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, { cacheErrorsMs: 1000 });
    const loader = vi.fn(async () => {
      throw new TypeError('bad row');
    });
    await expect(aside.get('k', loader)).rejects.toThrow('bad row');
    const cached = await aside.get('k', loader).catch((e: unknown) => e);
    expect(cached).toBeInstanceOf(CachedLoaderError);
    expect((cached as CachedLoaderError).originalName).toBe('TypeError');
    expect((cached as CachedLoaderError).message).toBe('bad row');
    expect(loader).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1001);
    expect(await aside.get('k', () => 'fixed')).toBe('fixed');
  });
});

describe('stale-while-revalidate', () => {
  it('serves the stale value at once, refreshes once in the background, then serves the new one', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, { ttlMs: 1000, staleMs: 5000 });
    let version = 1;
    const loader = vi.fn(async () => `v${version}`);
    expect(await aside.get('k', loader)).toBe('v1');
    version = 2;
    vi.advanceTimersByTime(1500);
    const stale = await Promise.all([
      aside.get('k', loader),
      aside.get('k', loader),
      aside.get('k', loader),
    ]);
    expect(stale).toEqual(['v1', 'v1', 'v1']);
    await aside.idle();
    expect(loader).toHaveBeenCalledTimes(2);
    expect(await aside.get('k', loader)).toBe('v2');
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('keeps serving the stale value while refreshes fail, until staleMs ends', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    const aside = new CacheAside<string>(cache, {
      ttlMs: 1000,
      staleMs: 5000,
      onError: (_e, { phase }) => errors.push(phase),
    });
    expect(await aside.get('k', () => 'v1')).toBe('v1');
    const failing = vi.fn(async (): Promise<string> => {
      throw new Error('down');
    });
    for (const stepMs of [1500, 1500, 2900]) {
      // 1500, 3000 and 5900 ms after the load: stale, within staleMs
      vi.advanceTimersByTime(stepMs);
      expect(await aside.get('k', failing)).toBe('v1');
      await aside.idle();
    }
    expect(failing).toHaveBeenCalledTimes(3);
    expect(errors).toEqual(['refresh', 'refresh', 'refresh']);
    vi.advanceTimersByTime(200); // 6100 ms after the load: past fresh + stale
    await expect(aside.get('k', failing)).rejects.toThrow('down');
  });
});

describe('early refresh (XFetch)', () => {
  it('refreshes a hot key before it expires, by the measured load time δ and β', async () => {
    vi.useFakeTimers();
    let rand = Math.exp(-1); // ln(rand) = -1: refresh when now + δ·β ≥ expiry
    const aside = new CacheAside<number>(cache, {
      ttlMs: 10_000,
      earlyRefresh: true,
      beta: 2,
      random: () => rand,
    });
    let loads = 0;
    const loader = () => {
      loads++;
      vi.advanceTimersByTime(100); // the load takes δ = 100 ms
      return loads;
    };
    expect(await aside.get('k', loader)).toBe(1); // fresh until t0 + 100 + 10 000
    const expiry = Date.now() + 10_000;
    vi.setSystemTime(expiry - 250); // now + δ·β = expiry − 50: not yet
    expect(await aside.get('k', loader)).toBe(1);
    await aside.idle();
    expect(loads).toBe(1);
    vi.setSystemTime(expiry - 150); // now + 200 ≥ expiry: refresh early, still serving the current value
    expect(await aside.get('k', loader)).toBe(1);
    await aside.idle();
    expect(loads).toBe(2);
    expect(await aside.get('k', loader)).toBe(2);
    rand = 1 - Number.EPSILON; // ln ≈ 0: no early refresh at all
    vi.setSystemTime(Date.now() + 10_000 - 5);
    expect(await aside.get('k', loader)).toBe(2);
    await aside.idle();
    expect(loads).toBe(2);
  });

  it('without earlyRefresh a fresh value is never refreshed', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<number>(cache, { ttlMs: 1000, random: () => 0 });
    const loader = vi.fn(() => {
      vi.advanceTimersByTime(500);
      return 1;
    });
    await aside.get('k', loader);
    vi.advanceTimersByTime(990);
    await aside.get('k', loader);
    await aside.idle();
    expect(loader).toHaveBeenCalledTimes(1);
  });
});

describe('loaders and values', () => {
  it('a loader over loaderTimeoutMs rejects with TIMEOUT and sees its signal aborted', async () => {
    const aside = new CacheAside<string>(cache, { loaderTimeoutMs: 20 });
    let aborted: unknown;
    const error = await aside
      .get(
        'k',
        ({ signal }) =>
          new Promise<string>((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = signal.reason;
              resolve('too late');
            });
          }),
      )
      .catch((e: unknown) => e);
    expect(CacheError.is(error, 'TIMEOUT')).toBe(true);
    expect(CacheError.is(aborted, 'TIMEOUT')).toBe(true);
    expect(await cache.exists('k')).toBe(false);
  });

  it('a value that fails to decode is a miss: reloaded and overwritten, not thrown', async () => {
    await cache.set('k', new TextEncoder().encode('{not json'));
    const aside = new CacheAside<{ ok: boolean }>(cache);
    const loader = vi.fn(() => ({ ok: true }));
    expect(await aside.get('k', loader)).toEqual({ ok: true });
    expect(await aside.get('k', loader)).toEqual({ ok: true });
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('reads plain codec bytes written by others (setJson, writeThrough) as fresh values', async () => {
    await cache.setJson('user:1', { name: 'Ada' });
    const loader = vi.fn(() => ({ name: 'never' }));
    expect(await cacheAside(cache, 'user:1', loader)).toEqual({ name: 'Ada' });
    expect(loader).not.toHaveBeenCalled();
  });

  it('a value the codec cannot encode rejects with SERIALIZATION', async () => {
    const aside = new CacheAside<unknown>(cache, { codec: jsonCodec });
    const error = await aside.get('k', () => undefined).catch((e: unknown) => e);
    expect(CacheError.is(error, 'SERIALIZATION')).toBe(true);
  });

  it('a cache that is down does not hide the source: the value is loaded and the failure reported', async () => {
    const broken = new ReferenceCache({});
    broken.failing = true;
    const phases: string[] = [];
    const aside = new CacheAside<number>(broken, {
      onError: (_e, { phase }) => phases.push(phase),
    });
    expect(await aside.get('k', () => 7)).toBe(7);
    expect(phases).toContain('read');
    expect(phases).toContain('write');
    await broken.close();
  });

  it('rejects invalid options with INVALID_ARGUMENT naming the option', () => {
    expect(() => new CacheAside(cache, { ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => new CacheAside(cache, { staleMs: -1 })).toThrow(/staleMs/);
    expect(() => new CacheAside(cache, { lockTtlMs: Number.POSITIVE_INFINITY })).toThrow(
      /lockTtlMs/,
    );
    try {
      new CacheAside(cache, { loaderTimeoutMs: Number.NaN });
    } catch (error) {
      expect(CacheError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('cross-process single flight with lockTtlMs (two instances stand in for two processes)', () => {
  it('only the lock holder loads; the other waits and reads its value', async () => {
    const a = new CacheAside<string>(cache, { lockTtlMs: 5000, lockPollMs: 2 });
    const b = new CacheAside<string>(cache, { lockTtlMs: 5000, lockPollMs: 2 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'shared';
    };
    expect(await Promise.all([a.get('k', loader), b.get('k', loader)])).toEqual([
      'shared',
      'shared',
    ]);
    expect(loads).toBe(1);
  });

  it('a waiter whose holder never writes loads by itself once lockWaitMs runs out', async () => {
    const held = await cache.lock('aside:k', 60_000);
    expect(held).toBeDefined();
    const aside = new CacheAside<string>(cache, {
      lockTtlMs: 60_000,
      lockWaitMs: 30,
      lockPollMs: 5,
    });
    expect(await aside.get('k', () => 'mine')).toBe('mine');
  });
});
