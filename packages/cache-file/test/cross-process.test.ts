import { makeTempDir } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileCache } from '../src/index.js';
import { killAllWorkers, startWorker } from './fixtures/spawn-worker.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: Array<() => void> = [];
const tempDir = (): string => {
  const dir = makeTempDir('file-xproc');
  cleanups.push(dir.remove);
  return dir.path;
};

afterEach(async () => {
  await killAllWorkers();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('across processes', () => {
  it('4 processes × 500 concurrent increments on one key give every count from 1 to 2000 exactly once', async () => {
    const dir = tempDir();
    const workers = Array.from({ length: 4 }, () => startWorker('increment', dir, 500));
    const outputs = (await Promise.all(workers.map((w) => w.line()))) as Array<{
      results: number[];
    }>;
    const all = outputs.flatMap((o) => o.results).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    const cache = await createFileCache({ directory: dir });
    expect(await cache.getString('counter')).toBe('2000');
    await cache.close();
  }, 60_000);

  it('grants lock() to one process at a time: holding intervals never overlap and a non-atomic count stays exact', async () => {
    const dir = tempDir();
    const perWorker = 15;
    const workers = Array.from({ length: 3 }, () => startWorker('lock-loop', dir, perWorker));
    const outputs = (await Promise.all(workers.map((w) => w.line()))) as Array<{
      intervals: Array<[string, string]>;
    }>;
    // process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine.
    const intervals = outputs
      .flatMap((o) => o.intervals)
      .map(([start, end]) => [BigInt(start), BigInt(end)] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(intervals).toHaveLength(3 * perWorker);
    for (let i = 1; i < intervals.length; i++) {
      expect(
        intervals[i]![0] > intervals[i - 1]![1],
        `holder ${i} started before holder ${i - 1} ended`,
      ).toBe(true);
    }
    const cache = await createFileCache({ directory: dir });
    expect(await cache.getString('shared')).toBe(String(3 * perWorker));
    await cache.close();
  }, 60_000);

  it('a holder paused (SIGSTOP) past lockStaleMs loses the per-key lock and gets LOCK_NOT_ACQUIRED, writing nothing', async () => {
    const dir = tempDir();
    const worker = startWorker('stall-increment', dir);
    await worker.line('stalled');
    worker.child.kill('SIGSTOP');
    await sleep(2_600); // past the worker's lockStaleMs of 2000
    const cache = await createFileCache({ directory: dir, lockStaleMs: 2_000 });
    expect(await cache.increment('contested'), 'the stale lock is taken over').toBe(1);
    worker.child.kill('SIGCONT');
    const result = (await worker.line()) as { code?: string; message?: string; value?: number };
    expect(result.value, 'the paused holder must not commit').toBeUndefined();
    expect(result.code).toBe('LOCK_NOT_ACQUIRED');
    expect(result.message).toMatch(/lockStaleMs/);
    expect(await worker.exited, 'no uncaught exception in the paused process').toBe(0);
    expect(await cache.getString('contested')).toBe('1');
    await cache.close();
  }, 30_000);

  it('readers only ever see complete values while a writer is SIGKILLed again and again; the sweep removes its temp files', async () => {
    const dir = tempDir();
    const sizeBytes = 512 * 1024;
    const reader = await createFileCache({ directory: dir });
    let reads = 0;
    let complete = 0;
    let stop = false;
    const torn: string[] = [];
    const readLoop = (async () => {
      while (!stop) {
        for (const key of ['big0', 'big1', 'big2']) {
          const value = await reader.get(key);
          reads++;
          if (value === undefined) continue;
          const first = value[0];
          if (value.length !== sizeBytes || !value.every((b) => b === first))
            torn.push(`${key}: ${value.length} bytes`);
          else complete++;
        }
        await sleep(0);
      }
    })();
    for (let round = 0; round < 8; round++) {
      const writer = startWorker('writer', dir, sizeBytes);
      await writer.line('ready');
      await sleep(5 + Math.random() * 40);
      writer.child.kill('SIGKILL');
      expect(await writer.exited).toBe('SIGKILL');
    }
    stop = true;
    await readLoop;
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(complete).toBeGreaterThan(0);
    const report = await reader.sweep();
    expect(report.corrupt).toBe(0);
    const { readdirSync } = await import('node:fs');
    const leftovers = readdirSync(dir, { recursive: true }).filter((name) =>
      String(name).endsWith('.tmp'),
    );
    expect(leftovers, 'orphaned temp files of killed writers are swept').toEqual([]);
    for (const key of ['big0', 'big1', 'big2']) {
      const value = await reader.get(key);
      if (value !== undefined) expect(value.length).toBe(sizeBytes);
    }
    await reader.close();
  }, 60_000);

  it('EMFILE under a low ulimit -n becomes CAPACITY_EXCEEDED, leaks no descriptor, and the cache works once the burst is over', async () => {
    const dir = tempDir();
    const worker = startWorker('emfile', dir, 400, 48);
    const result = (await worker.line()) as {
      codes: Record<string, number>;
      message: string;
      recovered: boolean;
      increment: number;
      errors: number;
      before: number;
      afterFds: number;
    };
    expect(result.codes.CAPACITY_EXCEEDED, JSON.stringify(result.codes)).toBeGreaterThan(0);
    expect(Object.keys(result.codes).sort()).toEqual(['CAPACITY_EXCEEDED', 'ok']);
    expect(result.message).toMatch(/too many open files \(EMFILE\).*ulimit -n/);
    expect(result.errors).toBe(result.codes.CAPACITY_EXCEEDED);
    expect(result.recovered).toBe(true);
    expect(result.increment).toBe(1);
    expect(result.afterFds, 'file descriptors leaked').toBe(result.before);
    expect(await worker.exited).toBe(0);
  }, 30_000);
});
