// Cache-aside in front of a slow source, write-behind to a store, and a lock,
// all over the memory backend. Run: pnpm --filter @example/patterns start
import { createMemoryCache } from '@pywatt/cache-memory';
import { CacheAside, WriteBehind, withLock } from '@pywatt/cache-patterns';

interface User {
  id: string;
  name: string;
}

const cache = await createMemoryCache({ maxItems: 10_000 });

// 1. Cache-aside: a slow "database" read, loaded once however many callers ask at once.
const database = new Map<string, User>([['42', { id: '42', name: 'Ada' }]]);
let databaseReads = 0;
async function loadUser(id: string): Promise<User> {
  databaseReads++;
  await new Promise((resolve) => setTimeout(resolve, 100)); // a slow query
  const user = database.get(id);
  if (user === undefined) throw new Error(`no user ${id}`);
  return user;
}

const users = new CacheAside<User>(cache, {
  ttlMs: 60_000,
  staleMs: 300_000,
  graceMs: 3_600_000, // if the database is down, keep serving the last value for an hour
  softTimeoutMs: 100, // a caller holding that value waits at most 100 ms for a reload
  hardTimeoutMs: 2_000,
});
let started = performance.now();
const first = await Promise.all(
  Array.from({ length: 100 }, () => users.get('user:42', () => loadUser('42'))),
);
console.log(
  `cache-aside: 100 concurrent reads of user:42 -> ${first[0]?.name}, ${databaseReads} database read, ${Math.round(performance.now() - started)} ms`,
);
started = performance.now();
await users.get('user:42', () => loadUser('42'));
console.log(
  `cache-aside: next read served from the cache in ${(performance.now() - started).toFixed(2)} ms (database reads still ${databaseReads})`,
);

// 2. Write-behind: the cache is updated at once; the store gets coalesced batches.
const batches: string[][] = [];
const writes = new WriteBehind<User>(cache, {
  writeBatch: async (entries) => {
    batches.push(entries.map((entry) => `${entry.key}=${entry.value.name}`));
    for (const { value } of entries) database.set(value.id, value);
  },
  onFailure: (entries, error) => console.error('gave up on', entries, error),
  batchSize: 50,
  flushIntervalMs: 500,
});
await writes.write('user:1', { id: '1', name: 'Grace' });
await writes.write('user:2', { id: '2', name: 'Edsger' });
await writes.write('user:1', { id: '1', name: 'Grace Hopper' }); // coalesces with the first
console.log(`write-behind: cache already has ${JSON.stringify(await cache.getJson('user:1'))}`);
await writes.close(); // flushes everything queued
console.log(
  `write-behind: store received ${batches.length} batch: ${batches.map((b) => b.join(', ')).join(' | ')}`,
);

// 3. A lock with fencing tokens: three workers update one counter in turn.
await cache.setString('visits', '0');
const fences: number[] = [];
await Promise.all(
  [1, 2, 3].map(() =>
    withLock(
      cache,
      'visits',
      async (lock) => {
        fences.push(lock.fencingToken ?? 0);
        const visits = Number(await cache.getString('visits'));
        await new Promise((resolve) => setTimeout(resolve, 10));
        await cache.setString('visits', String(visits + 1));
      },
      { ttlMs: 5_000, retryDelayMs: 5 },
    ),
  ),
);
console.log(
  `lock: 3 workers under the lock -> visits = ${await cache.getString('visits')}; fencing tokens increase: ${fences.every((f, i) => i === 0 || f > (fences[i - 1] ?? 0))}`,
);

await cache.close();
