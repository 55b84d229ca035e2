import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CacheOperationContext,
  cacheChannels,
  sampleDurations,
  subscribeCacheChannel,
} from '../src/index.js';
import { ReferenceCache } from '../src/testing/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
type Sample = [operation: string, outcome: unknown, errorCode: string | undefined];

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Samples every call of every cache (sampleEvery 1); returns what was reported, in order. */
function sampleAll(sampleEvery = 1): { samples: Sample[]; durations: number[] } {
  const samples: Sample[] = [];
  const durations: number[] = [];
  stops.push(
    sampleDurations(
      (context: CacheOperationContext, durationMs) => {
        samples.push([context.operation, context.hit ?? context.hits, context.errorCode]);
        durations.push(durationMs);
      },
      { sampleEvery },
    ),
  );
  return { samples, durations };
}

describe('sampleDurations', () => {
  it('sampleEvery 1: a hit, a miss, a batch, a backend error and a caller error, in order, with durations', async () => {
    const cache = new ReferenceCache({ namespace: 'app' });
    await cache.set('k', bytes('v'));
    const { samples, durations } = sampleAll();
    expect(await cache.get('k')).toEqual(bytes('v'));
    // Reported before the caller's await resumes.
    expect(samples).toHaveLength(1);
    expect(await cache.get('absent')).toBeUndefined();
    expect((await cache.getMany(['k', 'absent'])).size).toBe(1);
    await expect(cache.set('', bytes('v'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    cache.failing = true;
    await expect(cache.exists('k')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(samples).toEqual([
      ['get', true, undefined],
      ['get', false, undefined],
      ['getMany', 1, undefined],
      ['set', undefined, 'INVALID_KEY'],
      ['exists', undefined, 'INTERNAL'],
    ]);
    for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
    // Counts stay exact in stats(): one error from the store, none from the caller.
    expect((await cache.stats()).errors).toBe(1);
  });

  it('sampling does not subscribe to the tracing channels, and both can run together', async () => {
    const cache = new ReferenceCache({});
    const { samples } = sampleAll();
    expect(cacheChannels.get.hasSubscribers).toBe(false);
    const traced: unknown[] = [];
    stops.push(subscribeCacheChannel('get', { asyncEnd: (c) => void traced.push(c.hit) }));
    await cache.get('k');
    expect(traced).toEqual([false]);
    expect(samples).toEqual([['get', false, undefined]]);
  });

  it('sampleEvery n: one call in n on average, at most 2n - 1 calls apart, none after the stop', async () => {
    const cache = new ReferenceCache({});
    await cache.set('k', bytes('v'));
    const { samples } = sampleAll(4);
    for (let i = 0; i < 400; i++) await cache.get('k');
    // Gaps are 1..7 calls (mean 4): at least ceil(400 / 7) samples, and far fewer than 400.
    expect(samples.length).toBeGreaterThanOrEqual(58);
    expect(samples.length).toBeLessThan(400);
    for (const stop of stops.splice(0)) stop();
    const before = samples.length;
    for (let i = 0; i < 50; i++) await cache.get('k');
    expect(samples.length).toBe(before);
  });

  it('a listener that throws does not fail the operation; a bad sampleEvery is a CONFIGURATION error', async () => {
    const cache = new ReferenceCache({});
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      stops.push(
        sampleDurations(
          () => {
            throw new Error('listener broke');
          },
          { sampleEvery: 1 },
        ),
      );
      expect(await cache.get('k')).toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(thrown).toEqual([new Error('listener broke')]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    for (const sampleEvery of [0, 1.5, -1, Number.NaN])
      expect(() => sampleDurations(() => {}, { sampleEvery })).toThrow(
        expect.objectContaining({ code: 'CONFIGURATION' }),
      );
  });

  it('a sampled call that fails and is never awaited is an unhandled rejection, as an unsampled one is', () => {
    // In a process of its own: the test runner treats an unhandled rejection as a failure.
    const fixture = fileURLToPath(new URL('./fixtures/dropped-failure.ts', import.meta.url));
    const run = (sampleEvery: number): string =>
      execFileSync(process.execPath, ['--import', 'tsx', fixture, String(sampleEvery)], {
        encoding: 'utf8',
        timeout: 20_000,
      });
    expect(run(0)).toBe('unhandled INTERNAL\nend\n');
    expect(run(1)).toBe('unhandled INTERNAL\nend\n');
  });
});
