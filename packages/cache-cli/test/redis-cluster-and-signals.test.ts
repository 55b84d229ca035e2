import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createCacheService } from '@pywatt/cache-all';
import { type RedisCluster, startRedisCluster } from '@pywatt/test-servers/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runBin } from './helpers/run-bin.js';

// A Redis Cluster spreads keys over its masters: clear must count and remove on
// every one of them, and ttl must reach the right node. And Ctrl-C stops a watch.
let cluster: RedisCluster;
let url: string;

beforeAll(async () => {
  cluster = await startRedisCluster();
  url = `redis+cluster://${cluster.addresses.join(',')}?namespace=cl`;
});
afterAll(async () => {
  await cluster?.stop();
});

describe('pywatt-cache against a Redis Cluster', () => {
  it('clear counts and removes the keys of every master; ttl finds the key on its node', async () => {
    const cache = await createCacheService(url);
    // Enough keys that each of the three masters holds some of them.
    await cache.setMany(
      Array.from({ length: 600 }, (_, i) => [`bulk:${i}`, Buffer.from('x')] as const),
      { ttlMs: 120_000 },
    );
    await cache.set('kept', Buffer.from('k'));
    await cache.close();
    const ttl = await runBin(['ttl', url, 'bulk:17', '--ms']);
    expect(ttl.code).toBe(0);
    expect(Number(ttl.stdout)).toBeGreaterThan(0);
    expect(Number(ttl.stdout)).toBeLessThanOrEqual(120_000);
    const dry = await runBin(['clear', url, 'bulk', '--dry-run']);
    expect(dry.stdout).toMatch(/^would remove 600 entries /);
    const cleared = await runBin(['clear', url, 'bulk', '--yes']);
    expect(cleared).toMatchObject({ code: 0, stdout: 'removed 600 entries\n' });
    expect((await runBin(['clear', url, 'bulk', '--dry-run'])).stdout).toMatch(
      /^would remove 0 entries /,
    );
    expect((await runBin(['get', url, 'kept'])).stdout).toBe('k\n');
  });

  it('Ctrl-C (SIGINT) ends a watch cleanly, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'watch', url, '--interval', '100ms'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = once(child, 'exit');
    // Wait for two refreshes, so the signal lands while it sleeps or asks the server.
    while ((out.match(/\n/g) ?? []).length < 2) {
      if (child.exitCode !== null) throw new Error(`watch exited early: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toMatch(/hit ratio \S+\s+ops\/s \S+\s+memory \S+/);
  });
});
