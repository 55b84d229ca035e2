import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InMemoryCache } from '@pywatt/cache-memory';
import { LRUCache } from 'lru-cache';
import { type Contender, compare } from '../harness.js';
import { bufferFromView, slabBufferView, slabCopier } from '../slab-copier.js';
import { zipfTrace } from '../zipf.js';

// `pnpm bench memory-copies`: where the time of a 1 KiB Buffer get/set with the default copies
// goes — the promise, the lookup, each way of making a private copy — every piece timed alone on
// the same Zipf-drawn keys, by CPU time, side by side with lru-cache (twice: the A/A row shows the
// noise) and the cache with and without copies. The "lru-cache get + …" rows are what the fastest
// cache conceivable would cost if it also handed out a real copy: lru-cache's own get plus the copy.

const KEYS = 100_000;
const OPS = 200_000;
const VALUE_BYTES = 1024;
const keys = Array.from({ length: KEYS }, (_, i) => `k${i.toString().padStart(15, '0')}`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Pieces of the get and set paths, each alone, then the whole calls. */
export default async function run(): Promise<void> {
  const trace = zipfTrace(KEYS, OPS, 1, 7);
  const value = new Uint8Array(VALUE_BYTES).fill(7);
  // lru-cache holding a distinct array per key, as the cache with copies does (100 MiB in all):
  // a copy reads the key's own bytes, cold in the CPU cache for most keys, as ours does.
  const lru = new LRUCache<string, Uint8Array>({ max: KEYS });
  // The set rows' lru-cache stores the caller's Buffer itself; `lru` keeps its own arrays.
  const lruSet = new LRUCache<string, Uint8Array>({ max: KEYS });
  const copies = new InMemoryCache({ maxItems: KEYS, defaultTtlMs: Infinity });
  const noCopies = new InMemoryCache({ maxItems: KEYS, defaultTtlMs: Infinity, copyValues: false });
  for (const key of keys) {
    lru.set(key, new Uint8Array(value));
    lruSet.set(key, value);
    await copies.set(key, value);
    await noCopies.set(key, value);
  }
  const sink: unknown[] = new Array(1024);
  const reused = new Uint8Array(VALUE_BYTES);
  const async = async (v: unknown) => v;
  // The "alone" rows reach each key's array by its index, not through a Map: the lookup is its own row.
  const own = keys.map((k) => lru.peek(k) as Uint8Array);
  const stored = (i: number) => own[i] as Uint8Array;
  const slab64 = slabCopier(64 * 1024);
  const slab8 = slabCopier(8 * 1024);
  const slab64BufferFrom = slabCopier(64 * 1024, bufferFromView);
  const slab64Buffers = slabCopier(64 * 1024, slabBufferView);
  const loop = (name: string, body: (key: string, index: number) => unknown): Contender => ({
    name,
    beforeRound: gc,
    round: async () => {
      for (let i = 0; i < trace.length; i++) {
        const index = trace[i] as number;
        sink[i & 1023] = body(keys[index] as string, index);
      }
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
  const opts = { baseline: 'lru-cache get', opsPerRound: OPS, rounds: 9, clock: 'cpu' as const };
  await compare(
    `get pieces, ${VALUE_BYTES}-byte values, Zipf(1) over 100k keys, each key its own array`,
    [
      awaited('lru-cache get', async (k) => lru.get(k)),
      awaited('lru-cache get (A/A: the same again)', async (k) => lru.get(k)),
      awaited('the promise alone (await async fn)', () => async(value)),
      loop('lookup alone (lru-cache get, sync)', (k) => lru.get(k)),
      loop('copy alone: Buffer.allocUnsafe + set (cache-memory’s way)', (_k, i) => {
        const c = Buffer.allocUnsafe(VALUE_BYTES);
        c.set(stored(i));
        return c;
      }),
      loop('copy alone: Buffer.allocUnsafeSlow + set', (_k, i) => {
        const c = Buffer.allocUnsafeSlow(VALUE_BYTES);
        c.set(stored(i));
        return c;
      }),
      loop('copy alone: Buffer.from(array)', (_k, i) => Buffer.from(stored(i))),
      loop('copy alone: Uint8Array slice', (_k, i) => stored(i).slice()),
      loop('copy alone: new Uint8Array(array)', (_k, i) => new Uint8Array(stored(i))),
      loop('copy alone: view into a private 8 KiB slab + set', (_k, i) => slab8(stored(i))),
      loop('copy alone: view into a private 64 KiB slab + set', (_k, i) => slab64(stored(i))),
      loop('copy alone: Buffer.from(slab, offset, n) view + set', (_k, i) =>
        slab64BufferFrom(stored(i)),
      ),
      loop('copy alone: Buffer-subclass view into a 64 KiB slab + set', (_k, i) =>
        slab64Buffers(stored(i)),
      ),
      loop('memcpy alone, into one reused array (no allocation)', (_k, i) => reused.set(stored(i))),
      awaited('lru-cache get + 64 KiB slab copy (bound for any copy)', async (k) =>
        slab64(lru.get(k) as Uint8Array),
      ),
      awaited('InMemoryCache get copyValues:false', (k) => noCopies.get(k)),
      awaited('InMemoryCache get (copies)', (k) => copies.get(k)),
    ],
    opts,
  );
  if (process.env.MEMORY_COPIES === 'get') return;
  await compare(
    `set pieces, ${VALUE_BYTES}-byte values (every key held: same-length rewrites)`,
    [
      awaited('lru-cache set', async (k) => lruSet.set(k, value)),
      awaited('lru-cache set (A/A: the same again)', async (k) => lruSet.set(k, value)),
      awaited('the promise alone (await async fn)', () => async(value)),
      loop('copy in alone, into the key’s held array', (_k, i) => stored(i).set(value)),
      loop('copy in alone, fresh array (new key)', () => new Uint8Array(value)),
      awaited('lru-cache set + copy into the key’s held array (bound)', async (k) => {
        const held = lru.peek(k) as Uint8Array;
        held.set(value);
        return lruSet.set(k, held);
      }),
      awaited('InMemoryCache set copyValues:false', (k) => noCopies.set(k, value)),
      awaited('InMemoryCache set (copies)', (k) => copies.set(k, value)),
    ],
    { ...opts, baseline: 'lru-cache set' },
  );
  await copies.close();
  await noCopies.close();
}
