// A child process of cross-process.test.ts. Usage:
//   worker.ts aside <redisUrl> <namespace> <concurrentGets>
//   worker.ts lock  <redisUrl> <namespace> <contenders> <counterFile> <logFile>
// Prints one JSON line with what it saw, then exits.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { createRedisCache } from '@pywatt/cache-redis';
import { CacheAside, withLock } from '../../src/index.js';

const [mode, url, namespace, countText, counterFile, logFile] = process.argv.slice(2);
const count = Number(countText);
const cache = await createRedisCache({ url, namespace });

// All processes start together: each checks in, then waits for the others.
await cache.increment('ready');
while (Number(await cache.getString('ready')) < Number(process.env.PYWATT_WORKERS ?? '4')) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}

if (mode === 'aside') {
  const errors: string[] = [];
  const aside = new CacheAside<{ loadedBy: number }>(cache, {
    onError: (error, { phase }) => errors.push(`${phase}: ${String(error)}`),
    ttlMs: 60_000,
    lockTtlMs: 10_000,
    lockPollMs: 10,
  });
  const loader = async () => {
    await cache.increment('loads');
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { loadedBy: process.pid };
  };
  const values = await Promise.all(Array.from({ length: count }, () => aside.get('hot', loader)));
  console.log(JSON.stringify({ loadedBy: [...new Set(values.map((v) => v.loadedBy))], errors }));
} else if (mode === 'lock') {
  const tokens: number[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      withLock(
        cache,
        'counter',
        async (lock) => {
          const fence = lock.fencingToken as number;
          tokens.push(fence);
          // Read-modify-write of a plain file: loses updates unless the lock excludes the others.
          const n = Number(await readFile(counterFile as string, 'utf8'));
          await new Promise((resolve) => setTimeout(resolve, 5));
          await writeFile(counterFile as string, String(n + 1));
          await appendFile(logFile as string, `${fence}\n`);
        },
        {
          ttlMs: 10_000,
          retryDelayMs: 5,
          maxRetryDelayMs: 50,
          acquireTimeoutMs: 30_000,
          maxAttempts: 100_000,
        },
      ),
    ),
  );
  console.log(JSON.stringify({ tokens }));
}
await cache.close();
