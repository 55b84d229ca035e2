import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CachePolicy } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { createLRU } from 'lru.min';
import { LRUCache } from 'lru-cache';
import { lru as tinyLru } from 'tiny-lru';
import { prepareBuild } from '../git-build.js';
import { type Contender, compare } from '../harness.js';
import { compareIsolates } from '../isolate-rounds.js';
import type { MemoryIsolateContender } from '../memory-isolate-worker.js';
import { slabCopier } from '../slab-copier.js';
import { zipfTrace } from '../zipf.js';

// `pnpm bench memory`: InMemoryCache against lru-cache, lru.min, tiny-lru and a bare Map,
// every contender behind the same async function per call; then hit ratios and heap per entry.

const KEY_SPACE = 100_000;
/** A second lru-cache, identical to the baseline: how far apart the same code lands is the noise. */
const AA = 'lru-cache (A/A: a second one)';
/** Throughput is timed by CPU time: on a loaded machine wall time swung by ±30 % between rounds. */
const CLOCK = 'cpu' as const;
/** Interleaved rounds per comparison: 11, since the A/A pair still moved by ±12 % in 7. */
const ROUNDS = 11;
/** lru-cache plus real copies in and out: the floor for `copyValues: true` (see memory-copies). */
const BOUND = 'lru-cache + real copies (bound)';
const OPS = 200_000;
const keys = Array.from({ length: KEY_SPACE }, (_, i) => `k${i.toString().padStart(15, '0')}`);

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
    [AA]: () => {
      const c = new LRUCache<string, Uint8Array>({ max: KEY_SPACE });
      return { get: async (k) => c.get(k), set: async (k, v) => c.set(k, v) };
    },
    // What the default copies cost at the least: lru-cache handing out and taking in real
    // copies the cheapest way measured (memory-copies), into the held array on a same-length set.
    [BOUND]: () => {
      const c = new LRUCache<string, Uint8Array>({ max: KEY_SPACE });
      const copy = slabCopier(64 * 1024);
      return {
        get: async (k) => {
          const held = c.get(k);
          return held === undefined ? undefined : copy(held);
        },
        set: async (k, v) => {
          const held = c.peek(k);
          if (held?.byteLength === v.byteLength) held.set(v);
          return c.set(k, held?.byteLength === v.byteLength ? held : new Uint8Array(v));
        },
      };
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
  const options = {
    baseline: 'lru-cache',
    opsPerRound: trace.length,
    rounds: ROUNDS,
    clock: CLOCK,
  };
  await compare(`get, ${valueBytes}-byte values, Zipf(1) over 100k keys`, reads, options);
  await compare(`set, ${valueBytes}-byte values, Zipf(1) over 100k keys`, writes, options);
  for (const [, cache] of caches) if (cache instanceof InMemoryCache) await cache.close();
}

/**
 * Strings: lru-cache (and the others) storing the string, InMemoryCache through
 * `setString`/`getString`, which hold it as given (issue 19, "keep the representation").
 */
async function stringThroughput(trace: Uint32Array, length: number): Promise<void> {
  const values = keys.map((key) => key.slice(0, length).padEnd(length, 'v'));
  const map = new Map<string, string>();
  const lru = new LRUCache<string, string>({ max: KEY_SPACE });
  const lruAA = new LRUCache<string, string>({ max: KEY_SPACE });
  const lruMin = createLRU<string, string>({ max: KEY_SPACE });
  const ours = new InMemoryCache({ policy: 'lru', maxItems: KEY_SPACE, defaultTtlMs: Infinity });
  const noCopies = new InMemoryCache({
    policy: 'lru',
    maxItems: KEY_SPACE,
    defaultTtlMs: Infinity,
    copyValues: false,
  });
  const caches: Array<
    [string, { get(k: string): Promise<unknown>; set(k: string, v: string): Promise<unknown> }]
  > = [
    ['lru-cache', { get: async (k) => lru.get(k), set: async (k, v) => lru.set(k, v) }],
    [AA, { get: async (k) => lruAA.get(k), set: async (k, v) => lruAA.set(k, v) }],
    ['lru.min', { get: async (k) => lruMin.get(k), set: async (k, v) => lruMin.set(k, v) }],
    ['async Map', { get: async (k) => map.get(k), set: async (k, v) => map.set(k, v) }],
    ['InMemoryCache', { get: (k) => ours.getString(k), set: (k, v) => ours.setString(k, v) }],
    [
      'InMemoryCache copyValues:false',
      { get: (k) => noCopies.getString(k), set: (k, v) => noCopies.setString(k, v) },
    ],
  ];
  for (const [, cache] of caches)
    for (let i = 0; i < KEY_SPACE; i++) await cache.set(keys[i] as string, values[i] as string);
  const loop = (
    body: (cache: (typeof caches)[number][1], key: number) => Promise<unknown>,
  ): Contender[] =>
    caches.map(([name, cache]) => ({
      name,
      beforeRound: gc,
      round: async () => {
        for (let i = 0; i < trace.length; i++) await body(cache, trace[i] as number);
      },
    }));
  const options = {
    baseline: 'lru-cache',
    opsPerRound: trace.length,
    rounds: ROUNDS,
    clock: CLOCK,
  };
  const what = `${length}-character strings (getString/setString), Zipf(1) over 100k keys`;
  await compare(
    `get, ${what}`,
    loop((c, k) => c.get(keys[k] as string)),
    options,
  );
  await compare(
    `set, ${what}`,
    loop((c, k) => c.set(keys[k] as string, values[k] as string)),
    options,
  );
  await ours.close();
  await noCopies.close();
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

/**
 * LFU with exact counts kept for every key ever seen, forever (unbounded memory): on a miss
 * the key is stored at its full count and the lowest count goes, ties to the least recently
 * used. On independent Zipf draws no online policy does better by much, since a key's count
 * is all the trace says about it; the gap between this and the static bound is the price of
 * learning the ranking from the trace itself.
 */
function exactLfuHitRatio(trace: Uint32Array, capacity: number): number {
  const counts = new Uint32Array(KEY_SPACE);
  // Held keys by count; a Set keeps insertion order, so its first key is the least recently used.
  const byCount = new Map<number, Set<number>>();
  const heldCount = new Int32Array(KEY_SPACE).fill(-1);
  let held = 0;
  let lowest = Number.POSITIVE_INFINITY;
  const place = (key: number, count: number) => {
    let bucket = byCount.get(count);
    if (bucket === undefined) {
      bucket = new Set();
      byCount.set(count, bucket);
    }
    bucket.add(key);
    heldCount[key] = count;
    if (count < lowest) lowest = count;
  };
  const unplace = (key: number) => {
    const count = heldCount[key] as number;
    const bucket = byCount.get(count) as Set<number>;
    bucket.delete(key);
    heldCount[key] = -1;
    if (bucket.size === 0) {
      byCount.delete(count);
      if (count === lowest) {
        lowest = Number.POSITIVE_INFINITY;
        for (const c of byCount.keys()) if (c < lowest) lowest = c;
      }
    }
  };
  let hits = 0;
  for (const key of trace) {
    const count = (counts[key] as number) + 1;
    counts[key] = count;
    if ((heldCount[key] as number) >= 0) {
      hits++;
      unplace(key);
      place(key, count);
      continue;
    }
    if (held === capacity) {
      const victim = (byCount.get(lowest) as Set<number>).values().next().value as number;
      unplace(victim);
      held--;
    }
    place(key, count);
    held++;
  }
  return hits / trace.length;
}

/** The hit ratio of the best static set of `capacity` keys chosen knowing the whole trace. */
function staticBound(trace: Uint32Array, capacity: number): number {
  const counts = new Uint32Array(KEY_SPACE);
  for (const k of trace) counts[k] = (counts[k] as number) + 1;
  const topN = [...counts].sort((a, b) => b - a).slice(0, capacity);
  return topN.reduce((a, b) => a + b, 0) / trace.length;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(3).padStart(8)} %`;
const points = (a: number, b: number) => `${((a - b) * 100).toFixed(2)} percentage points`;

async function hitRatios(): Promise<void> {
  const capacity = KEY_SPACE / 10;
  const trace = zipfTrace(KEY_SPACE, 1_000_000, 1, 42);
  const value = new Uint8Array(16);
  const bound = staticBound(trace, capacity);
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
  for (const policy of ['lru', 'fifo', 'mru', 'lfu', 'tinylfu'] as CachePolicy[]) {
    const cache = new InMemoryCache({ policy, maxItems: capacity, defaultTtlMs: Infinity });
    rows.push([`InMemoryCache ${policy}`, await hitRatio(cache, trace, value)]);
    await cache.close();
  }
  const exact = exactLfuHitRatio(trace, capacity);
  rows.push(['exact unbounded LFU (ref.)', exact]);
  rows.push(['best static top-N (bound)', bound]);
  console.log(`\n## hit ratio, capacity ${capacity} (10% of keys), 1M Zipf(1) reads, fill on miss`);
  for (const [name, ratio] of rows) console.log(`${name.padEnd(28)} ${pct(ratio)}`);
  const ours = rows.find(([n]) => n === 'InMemoryCache lru')?.[1];
  console.log(`LRU equals lru-cache exactly: ${ours === rows[0]?.[1] ? 'yes' : 'NO'}`);
  const lfu = rows.find(([n]) => n === 'InMemoryCache lfu')?.[1] ?? 0;
  console.log(
    `LFU vs static bound: ${points(lfu, bound)} (${((lfu / bound) * 100).toFixed(1)}% of the bound)`,
  );
  console.log(`exact unbounded LFU vs static bound: ${points(exact, bound)}`);
  console.log(`LFU vs exact unbounded LFU: ${points(lfu, exact)}`);

  // The same, on a trace five times as long: how much of the gap is the cost of learning.
  const long = zipfTrace(KEY_SPACE, 5_000_000, 1, 42);
  const longBound = staticBound(long, capacity);
  const cache = new InMemoryCache({ policy: 'lfu', maxItems: capacity, defaultTtlMs: Infinity });
  const longLfu = await hitRatio(cache, long, value);
  await cache.close();
  const longExact = exactLfuHitRatio(long, capacity);
  console.log(`\n## hit ratio, same cache, 5M Zipf(1) reads (same seed), fill on miss`);
  console.log(`${'InMemoryCache lfu'.padEnd(28)} ${pct(longLfu)}`);
  console.log(`${'exact unbounded LFU (ref.)'.padEnd(28)} ${pct(longExact)}`);
  console.log(`${'best static top-N (bound)'.padEnd(28)} ${pct(longBound)}`);
  console.log(`LFU vs static bound: ${points(longLfu, longBound)}`);
}

async function heapPerEntry(): Promise<void> {
  const n = 1_000_000;
  // The V8 heap plus ArrayBuffer backing stores (typed arrays over 64 bytes live outside the heap).
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const measure = async (fill: () => Promise<unknown>): Promise<number> => {
    gc();
    const before = used();
    const held = await fill();
    gc();
    const bytes = (used() - before) / n;
    if (held instanceof InMemoryCache) await held.close();
    return bytes;
  };
  const key = (i: number) => `k${i.toString().padStart(15, '0')}`;
  const results: Array<[string, number]> = [];
  const textResults: Array<[string, number]> = [];
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
    const oursLfu = await measure(async () => {
      const c = new InMemoryCache({ policy: 'lfu', maxItems: n, defaultTtlMs: Infinity });
      for (let i = 0; i < n; i++) await c.set(key(i), new Uint8Array(16));
      return c;
    });
    const oursTinyLfu = await measure(async () => {
      const c = new InMemoryCache({ policy: 'tinylfu', maxItems: n, defaultTtlMs: Infinity });
      for (let i = 0; i < n; i++) await c.set(key(i), new Uint8Array(16));
      return c;
    });
    // Strings: 16 distinct characters per entry, stored by lru-cache and by setString.
    const text = (i: number) => `v${i.toString().padStart(15, '0')}`;
    const lruText = await measure(async () => {
      const c = new LRUCache<string, string>({ max: n });
      for (let i = 0; i < n; i++) c.set(key(i), text(i));
      return c;
    });
    const oursText = await measure(async () => {
      const c = new InMemoryCache({ maxItems: n, defaultTtlMs: Infinity });
      for (let i = 0; i < n; i++) await c.setString(key(i), text(i));
      return c;
    });
    if (round === 1)
      textResults.push(['lru-cache (strings)', lruText], ['InMemoryCache setString', oursText]);
    if (round === 1)
      results.push(
        ['lru-cache', lruBytes],
        ['InMemoryCache (no TTL)', oursBytes],
        ['InMemoryCache (default TTL)', oursTtl],
        ['InMemoryCache lfu (no TTL)', oursLfu],
        ['InMemoryCache tinylfu (no TTL)', oursTinyLfu],
      );
  }
  console.log(
    '\n## heap + array-buffer bytes per entry, 1M entries (16-char keys, 16-byte values)',
  );
  const print = (rows: Array<[string, number]>) => {
    const base = rows[0]?.[1] ?? 1;
    for (const [name, bytes] of rows)
      console.log(
        `${name.padEnd(31)} ${bytes.toFixed(0).padStart(6)} B  ${(bytes / base).toFixed(2)}×`,
      );
  };
  print(results);
  console.log('\n## heap bytes per entry, 1M entries (16-char keys, 16-char string values)');
  print(textResults);
}

const isolateWorker = new URL('../memory-isolate-worker.ts', import.meta.url).href;

/**
 * Issue 19's string and no-copy targets with each contender in a V8 isolate of its own,
 * taking turns timed by CPU time (./isolate-rounds.ts): in one process the contenders
 * share call sites and feedback, and two caches running the same code read 0.19 apart.
 */
async function isolatedThroughput(): Promise<void> {
  const blocks = Number(process.env.MEMORY_BLOCKS ?? 8);
  const workloads = ['strings get', 'strings set', '1 KiB get', '1 KiB set'] as const;
  // MEMORY_WORKLOADS='strings get,1 KiB set' runs only those.
  const picked = process.env.MEMORY_WORKLOADS?.split(',').map((name) => name.trim());
  // MEMORY_REFS='HEAD,worktree' runs builds of those (git-build.ts) instead of the packages' own.
  const refs = (process.env.MEMORY_REFS ?? 'published').split(',').map((ref) => ref.trim());
  if (!refs.every((ref) => ref === 'published' || prepareBuild(ref))) return;
  for (const workload of workloads) {
    if (picked !== undefined && !picked.includes(workload)) continue;
    const ours: MemoryIsolateContender['cache'] = workload.startsWith('strings')
      ? 'memory'
      : 'memory, copyValues:false';
    const label = `InMemoryCache${ours === 'memory' ? '' : ', copyValues:false'}`;
    const contenders: MemoryIsolateContender[] = [
      { name: 'lru-cache', cache: 'lru-cache', workload },
      { name: 'lru-cache (A/A)', cache: 'lru-cache', workload },
      ...refs.map((ref) => ({
        name: ref === 'published' ? label : `${label} @ ${ref}`,
        cache: ours,
        workload,
        ref,
      })),
      // What the service's key checks, namespace, counters and hooks cost, on top of the store.
      { name: 'its MemoryStore alone (bound)', cache: ours, workload, storeAlone: true },
    ];
    await compareIsolates(
      `${workload}, Zipf(1) over 100k keys, awaited one at a time`,
      contenders,
      5_000,
      {
        blocks,
        warmup: 40,
        rounds: 60,
        script: isolateWorker,
      },
    );
  }
}

/** The memory backend's suite: throughput, hit ratios, heap per entry. */
export default async function run(): Promise<void> {
  // MEMORY_BENCH=throughput,strings,hits,heap picks sections (default: all; throughput includes
  // strings); MEMORY_BENCH=isolates (asked for by name only: minutes) the per-isolate figures.
  const only = process.env.MEMORY_BENCH?.split(',');
  const want = (section: string) => only === undefined || only.includes(section);
  const trace = zipfTrace(KEY_SPACE, OPS, 1, 7);
  if (want('throughput')) {
    await throughput(trace, 16);
    await throughput(trace, 1024);
  }
  if (want('throughput') || want('strings')) await stringThroughput(trace, 16);
  if (want('hits')) await hitRatios();
  if (want('heap')) await heapPerEntry();
  if (only?.includes('isolates')) await isolatedThroughput();
}
