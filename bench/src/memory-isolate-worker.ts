// One contender of `MEMORY_BENCH=isolates pnpm bench memory`, in a worker thread of its own
// (its own V8 isolate, as in ./isolate-rounds.ts): a cache of 100k keys, then one round of
// Zipf(1) `get`s or `set`s of strings or 1 KiB Buffers each time the parent asks.
import { workerData } from 'node:worker_threads';
import type { CacheService } from '@pywatt/cache-core';
import { LRUCache } from 'lru-cache';
import { importBuild } from './git-build.js';
import { serveTurns, type TurnControl } from './isolate-rounds.js';
import { zipfTrace } from './zipf.js';

/** Which cache a worker runs, and on what. */
export interface MemoryIsolateContender {
  name: string;
  cache: 'lru-cache' | 'memory' | 'memory, copyValues:false';
  workload: 'strings get' | 'strings set' | '1 KiB get' | '1 KiB set';
  /** Which build of the cache (see git-build.ts): `published` (default), `worktree` or a commit. */
  ref?: string | undefined;
  /**
   * Call the cache's MemoryStore directly, behind an async function as lru-cache is: the
   * store without the service's key checks, namespace, counters and hooks (a bound, not a use).
   */
  storeAlone?: boolean | undefined;
}

const KEY_SPACE = 100_000;
const spec = workerData as MemoryIsolateContender & TurnControl;
const keys = Array.from({ length: KEY_SPACE }, (_, i) => `k${i.toString().padStart(15, '0')}`);
const trace = zipfTrace(KEY_SPACE, 1_000_000, 1, 7);
const strings = spec.workload.startsWith('strings');
const value: string | Uint8Array = strings ? 'v'.repeat(16) : Buffer.alloc(1024, 7);

interface Calls {
  get(key: string): Promise<unknown>;
  set(key: string, value: never): Promise<unknown>;
}
/** The synchronous MemoryStore methods the store-alone row calls. */
interface MemoryStoreCalls {
  get(fullKey: string): unknown;
  set(fullKey: string, value: Uint8Array, ttlMs: number): void;
  getString(fullKey: string): unknown;
  setString(fullKey: string, value: string, ttlMs: number): void;
}
const { InMemoryCache } = await importBuild(spec.ref ?? 'published');
function calls(): Calls {
  if (spec.cache === 'lru-cache') {
    const lru = new LRUCache<string, string | Uint8Array>({ max: KEY_SPACE });
    return { get: async (k) => lru.get(k), set: async (k, v) => lru.set(k, v) };
  }
  const cache = new InMemoryCache({
    policy: 'lru',
    maxItems: KEY_SPACE,
    defaultTtlMs: Number.POSITIVE_INFINITY,
    copyValues: spec.cache === 'memory',
  }) as CacheService & { store: MemoryStoreCalls };
  if (spec.storeAlone === true) {
    const store = cache.store;
    const forever = Number.POSITIVE_INFINITY;
    return strings
      ? {
          get: async (k) => store.getString(k),
          set: async (k, v) => store.setString(k, v, forever),
        }
      : { get: async (k) => store.get(k), set: async (k, v) => store.set(k, v, forever) };
  }
  return strings
    ? { get: (k) => cache.getString(k), set: (k, v) => cache.setString(k, v) }
    : { get: (k) => cache.get(k), set: (k, v) => cache.set(k, v) };
}
const cache = calls();
for (const key of keys) await cache.set(key, value as never);
let at = 0;
const ops = spec.opsPerRound;
const round = spec.workload.endsWith('get')
  ? async () => {
      for (let i = 0; i < ops; i++, at = (at + 1) % trace.length)
        await cache.get(keys[trace[at] as number] as string);
    }
  : async () => {
      for (let i = 0; i < ops; i++, at = (at + 1) % trace.length)
        await cache.set(keys[trace[at] as number] as string, value as never);
    };
await serveTurns(spec, round);
