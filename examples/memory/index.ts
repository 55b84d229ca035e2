// PyWatt Cache quick start: the in-process backend, no server needed.
// Run with `pnpm demo` (or `pnpm --filter @example/memory start`).
import { CacheError } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';

const cache = await createMemoryCache({ namespace: 'demo', policy: 'lru', maxItems: 3 });

// Bytes in, bytes out, with a TTL in milliseconds.
await cache.setString('greeting', 'hello, world', { ttlMs: 60_000 });
console.log('get greeting        →', await cache.getString('greeting'));

// JSON helpers (prototype-pollution safe on the way back).
await cache.setJson('user:42', { name: 'Ada', roles: ['admin'] });
console.log('getJson user:42     →', JSON.stringify(await cache.getJson('user:42')));

// Atomic counters: concurrent increments never lose an update.
await Promise.all(Array.from({ length: 100 }, () => cache.increment('visits')));
console.log('100 × increment     →', await cache.getString('visits'));

// A lock: one holder at a time, freed by its token (or by its TTL).
const token = await cache.lock('nightly-job', 30_000);
console.log('lock nightly-job    →', token === undefined ? 'busy' : 'acquired');
console.log('lock again          →', (await cache.lock('nightly-job', 30_000)) ?? 'busy (held)');
if (token !== undefined) await cache.unlock('nightly-job', token);

// Eviction under a bound: maxItems 3 keeps the three most recently used keys.
await cache.getString('greeting'); // a use: greeting is now the most recent
await cache.setString('extra', 'pushes out the least recently used key');
console.log('after one more key  → user:42 evicted:', !(await cache.exists('user:42')));

// Errors carry a code to branch on.
try {
  await cache.set('', new Uint8Array(1));
} catch (error) {
  if (CacheError.is(error)) console.log(`empty key           → ${error.code}: ${error.message}`);
}

const stats = await cache.stats();
console.log(
  `stats               → ${stats.itemCount} items, ${stats.memoryUsedBytes} bytes, ` +
    `hits ${stats.hits}, misses ${stats.misses}, evictions ${stats.evictions}, policy ${stats.backend.policy}`,
);

// close() stops the sweep timer: the process exits on its own.
await cache.close();
