import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createRedisCache } from '@pywatt/cache-redis';
import { makeTempDir } from '@pywatt/test-servers/process';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./support/cross-process-worker.ts', import.meta.url));
const PROCESSES = 4;

let redis: RedisServer;
let dir: { path: string; remove: () => void };
beforeAll(async () => {
  redis = await startRedis();
  dir = makeTempDir('patterns');
});
afterAll(async () => {
  await redis?.stop();
  dir?.remove();
});

/** Runs the worker in PROCESSES child processes at once; returns each one's JSON line. */
async function inProcesses(args: string[]): Promise<unknown[]> {
  const outputs = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      run(process.execPath, ['--import', 'tsx', worker, ...args], {
        timeout: 60_000,
        env: { ...process.env, PYWATT_WORKERS: String(PROCESSES) },
      }),
    ),
  );
  return outputs.map(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1) as string));
}

async function counter(namespace: string, key: string): Promise<number> {
  const cache = await createRedisCache({ url: redis.url, namespace });
  try {
    return Number(await cache.getString(key));
  } finally {
    await cache.close();
  }
}

// Four children each start Node with tsx: seconds on a loaded 2-core machine, so the
// default 5 s would time out the spawn, not the behaviour under test.
describe('across 4 processes sharing a real Redis', { timeout: 120_000 }, () => {
  it('cache-aside with lockTtlMs loads at most once in total for 4 × 50 concurrent gets', async () => {
    const results = (await inProcesses(['aside', redis.url, 'aside-test', '50'])) as Array<{
      loadedBy: number[];
      errors: string[];
    }>;
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(await counter('aside-test', 'loads')).toBe(1);
    const loaders = new Set(results.flatMap((r) => r.loadedBy));
    expect(loaders.size).toBe(1); // every process got the one value that was loaded
  });

  it('20 contenders in 4 processes updating a shared file under the lock: no lost update, fencing tokens strictly increase', async () => {
    const counterFile = join(dir.path, 'counter');
    const logFile = join(dir.path, 'log');
    writeFileSync(counterFile, '0');
    writeFileSync(logFile, '');
    const results = (await inProcesses([
      'lock',
      redis.url,
      'lock-test',
      '5',
      counterFile,
      logFile,
    ])) as Array<{
      tokens: number[];
    }>;
    expect(readFileSync(counterFile, 'utf8')).toBe('20');
    const inGrantOrder = readFileSync(logFile, 'utf8').trim().split('\n').map(Number);
    expect(inGrantOrder).toHaveLength(20);
    for (let i = 1; i < inGrantOrder.length; i++) {
      expect(inGrantOrder[i]).toBeGreaterThan(inGrantOrder[i - 1] as number);
    }
    expect(results.flatMap((r) => r.tokens).sort()).toEqual([...inGrantOrder].sort());
  });
});
