import { CacheError, type CacheService } from '@pywatt/cache-core';
import { encodeStoredInteger } from '@pywatt/cache-core/store';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DistributedLock, FENCE_KEY_PREFIX, withLock } from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  vi.useRealTimers();
  await cache.close();
});

const fast = { retryDelayMs: 1, maxRetryDelayMs: 5 };

describe('acquire and release', () => {
  it('tryAcquire excludes a second holder until release', async () => {
    const a = new DistributedLock(cache, 'res');
    const b = new DistributedLock(cache, 'res');
    expect(await a.tryAcquire()).toBe(true);
    expect(a.held).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(a.held).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    await b.release();
  });

  it('acquire retries with backoff until the holder releases', async () => {
    const holder = new DistributedLock(cache, 'res');
    await holder.acquire();
    setTimeout(() => void holder.release(), 20);
    const waiter = new DistributedLock(cache, 'res', fast);
    await expect(waiter.acquire()).resolves.toBe(waiter);
    expect(waiter.held).toBe(true);
    await waiter.release();
  });

  it('gives up with LOCK_NOT_ACQUIRED after maxAttempts, after acquireTimeoutMs, or on abort', async () => {
    await new DistributedLock(cache, 'res').acquire();
    const byAttempts = await new DistributedLock(cache, 'res', { ...fast, maxAttempts: 3 })
      .acquire()
      .catch((e: unknown) => e);
    expect(CacheError.is(byAttempts, 'LOCK_NOT_ACQUIRED')).toBe(true);
    expect((byAttempts as Error).message).toMatch(/after 3 attempt/);

    const byTime = await new DistributedLock(cache, 'res', {
      ...fast,
      maxAttempts: 1_000_000,
      acquireTimeoutMs: 30,
    })
      .acquire()
      .catch((e: unknown) => e);
    expect(CacheError.is(byTime, 'LOCK_NOT_ACQUIRED')).toBe(true);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 10);
    const byAbort = await new DistributedLock(cache, 'res', {
      retryDelayMs: 5000,
      maxRetryDelayMs: 5000,
    })
      .acquire({ signal: controller.signal })
      .catch((e: unknown) => e);
    expect(CacheError.is(byAbort, 'LOCK_NOT_ACQUIRED')).toBe(true);
    expect(((byAbort as Error).cause as Error).message).toBe('shutting down');
  });

  it('refuses to acquire twice on one instance', async () => {
    const lock = new DistributedLock(cache, 'res');
    await lock.acquire();
    const error = await lock.tryAcquire().catch((e: unknown) => e);
    expect(CacheError.is(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('await using releases at the end of the block', async () => {
    {
      await using lock = await new DistributedLock(cache, 'scoped').acquire();
      expect(lock.held).toBe(true);
      expect(await new DistributedLock(cache, 'scoped').tryAcquire()).toBe(false);
    }
    expect(await new DistributedLock(cache, 'scoped').tryAcquire()).toBe(true);
  });
});

describe('loss, extension and fencing', () => {
  it('a holder that stalls past its TTL sees its signal aborted and its release return false', async () => {
    vi.useFakeTimers();
    const stalled = new DistributedLock(cache, 'res', { ttlMs: 1000 });
    await stalled.acquire();
    const fence = stalled.fencingToken as number;
    const signal = stalled.signal;
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1001);
    expect(signal.aborted).toBe(true);
    expect(CacheError.is(signal.reason, 'LOCK_NOT_ACQUIRED')).toBe(true);
    const next = new DistributedLock(cache, 'res', { ttlMs: 1000 });
    expect(await next.tryAcquire()).toBe(true);
    expect(next.fencingToken).toBeGreaterThan(fence);
    expect(await stalled.extend()).toBe(false);
    expect(await stalled.release()).toBe(false);
    expect(await next.release()).toBe(true);
  });

  it('autoExtend keeps the lock held well past its TTL, and stops on release', async () => {
    vi.useFakeTimers();
    const lock = new DistributedLock(cache, 'res', { ttlMs: 300, autoExtend: true });
    await lock.acquire();
    for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(100);
    expect(lock.signal.aborted).toBe(false);
    expect(await new DistributedLock(cache, 'res').tryAcquire()).toBe(false);
    expect(await lock.release()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an extension that finds the lock taken aborts the signal', async () => {
    vi.useFakeTimers();
    const lock = new DistributedLock(cache, 'res', { ttlMs: 1000 });
    await lock.acquire();
    await cache.unlock('res', lock.token as string); // e.g. an operator freed it
    await new DistributedLock(cache, 'res').acquire();
    expect(await lock.extend()).toBe(false);
    expect(lock.signal.aborted).toBe(true);
  });

  it('fencing tokens strictly increase across grants, even after clear() lost the counter', async () => {
    const tokens: number[] = [];
    for (let i = 0; i < 30; i++) {
      if (i === 15) {
        // The counter restarts from the clock in µs: tokens keep increasing while fewer than
        // 1000 grants per ms were taken since it was created (15 in ≥ 2 ms here).
        await new Promise((resolve) => setTimeout(resolve, 2));
        await cache.clear();
      }
      const lock = new DistributedLock(cache, 'res');
      await lock.acquire();
      tokens.push(lock.fencingToken as number);
      await lock.release();
    }
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
  });
});

describe('fencing tokens whatever happens to the counter', () => {
  it('acquire, release, clear(), acquire: strictly increasing, 1,000 times', async () => {
    const l = new DistributedLock(cache, 'job');
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      await l.acquire();
      const token = l.fencingToken as number;
      expect(token, `grant ${i}`).toBeGreaterThan(last);
      last = token;
      await l.release();
      await cache.clear();
    }
  });

  it('a fresh instance per grant (withLock) with the counter cleared or set back: strictly increasing', async () => {
    let last = 0;
    for (let i = 0; i < 300; i++) {
      const token = await withLock(cache, 'job', (lock) => lock.fencingToken as number);
      expect(token, `grant ${i}`).toBeGreaterThan(last);
      last = token;
      if (i % 3 === 0) await cache.clear();
      else if (i % 3 === 1) await cache.set(`${FENCE_KEY_PREFIX}job`, encodeStoredInteger(i));
    }
  });
});

describe('withLock', () => {
  it('20 concurrent read-modify-write updates under the lock lose nothing', async () => {
    await cache.setString('counter', '0');
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withLock(
          cache,
          'counter',
          async (lock) => {
            seen.push(lock.fencingToken as number);
            const n = Number(await cache.getString('counter'));
            await new Promise((resolve) => setTimeout(resolve, 1));
            await cache.setString('counter', String(n + 1));
          },
          { ...fast, maxAttempts: 10_000 },
        ),
      ),
    );
    expect(await cache.getString('counter')).toBe('20');
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  });

  it('returns what fn returns and releases when fn throws', async () => {
    expect(await withLock(cache, 'res', () => 5)).toBe(5);
    await expect(
      withLock(cache, 'res', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await new DistributedLock(cache, 'res').tryAcquire()).toBe(true);
  });
});
