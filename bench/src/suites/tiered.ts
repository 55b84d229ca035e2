import KeyvRedis from '@keyv/redis';
import type { CacheService } from '@pywatt/cache-core';
import { createRedisCache } from '@pywatt/cache-redis';
import {
  createRedisBus,
  createRedisTrackingBus,
  createTieredCache,
  type InvalidationBus,
  type L1Options,
} from '@pywatt/cache-tiered';
import { findBinary } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Cacheable, createKeyv } from 'cacheable';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { type Contender, compare, withConcurrency } from '../harness.js';
import { invalidationLag } from '../tiered-lag.js';
import { optHitRatio } from '../trace-replay.js';
import { mulberry32, zipfTrace } from '../zipf.js';

// `pnpm bench tiered`: an L1 in front of Redis, side by side: this package (pub/sub and
// tracking buses), bentocache (memory L1, Redis L2, Redis bus), cacheable (memory
// primary, Redis secondary) and a plain Redis backend, on one local redis-server.

const HOT_KEYS = 1_000;
const HIT_OPS = 100_000;
const KEY_SPACE = 10_000;
const L1_ITEMS = KEY_SPACE / 10;
const ZIPF_OPS = 100_000;
const WRITE_SHARE = 0.02;
const IN_FLIGHT = 100;
const LAG_WRITES = 10_000;
const user = (i: number) => ({ id: i, name: `user ${i}`, roles: ['reader'], active: true });

/**
 * The most GETs any L1 of `L1_ITEMS` entries could save on the Zipf workload's reads:
 * holding the most-read keys, chosen knowing the whole trace (the best an online
 * cache can expect on independent draws), and Belady's OPT, which also knows the order.
 */
function printReadBounds(trace: Uint32Array, writes: Uint8Array): void {
  const reads = Int32Array.from(trace.filter((_, n) => writes[n] === 0));
  const counts = new Array<number>(KEY_SPACE).fill(0);
  for (const key of reads) counts[key] = (counts[key] as number) + 1;
  const top = counts.sort((a, b) => b - a).slice(0, L1_ITEMS);
  const staticShare = top.reduce((sum, n) => sum + n, 0) / reads.length;
  const opt = optHitRatio({ name: 'zipf reads', accesses: reads, distinct: KEY_SPACE }, L1_ITEMS);
  console.log(
    `${'bound: the most-read keys held'.padEnd(30)} ${(100 * staticShare).toFixed(1).padStart(15)}% fewer at most (static L1 chosen with hindsight)`,
  );
  console.log(
    `${'bound: Belady OPT on the reads'.padEnd(30)} ${(100 * opt).toFixed(1).padStart(15)}% fewer at most (knows the future)`,
  );
}

/** What every contender offers the workloads: JSON in, JSON out. */
interface JsonCache {
  getJson(key: string): Promise<unknown>;
  setJson(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
  l1Figures?(): Promise<Record<string, string | number>>;
}

async function pywatt(
  url: string,
  namespace: string,
  l1: L1Options | undefined,
  bus: InvalidationBus | undefined,
): Promise<JsonCache> {
  const l2 = await createRedisCache({ url, namespace, defaultTtlMs: 600_000 });
  const cache: CacheService = l1 === undefined ? l2 : await createTieredCache({ l2, l1, bus });
  return {
    getJson: (k) => cache.getJson(k),
    setJson: (k, v) => cache.setJson(k, v),
    close: () => cache.close(),
    l1Figures: async () => (await cache.stats()).backend,
  };
}

function bento(port: number, prefix: string, maxItems: number): JsonCache {
  const connection = { host: '127.0.0.1', port };
  const cache = new BentoCache({
    default: 'tiered',
    prefix,
    ttl: '10m',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
  return {
    getJson: (key) => cache.get({ key }),
    setJson: async (key, value) => {
      await cache.set({ key, value });
    },
    close: () => cache.disconnectAll(),
  };
}

function cacheable(url: string, namespace: string, lruSize: number): JsonCache {
  const secondary = new KeyvRedis(url, { namespace });
  const cache = new Cacheable({ primary: createKeyv({ lruSize }), secondary, ttl: '10m' });
  return {
    getJson: (key) => cache.get(key),
    setJson: async (key, value) => {
      await cache.set(key, value);
    },
    close: async () => {
      await cache.disconnect();
    },
  };
}

/** Redis GET-family commands executed so far (GET, MGET and their keys). */
async function redisReads(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(get|mget|hget|hmget):calls=(\d+)/gm)) {
    calls += Number(match[2]);
  }
  return calls;
}

export default async function run(): Promise<void> {
  if (findBinary('redis-server') === undefined) {
    console.log('skipped: needs redis-server');
    return;
  }
  const server = await startRedis();
  const admin = new Redis(server.port, '127.0.0.1');
  const url = server.url;
  const caches: Record<string, JsonCache> = {
    'tiered pub/sub, frozen JSON': await pywatt(
      url,
      'tf',
      { maxItems: L1_ITEMS, decoded: 'frozen' },
      createRedisBus({ url }),
    ),
    'tiered pub/sub, copies': await pywatt(
      url,
      'tc',
      { maxItems: L1_ITEMS },
      createRedisBus({ url }),
    ),
    'tiered tracking, frozen JSON': await pywatt(
      url,
      'tt',
      { maxItems: L1_ITEMS, decoded: 'frozen' },
      createRedisTrackingBus({ url }),
    ),
    'bentocache 1.6.1': bento(server.port, 'bento', L1_ITEMS),
    'cacheable 2.5.0': cacheable(url, 'cb', L1_ITEMS),
  };
  const plain = await pywatt(url, 'plain', undefined, undefined);
  const lru = new LRUCache<string, object>({ max: L1_ITEMS });
  try {
    // 1. L1 hits: 1,000 hot keys, all held in every L1.
    const hot = (i: number) => `hot:${i % HOT_KEYS}`;
    for (let i = 0; i < HOT_KEYS; i++) lru.set(hot(i), user(i));
    for (const cache of Object.values(caches)) {
      for (let i = 0; i < HOT_KEYS; i++) await cache.setJson(hot(i), user(i));
      for (let i = 0; i < HOT_KEYS; i++) await cache.getJson(hot(i));
    }
    const hits: Contender[] = [
      {
        name: 'lru-cache get (async wrapper)',
        round: () => withConcurrency(HIT_OPS, IN_FLIGHT, async (i) => lru.get(hot(i))),
      },
      ...Object.entries(caches).map(([name, cache]) => ({
        name,
        round: () => withConcurrency(HIT_OPS, IN_FLIGHT, (i) => cache.getJson(hot(i))),
      })),
    ];
    await compare(
      `getJson L1 hit of a small object, ${HIT_OPS} reads over ${HOT_KEYS} hot keys`,
      hits,
      {
        baseline: 'lru-cache get (async wrapper)',
        opsPerRound: HIT_OPS,
        rounds: 5,
      },
    );

    // 2. Zipf(0.99) over 10,000 keys, L1 sized to 10% of them, 2% writes, cache-aside fills.
    const trace = zipfTrace(KEY_SPACE, ZIPF_OPS, 0.99, 11);
    const writes = (() => {
      const random = mulberry32(5);
      return Uint8Array.from(trace, () => (random() < WRITE_SHARE ? 1 : 0));
    })();
    const workload = (cache: JsonCache) => () =>
      withConcurrency(ZIPF_OPS, IN_FLIGHT, async (n) => {
        const key = `z:${trace[n]}`;
        if (writes[n] === 1) return cache.setJson(key, user(n));
        if ((await cache.getJson(key)) === undefined) await cache.setJson(key, user(n));
      });
    const everyone: Record<string, JsonCache> = { ...caches, 'plain RedisCache': plain };
    await compare(
      `Zipf(0.99) over ${KEY_SPACE} keys, L1 ${L1_ITEMS} entries, ${WRITE_SHARE * 100}% writes, ${ZIPF_OPS} ops`,
      Object.entries(everyone).map(([name, cache]) => ({ name, round: workload(cache) })),
      { baseline: 'plain RedisCache', opsPerRound: ZIPF_OPS, rounds: 5 },
    );
    console.log(`\n## Redis reads during one more pass of the same Zipf workload`);
    const counts: Array<[string, number]> = [];
    for (const [name, cache] of Object.entries(everyone)) {
      const before = await redisReads(admin);
      await workload(cache)();
      counts.push([name, (await redisReads(admin)) - before]);
    }
    const baseline = counts.find(([name]) => name === 'plain RedisCache')![1];
    for (const [name, reads] of counts) {
      console.log(
        `${name.padEnd(30)} ${String(reads).padStart(8)} GETs  ${(100 * (1 - reads / baseline)).toFixed(1).padStart(5)}% fewer than plain Redis`,
      );
    }
    printReadBounds(trace, writes);
    console.log('\n## L1 held after the workload (bound: maxItems)');
    for (const [name, cache] of Object.entries(caches)) {
      const figures = await cache.l1Figures?.();
      if (figures !== undefined) {
        console.log(
          `${name.padEnd(30)} ${figures.l1Items} entries, ${figures.l1SizeBytes} bytes (maxItems ${L1_ITEMS})`,
        );
      }
    }
    await invalidationLag(url, LAG_WRITES);
    await invalidationLag(url, LAG_WRITES, 1);
  } finally {
    for (const cache of [...Object.values(caches), plain]) await cache.close();
    admin.disconnect();
    await server.stop();
  }
}
