import { setTimeout as sleep } from 'node:timers/promises';
import { CacheError, type CacheService } from '@pywatt/cache-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheAside, type LoaderContext, type NotFound, NotFoundError } from '../src/index.js';
import { memoryCache } from './support/memory.js';

let cache: CacheService;
beforeEach(async () => {
  cache = await memoryCache();
});
afterEach(async () => {
  vi.useRealTimers();
  await cache.close();
});

const failing = (): Promise<string> => Promise.reject(new Error('source down'));

describe('grace (stale-if-error)', () => {
  it('answers the old value when the refresh fails, holds the key for graceBackoffMs, and stops at the end of grace', async () => {
    vi.useFakeTimers();
    const phases: string[] = [];
    const aside = new CacheAside<string>(cache, {
      ttlMs: 1000,
      graceMs: 10_000,
      graceBackoffMs: 2000,
      onError: (_e, { phase }) => phases.push(phase),
    });
    const failed: string[] = [];
    aside.on('refreshFailed', (event) => failed.push(event.errorCode));
    expect(await aside.get('k', () => 'v1')).toBe('v1');
    const loader = vi.fn(failing);
    vi.advanceTimersByTime(1500); // past fresh, in grace
    expect(await aside.get('k', loader)).toBe('v1');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(phases).toEqual(['refresh']);
    expect(failed).toEqual(['Error']);
    vi.advanceTimersByTime(1000); // within the backoff: neither loader nor cache asked
    expect(await aside.get('k', loader)).toBe('v1');
    expect(loader).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1500); // backoff over: one more try, failing again
    expect(await aside.get('k', loader)).toBe('v1');
    expect(loader).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(9000); // 13 s after the load: fresh + grace is over
    await expect(aside.get('k', loader)).rejects.toThrow('source down');
  });

  it('a refresh that succeeds after the backoff stores the new value and ends the hold', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, {
      ttlMs: 1000,
      graceMs: 10_000,
      graceBackoffMs: 500,
    });
    await aside.get('k', () => 'v1');
    vi.advanceTimersByTime(1200);
    expect(await aside.get('k', failing)).toBe('v1');
    vi.advanceTimersByTime(600);
    expect(await aside.get('k', () => 'v2')).toBe('v2');
    expect(await aside.get('k', failing)).toBe('v2'); // fresh again: no load
  });

  it('a read that looked before a failure put the key in backoff does not call the loader again', async () => {
    let gate: Promise<void> | undefined;
    // The cache as the aside sees it: reads wait at the gate while one is set (a slow L2 read).
    const gated = new Proxy(cache, {
      get(target, name) {
        if (name === 'get') {
          return async (key: string) => {
            const waitFor = gate;
            if (waitFor !== undefined) await waitFor;
            return target.get(key);
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const aside = new CacheAside<string>(gated, {
      ttlMs: 20,
      graceMs: 60_000,
      graceBackoffMs: 60_000,
    });
    await aside.get('k', () => 'v1');
    await sleep(40);
    const loader = vi.fn(failing);
    let open: () => void = () => {};
    gate = new Promise((resolve) => (open = resolve));
    const slowRead = aside.get('k', loader); // passed the backoff check, now waits for its cache read
    gate = undefined;
    expect(await aside.get('k', loader)).toBe('v1'); // the refresh fails: the key is held
    open();
    expect(await slowRead).toBe('v1');
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('without graceMs a failed refresh past the stale window rejects and is retried on the next read', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, { ttlMs: 1000 });
    await aside.get('k', () => 'v1');
    vi.advanceTimersByTime(1500);
    const loader = vi.fn(failing);
    await expect(aside.get('k', loader)).rejects.toThrow('source down');
    await expect(aside.get('k', loader)).rejects.toThrow('source down');
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('per call: graceMs and ttlMs given to get() override the instance', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, { ttlMs: 60_000 });
    await aside.get('k', () => 'v1', { ttlMs: 1000, graceMs: 5000 });
    vi.advanceTimersByTime(2000);
    expect(await aside.get('k', failing, { graceMs: 5000 })).toBe('v1');
    await expect(aside.get('k', failing, { graceMs: -1 })).rejects.toThrow(/graceMs/);
  });
});

describe('soft and hard loader timeouts', () => {
  it('after softTimeoutMs a caller in grace gets the old value; the load goes on and fills the cache', async () => {
    const aside = new CacheAside<string>(cache, { ttlMs: 50, graceMs: 60_000, softTimeoutMs: 20 });
    await aside.get('k', () => 'v1');
    await sleep(80);
    let finish: (value: string) => void = () => {};
    const slow = () => new Promise<string>((resolve) => (finish = resolve));
    expect(await aside.get('k', slow)).toBe('v1');
    finish('v2');
    await aside.idle();
    expect(await aside.get('k', failing)).toBe('v2');
  });

  it('with softTimeoutMs, callers get the loaded value without waiting for a slow cache write', async () => {
    let release: () => void = () => {};
    const writeGate = new Promise<void>((resolve) => (release = resolve));
    const slowWrites = new Proxy(cache, {
      get(target, name) {
        if (name === 'set') {
          return async (...args: Parameters<CacheService['set']>) => {
            await writeGate;
            return target.set(...args);
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const aside = new CacheAside<string>(slowWrites, { softTimeoutMs: 60_000 });
    const answers = await Promise.all([aside.get('k', () => 'v1'), aside.get('k', () => 'v2')]);
    expect(answers).toEqual(['v1', 'v1']);
    expect(await cache.get('k')).toBeUndefined(); // still being written
    release();
    await aside.idle();
    expect(await aside.get('k', failing)).toBe('v1');
  });

  it('a caller with nothing to fall back on waits past softTimeoutMs for the loader', async () => {
    const aside = new CacheAside<string>(cache, { softTimeoutMs: 1 });
    const slow = async () => {
      await sleep(30);
      return 'v1';
    };
    expect(await aside.get('cold', slow)).toBe('v1');
  });

  it('after hardTimeoutMs the signal aborts and callers get TIMEOUT, or the grace value', async () => {
    const aside = new CacheAside<string>(cache, { ttlMs: 50, graceMs: 60_000, hardTimeoutMs: 20 });
    let aborted: unknown;
    const hanging = ({ signal }: LoaderContext) =>
      new Promise<string>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(signal.reason);
        });
      });
    const error = await aside.get('cold', hanging).catch((e: unknown) => e);
    expect(CacheError.is(error, 'TIMEOUT')).toBe(true);
    expect(CacheError.is(aborted, 'TIMEOUT')).toBe(true);
    await aside.get('k', () => 'v1');
    await sleep(80);
    expect(await aside.get('k', hanging)).toBe('v1');
  });
});

describe('TTL jitter', () => {
  it('spreads the fresh time by ±ttlJitter', async () => {
    vi.useFakeTimers();
    const low = new CacheAside<string>(cache, { ttlMs: 1000, ttlJitter: 0.5, random: () => 0 });
    const high = new CacheAside<string>(cache, {
      ttlMs: 1000,
      ttlJitter: 0.5,
      random: () => 0.999,
    });
    await low.get('low', () => 'v1');
    await high.get('high', () => 'v1');
    vi.advanceTimersByTime(600); // past 500 ms (1000 − 50 %), before 1499 ms (1000 + 49.9 %)
    expect(await low.get('low', () => 'v2')).toBe('v2');
    expect(await high.get('high', () => 'v2')).toBe('v1');
  });

  it('rejects a jitter of 1 or more', () => {
    expect(() => new CacheAside(cache, { ttlJitter: 1 })).toThrow(/ttlJitter/);
  });
});

describe('negative caching ("not found")', () => {
  it('caches a loader’s notFound() for notFoundTtlMs: find resolves undefined, get rejects NotFoundError', async () => {
    vi.useFakeTimers();
    const aside = new CacheAside<string>(cache, { ttlMs: 60_000, notFoundTtlMs: 1000 });
    const loader = vi.fn((ctx: LoaderContext): NotFound => ctx.notFound());
    expect(await aside.find('gone', loader)).toBeUndefined();
    const error = await aside.get('gone', loader).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).key).toBe('gone');
    expect(loader).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1100);
    expect(await aside.find('gone', () => 'back')).toBe('back');
  });

  it('a stored null is a value, not "not found"', async () => {
    const aside = new CacheAside<string | null>(cache);
    expect(await aside.find('n', () => null)).toBeNull();
    expect(await aside.get('n', (ctx) => ctx.notFound())).toBeNull();
  });
});
