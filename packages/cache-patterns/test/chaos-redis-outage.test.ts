import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheService } from '@pywatt/cache-core';
import { createRedisCache, RedisStore } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '@pywatt/cache-tiered';
import { runOutageLoad } from '@pywatt/test-servers/outage-load';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheAside, withCircuitBreaker } from '../src/index.js';

// The issue-17 chaos run: CacheAside over the tiered cache at about 2,000 reads/s over
// 1,000 hot keys for 60 s while Redis is frozen (SIGSTOP) for 10 s, then killed, and
// restarted 10 s later. Behaviour only: latency is measured by `pnpm bench resilience`.
const TTL_MS = 1_000;
const JITTER = 0.1;
const GRACE_MS = 60_000;
const BACKOFF_MS = 1_000;
const NAMESPACE = 'chaos';

let redis: RedisServer;
const closing: CacheService[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  redis?.resume();
  await Promise.allSettled(closing.map((c) => c.close()));
  await redis?.stop();
});

/** Retries `attempt` every 20 ms until it resolves to something other than false. */
async function until(attempt: () => Promise<unknown>): Promise<void> {
  while ((await attempt().catch(() => false)) === false) await sleep(20);
}

describe('Redis outage under load (issue 17)', () => {
  it('keeps answering from L1 and grace, calls each loader at most once per backoff window, and is coherent again after Redis returns', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    const store = new RedisStore({ url: redis.url, operationTimeoutMs: 200 });
    await store.connect();
    // The breaker wraps the L2 store; the tier takes it as its L2 and reports its events.
    const a = await createTieredCache({
      l2: withCircuitBreaker(store, { failureThreshold: 5, breakMs: 500 }),
      namespace: NAMESPACE,
      bus: createRedisBus({ url: redis.url }),
    });
    const opened: number[] = [];
    a.on('breakerOpened', () => opened.push(Date.now()));
    // Another process's view: its own connections and bus.
    const b = await createTieredCache({
      l2: await createRedisCache({ url: redis.url, namespace: NAMESPACE, operationTimeoutMs: 200 }),
      namespace: NAMESPACE,
      bus: createRedisBus({ url: redis.url }),
    });
    closing.push(a, b);

    const calls = new Map<string, number[]>();
    const failedAt = new Map<string, number[]>();
    const aside = new CacheAside<{ key: string; loadedAt: number }>(a, {
      ttlMs: TTL_MS,
      ttlJitter: JITTER,
      graceMs: GRACE_MS,
      graceBackoffMs: BACKOFF_MS,
      softTimeoutMs: 50,
      hardTimeoutMs: 2_000,
      onError: (_error, { key, phase }) => {
        if (phase === 'write' || phase === 'refresh')
          failedAt.set(key, [...(failedAt.get(key) ?? []), Date.now()]);
      },
    });
    const loader = async ({ key }: { key: string }) => {
      calls.set(key, [...(calls.get(key) ?? []), Date.now()]);
      await sleep(1);
      return { key, loadedAt: Date.now() };
    };

    const coherenceLagsMs: number[] = [];
    const result = await runOutageLoad({
      server: redis,
      read: (key) => aside.get(key, loader),
      acceptable: (value, key) => {
        const v = value as { key: string; loadedAt: number };
        return v.key === key && Date.now() - v.loadedAt <= TTL_MS * (1 + JITTER) + GRACE_MS;
      },
      afterRestart: async () => {
        await until(() => Promise.all([a.ping(), b.ping()]));
        // Both processes answer: each write in B must be read in A within 1 s.
        for (let round = 0; round < 5; round++) {
          await until(() => b.setJson('coherence', round));
          const writtenAt = Date.now();
          await until(
            async () => (await a.getJson('coherence')) === round || Date.now() - writtenAt > 1_000,
          );
          coherenceLagsMs.push(
            (await a.getJson('coherence')) === round ? Date.now() - writtenAt : Infinity,
          );
        }
      },
    });
    await aside.idle();
    process.off('unhandledRejection', onUnhandled);

    console.log(
      JSON.stringify({
        requests: result.requests,
        answered: result.answered,
        failures: Object.fromEntries(result.failures),
        outage: result.outage,
        loaderCalls: [...calls.values()].reduce((n, c) => n + c.length, 0),
        breakerOpened: opened.length,
        coherenceLagsMs,
      }),
    );
    expect(unhandled).toEqual([]);
    expect(opened.length).toBeGreaterThan(0); // the breaker was exercised
    expect(result.outage.requests).toBeGreaterThan(0);
    expect(result.answered / result.requests).toBeGreaterThanOrEqual(0.999);
    // After a failed refresh of a key, its loader is not called again within the backoff window.
    const early: string[] = [];
    for (const [key, failures] of failedAt) {
      const starts = calls.get(key) ?? [];
      for (const f of failures) {
        const next = starts.find((s) => s > f);
        if (next !== undefined && next - f < BACKOFF_MS - 5) early.push(`${key}: ${next - f} ms`);
      }
    }
    expect(early).toEqual([]);
    expect(coherenceLagsMs.every((ms) => ms <= 1_000)).toBe(true);
  }, 180_000);
});
