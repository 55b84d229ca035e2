import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, waitFor } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileCache, type FileCache, type FileCacheOptions } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fresh(
  options: Omit<FileCacheOptions, 'directory'> = {},
  directory?: string,
): Promise<{ cache: FileCache; dir: string }> {
  let dir = directory;
  if (dir === undefined) {
    const temp = makeTempDir('file-sweep');
    cleanups.push(temp.remove);
    dir = temp.path;
  }
  const cache = await createFileCache({
    directory: dir,
    sweepIntervalMs: Number.POSITIVE_INFINITY,
    ...options,
  });
  cleanups.unshift(() => cache.close());
  return { cache, dir };
}

const present = async (cache: FileCache, keys: string[]) =>
  [...(await cache.getMany(keys)).keys()].sort();

describe('the sweep', () => {
  it('removes expired entries by the expiry in their header and counts them', async () => {
    const { cache, dir } = await fresh();
    await cache.set('short', Buffer.from('v'), { ttlMs: 30 });
    await cache.set('long', Buffer.from('v'), { ttlMs: 60_000 });
    await sleep(80);
    const report = await cache.sweep();
    expect(report.expired).toBe(1);
    expect(report.itemCount).toBe(1);
    expect((await cache.stats()).expirations).toBe(1);
    expect(
      readdirSync(dir, { recursive: true }).filter((n) => /[0-9a-f]{64}$/.test(String(n))),
    ).toHaveLength(1);
  });

  it('evicts the least recently used entries over maxItems; reads count as use, also for other instances', async () => {
    const { cache, dir } = await fresh({ maxItems: 3 });
    for (const key of ['a', 'b', 'c', 'd']) {
      await cache.set(key, Buffer.from(key));
      await sleep(5);
    }
    await cache.get('a');
    const report = await cache.sweep();
    expect(report.evicted).toBe(1);
    expect(await present(cache, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    expect((await cache.stats()).evictions).toBe(1);
    // Another instance has no record of the reads: it sees them through the files' mtimes.
    await sleep(5);
    await cache.get('c');
    await cache.sweep();
    const { cache: other } = await fresh({ maxItems: 1 }, dir);
    await other.sweep();
    expect(await present(other, ['a', 'b', 'c', 'd'])).toEqual(['c']);
  });

  it('evicts over maxSizeBytes, never evicts held locks', async () => {
    const { cache } = await fresh({ maxSizeBytes: 2_000 });
    const token = await cache.lock('job', 60_000);
    for (const key of ['x', 'y', 'z']) {
      await cache.set(key, Buffer.alloc(1_000, 1));
      await sleep(5);
    }
    const report = await cache.sweep();
    expect(report.evicted).toBe(2);
    expect(report.sizeBytes).toBeLessThanOrEqual(2_000);
    expect(await present(cache, ['x', 'y', 'z'])).toEqual(['z']);
    expect(await cache.lock('job', 60_000), 'the lock survives eviction').toBeUndefined();
    expect(await cache.unlock('job', token!)).toBe(true);
  });

  it('removes temp files of dead processes but keeps those of live ones', async () => {
    const { cache, dir } = await fresh();
    await cache.set('k', Buffer.from('v'));
    const shard = readdirSync(dir)[0]!;
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = join(dir, shard, `${'e'.repeat(64)}.${deadPid}-1.tmp`);
    const live = join(dir, shard, `${'f'.repeat(64)}.${process.pid}-99.tmp`);
    writeFileSync(orphan, 'partial');
    writeFileSync(live, 'in progress');
    const report = await cache.sweep();
    expect(report.orphanedTempFiles).toBe(1);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('runs on its unref()d timer, and close() stops it', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const { cache } = await fresh({ sweepIntervalMs: 20 });
    await cache.set('short', Buffer.from('v'), { ttlMs: 10 });
    await waitFor(async () => (await cache.stats()).expirations >= 1, 'the timed sweep');
    expect((await cache.stats()).backend.lastSweepItemCount).toBe(0);
    await cache.close();
    expect(timers(), 'close() leaves no timer behind').toBeLessThanOrEqual(before);
  });
});
