// One contender of `pnpm bench memory-traces`' throughput rows, in a worker thread of its own
// (its own V8 isolate, as in ./isolate-rounds.ts): each turn replays a whole trace through a
// fresh InMemoryCache of one policy by the public API (get; on a miss, set), as the hit-ratio
// rows do, so a turn costs what a replay costs, the cache's construction included.
import { workerData } from 'node:worker_threads';
import type { CachePolicy } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { serveTurns, type TurnControl } from './isolate-rounds.js';
import { loadTrace } from './trace-replay.js';

/** Which policy a worker replays, on which trace file, at which `maxItems`. */
export interface TraceIsolateContender {
  name: string;
  policy: CachePolicy;
  /** The trace file's path. */
  path: string;
  traceName: string;
  maxItems: number;
}

const spec = workerData as TraceIsolateContender & TurnControl;
const trace = loadTrace(spec.path, spec.traceName);
const keys = Array.from({ length: trace.distinct }, (_, i) => `block:${i}`);
const value = new Uint8Array(8);
/** Hits of the first replay: every later one must match it (a fresh cache replays the same). */
let expectedHits = -1;

await serveTurns(spec, async () => {
  const cache = new InMemoryCache({
    policy: spec.policy,
    maxItems: spec.maxItems,
    defaultTtlMs: Number.POSITIVE_INFINITY,
    sweepIntervalMs: Number.POSITIVE_INFINITY,
    copyValues: false,
  });
  let hits = 0;
  for (const id of trace.accesses) {
    const key = keys[id] as string;
    if ((await cache.get(key)) !== undefined) hits++;
    else await cache.set(key, value);
  }
  await cache.close();
  if (expectedHits < 0) expectedHits = hits;
  else if (hits !== expectedHits)
    throw new Error(`${spec.name}: ${hits} hits in a replay, ${expectedHits} in the first`);
});
