import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InMemoryCache } from '@pywatt/cache-memory';
import { LRUCache } from 'lru-cache';
import { type Contender, compare } from '../harness.js';

// `pnpm bench memory-copies`: where the time of a 1 KiB Buffer get/set with the default copies
// goes — the promise, the lookup, the allocation of the copy, the copy itself — each piece timed
// alone on the same Zipf-drawn keys, side by side with lru-cache and the cache with and without copies.

const KEYS = 100_000;
const OPS = 200_000;
const VALUE_BYTES = 1024;
const keys = Array.from({ length: KEYS }, (_, i) => `k${i.toString().padStart(15, '0')}`);

function zipf(count: number): Uint32Array {
  const cdf = new Float64Array(KEYS);
  let sum = 0;
  for (let i = 0; i < KEYS; i++) cdf[i] = sum += 1 / (i + 1);
  let seed = 7;
  const out = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const u = (seed / 2 ** 32) * sum;
    let lo = 0;
    let hi = KEYS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    out[n] = lo;
  }
  return out;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Pieces of the get and set paths, each alone, then the whole calls. */
export default async function run(): Promise<void> {
  const trace = zipf(OPS);
  const value = new Uint8Array(VALUE_BYTES).fill(7);
  const lru = new LRUCache<string, Uint8Array>({ max: KEYS });
  // lru-cache holding a distinct array per key, as the cache with copies does (100 MiB in all).
  const lruOwn = new LRUCache<string, Uint8Array>({ max: KEYS });
  const own = new Map<string, Uint8Array>();
  const copies = new InMemoryCache({ maxItems: KEYS, defaultTtlMs: Infinity });
  const noCopies = new InMemoryCache({ maxItems: KEYS, defaultTtlMs: Infinity, copyValues: false });
  for (const key of keys) {
    lru.set(key, value);
    const copy = new Uint8Array(value);
    lruOwn.set(key, copy);
    own.set(key, copy);
    await copies.set(key, value);
    await noCopies.set(key, value);
  }
  const sink: unknown[] = new Array(1024);
  const held = new Uint8Array(VALUE_BYTES);
  const async = async (v: Uint8Array) => v;
  const loop = (name: string, body: (key: string, i: number) => unknown): Contender => ({
    name,
    beforeRound: gc,
    round: async () => {
      for (let i = 0; i < trace.length; i++)
        sink[i & 1023] = body(keys[trace[i] as number] as string, i);
    },
  });
  const awaited = (name: string, body: (key: string) => Promise<unknown>): Contender => ({
    name,
    beforeRound: gc,
    round: async () => {
      for (let i = 0; i < trace.length; i++)
        sink[i & 1023] = await body(keys[trace[i] as number] as string);
    },
  });
  const opts = { baseline: 'lru-cache (awaited)', opsPerRound: OPS, rounds: 7 };
  await compare(
    `get pieces, ${VALUE_BYTES}-byte values`,
    [
      awaited('lru-cache (awaited)', async (k) => lru.get(k)),
      awaited('the promise alone (await async fn)', () => async(value)),
      loop('Map lookup alone (lru-cache.get, sync)', (k) => lru.get(k)),
      loop('copy out alone: Buffer.allocUnsafe + set', () => {
        const c = Buffer.allocUnsafe(VALUE_BYTES);
        c.set(value);
        return c;
      }),
      loop('copy out alone: new Uint8Array + set', () => {
        const c = new Uint8Array(VALUE_BYTES);
        c.set(value);
        return c;
      }),
      loop('copy out alone: Uint8Array slice', () => value.slice()),
      loop('copy out alone, from the key’s own array (100 MiB)', (k) => {
        const c = Buffer.allocUnsafe(VALUE_BYTES);
        c.set(own.get(k) as Uint8Array);
        return c;
      }),
      awaited('lru-cache get, a distinct array per key', async (k) => lruOwn.get(k)),
      awaited('InMemoryCache get copyValues:false', (k) => noCopies.get(k)),
      awaited('InMemoryCache get (copies)', (k) => copies.get(k)),
    ],
    opts,
  );
  if (process.env.MEMORY_COPIES === 'get') return;
  await compare(
    `set pieces, ${VALUE_BYTES}-byte values (every key held: same-length rewrites)`,
    [
      awaited('lru-cache (awaited)', async (k) => lru.set(k, value)),
      awaited('the promise alone (await async fn)', () => async(value)),
      loop('copy in alone, into the held array', () => held.set(value)),
      loop('copy in alone, fresh array (new key)', () => {
        const c = new Uint8Array(VALUE_BYTES);
        c.set(value);
        return c;
      }),
      awaited('InMemoryCache set copyValues:false', (k) => noCopies.set(k, value)),
      awaited('InMemoryCache set (copies)', (k) => copies.set(k, value)),
    ],
    opts,
  );
  await copies.close();
  await noCopies.close();
}
