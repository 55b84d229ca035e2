import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CachePolicy } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { createLRU } from 'lru.min';
import { LRUCache } from 'lru-cache';
import { lru as tinyLru } from 'tiny-lru';
import { type Contender, compare } from '../harness.js';

// `pnpm bench memory`: InMemoryCache against lru-cache, lru.min, tiny-lru and a bare Map,
// every contender behind the same async function per call; then hit ratios and heap per entry.

const KEY_SPACE = 100_000;
const OPS = 200_000;
const keys = Array.from({ length: KEY_SPACE }, (_, i) => `k${i.toString().padStart(15, '0')}`);

/** A seeded PRNG, so every run draws the same trace. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` key indexes drawn from Zipf(s) over the key space (rank 0 the most popular). */
function zipfTrace(count: number, s: number, seed: number): Uint32Array {
  const cdf = new Float64Array(KEY_SPACE);
  let sum = 0;
  for (let i = 0; i < KEY_SPACE; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  const random = mulberry32(seed);
  const trace = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    const u = random() * sum;
    let lo = 0;
    let hi = KEY_SPACE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    trace[n] = lo;
  }
  return trace;
}

interface AsyncCache {
  get(key: string): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array): Promise<unknown>;
}

function peers(): Record<string, () => AsyncCache> {
  return {
    'lru-cache': () => {
      const c = new LRUCache<string, Uint8Array>({ max: KEY_SPACE });
      return { get: async (k) => c.get(k), set: async (k, v) => c.set(k, v) };
    },
    'lru.min': () => {
      const c = createLRU<string, Uint8Array>({ max: KEY_SPACE });
      return { get: async (k) => c.get(k), set: async (k, v) => c.set(k, v) };
    },
    'tiny-lru': () => {
      const c = tinyLru<Uint8Array>(KEY_SPACE);
      return { get: async (k) => c.get(k), set: async (k, v) => c.set(k, v) };
    },
    'async Map': () => {
      const c = new Map<string, Uint8Array>();
      return { get: async (k) => c.get(k), set: async (k, v) => c.set(k, v) };
    },
    InMemoryCache: () =>
      new InMemoryCache({ policy: 'lru', maxItems: KEY_SPACE, defaultTtlMs: Infinity }),
    'InMemoryCache copyValues:false': () =>
      new InMemoryCache({
        policy: 'lru',
        maxItems: KEY_SPACE,
        defaultTtlMs: Infinity,
        copyValues: false,
      }),
  };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function throughput(trace: Uint32Array, valueBytes: number): Promise<void> {
  const value = new Uint8Array(valueBytes).fill(7);
  const caches = Object.entries(peers()).map(([name, make]) => [name, make()] as const);
  for (const [, cache] of caches) for (const key of keys) await cache.set(key, value);
  // A full GC before every round (untimed), so no contender pays for another's garbage.
  const reads: Contender[] = caches.map(([name, cache]) => ({
    name,
    beforeRound: gc,
    round: async () => {
      for (let i = 0; i < trace.length; i++) await cache.get(keys[trace[i] as number] as string);
    },
  }));
  const writes: Contender[] = caches.map(([name, cache]) => ({
    name,
    beforeRound: gc,
    round: async () => {
      for (let i = 0; i < trace.length; i++)
        await cache.set(keys[trace[i] as number] as string, value);
    },
  }));
  const options = { baseline: 'lru-cache', opsPerRound: trace.length, rounds: 7 };
  await compare(`get, ${valueBytes}-byte values, Zipf(1) over 100k keys`, reads, options);
  await compare(`set, ${valueBytes}-byte values, Zipf(1) over 100k keys`, writes, options);
  for (const [, cache] of caches) if (cache instanceof InMemoryCache) await cache.close();
}

async function hitRatio(cache: AsyncCache, trace: Uint32Array, value: Uint8Array) {
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = keys[trace[i] as number] as string;
    if ((await cache.get(key)) !== undefined) hits++;
    else await cache.set(key, value);
  }
  return hits / trace.length;
}

async function hitRatios(): Promise<void> {
  const capacity = KEY_SPACE / 10;
  const trace = zipfTrace(1_000_000, 1, 42);
  const value = new Uint8Array(16);
  const counts = new Uint32Array(KEY_SPACE);
  for (const k of trace) counts[k] = (counts[k] as number) + 1;
  const topN = [...counts].sort((a, b) => b - a).slice(0, capacity);
  const staticBound = topN.reduce((a, b) => a + b, 0) / trace.length;
  const rows: Array<[string, number]> = [];
  const lru = new LRUCache<string, Uint8Array>({ max: capacity });
  rows.push([
    'lru-cache',
    await hitRatio(
      { get: async (k) => lru.get(k), set: async (k, v) => lru.set(k, v) },
      trace,
      value,
    ),
  ]);
  for (const policy of ['lru', 'fifo', 'mru', 'lfu'] as CachePolicy[]) {
    const cache = new InMemoryCache({ policy, maxItems: capacity, defaultTtlMs: Infinity });
    rows.push([`InMemoryCache ${policy}`, await hitRatio(cache, trace, value)]);
    await cache.close();
  }
  rows.push(['best static top-N (bound)', staticBound]);
  console.log(`\n## hit ratio, capacity ${capacity} (10% of keys), 1M Zipf(1) reads, fill on miss`);
  for (const [name, ratio] of rows)
    console.log(`${name.padEnd(28)} ${(ratio * 100).toFixed(3).padStart(8)} %`);
  const ours = rows.find(([n]) => n === 'InMemoryCache lru')?.[1];
  console.log(`LRU equals lru-cache exactly: ${ours === rows[0]?.[1] ? 'yes' : 'NO'}`);
  const lfu = rows.find(([n]) => n === 'InMemoryCache lfu')?.[1] ?? 0;
  console.log(
    `LFU vs static bound: ${((lfu - staticBound) * 100).toFixed(2)} percentage points (${((lfu / staticBound) * 100).toFixed(1)}% of the bound)`,
  );
}

async function heapPerEntry(): Promise<void> {
  const n = 1_000_000;
  const measure = async (fill: () => Promise<unknown>): Promise<number> => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const held = await fill();
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / n;
    if (held instanceof InMemoryCache) await held.close();
    return bytes;
  };
  const key = (i: number) => `k${i.toString().padStart(15, '0')}`;
  const results: Array<[string, number]> = [];
  for (const round of [0, 1]) {
    const lruBytes = await measure(async () => {
      const c = new LRUCache<string, Uint8Array>({ max: n });
      for (let i = 0; i < n; i++) c.set(key(i), new Uint8Array(16));
      return c;
    });
    const oursBytes = await measure(async () => {
      const c = new InMemoryCache({ maxItems: n, defaultTtlMs: Infinity });
      for (let i = 0; i < n; i++) await c.set(key(i), new Uint8Array(16));
      return c;
    });
    const oursTtl = await measure(async () => {
      const c = new InMemoryCache({ maxItems: n });
      for (let i = 0; i < n; i++) await c.set(key(i), new Uint8Array(16));
      return c;
    });
    if (round === 1)
      results.push(
        ['lru-cache', lruBytes],
        ['InMemoryCache (no TTL)', oursBytes],
        ['InMemoryCache (default TTL)', oursTtl],
      );
  }
  console.log('\n## heap bytes per entry, 1M entries (16-char keys, 16-byte values)');
  const base = results[0]?.[1] ?? 1;
  for (const [name, bytes] of results)
    console.log(
      `${name.padEnd(28)} ${bytes.toFixed(0).padStart(6)} B  ${(bytes / base).toFixed(2)}×`,
    );
}

/** The memory backend's suite: throughput, hit ratios, heap per entry. */
export default async function run(): Promise<void> {
  // MEMORY_BENCH=throughput,hits,heap picks sections (default: all).
  const only = process.env.MEMORY_BENCH?.split(',');
  const want = (section: string) => only === undefined || only.includes(section);
  const trace = zipfTrace(OPS, 1, 7);
  if (want('throughput')) {
    await throughput(trace, 16);
    await throughput(trace, 1024);
  }
  if (want('hits')) await hitRatios();
  if (want('heap')) await heapPerEntry();
}
