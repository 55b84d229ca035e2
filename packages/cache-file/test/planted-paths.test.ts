import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CacheError } from '@pywatt/cache-core';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFileCache, type FileCache } from '../src/index.js';

// A collision with an unpredictable temp name cannot be produced on demand: when `plantNext` is
// set, the next temp name is that path (where the test planted a symlink), the rest are real.
let plantNext: string | undefined;
vi.mock('../src/entry-paths.js', async (original) => {
  const real = await original<typeof import('../src/entry-paths.js')>();
  return {
    ...real,
    tempPathFor: (file: string) => {
      const planted = plantNext;
      plantNext = undefined;
      return planted ?? real.tempPathFor(file);
    },
  };
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  plantNext = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fresh(
  options: { maxItems?: number } = {},
): Promise<{ cache: FileCache; dir: string; outside: string }> {
  const root = makeTempDir('file-planted');
  const dir = join(root.path, 'cache');
  const outside = join(root.path, 'outside');
  mkdirSync(outside);
  const cache = await createFileCache({
    directory: dir,
    sweepIntervalMs: Number.POSITIVE_INFINITY,
    ...options,
  });
  cleanups.push(async () => {
    await cache.close();
    root.remove();
  });
  return { cache, dir, outside };
}

/** The entry files in `dir` (regular files named by a 64-digit hash). */
function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((n) => join(dir, String(n)))
    .filter((p) => /[0-9a-f]{64}$/.test(p) && lstatSync(p).isFile());
}

/** The entry file of `key`: the one that appears when it is written. */
async function entryFileOf(cache: FileCache, dir: string, key: string): Promise<string> {
  const before = new Set(entryFiles(dir));
  await cache.set(key, Buffer.from('first'));
  const added = entryFiles(dir).filter((f) => !before.has(f));
  expect(added).toHaveLength(1);
  return added[0]!;
}

describe('a symlink planted where a temp file will be written', () => {
  it('at every name the old `<entry>.<pid>-<n>.tmp` scheme would pick: the target outside is untouched', async () => {
    const { cache, dir, outside } = await fresh();
    const target = join(outside, 'target');
    writeFileSync(target, 'original');
    const file = await entryFileOf(cache, dir, 'victim');
    for (let n = 0; n <= 200; n++) symlinkSync(target, `${file}.${process.pid}-${n}.tmp`);
    for (let i = 0; i < 20; i++) await cache.set('victim', Buffer.from(`payload ${i}`));
    expect(readFileSync(target, 'utf8')).toBe('original');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(Buffer.from((await cache.get('victim'))!).toString()).toBe('payload 19');
  });

  it('at the very name chosen: the write picks another name (EEXIST), the target and the link stay', async () => {
    const { cache, dir, outside } = await fresh();
    const target = join(outside, 'target');
    writeFileSync(target, 'original');
    const file = await entryFileOf(cache, dir, 'victim');
    const link = `${file}.${process.pid}-planted.tmp`;
    symlinkSync(target, link);
    plantNext = link;
    await cache.set('victim', Buffer.from('new value'));
    expect(plantNext).toBeUndefined(); // the planted name was really tried
    expect(readFileSync(target, 'utf8')).toBe('original');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(Buffer.from((await cache.get('victim'))!).toString()).toBe('new value');
  });
});

describe('a stray folder at an entry path', () => {
  it('is skipped and counted by the sweep, which still expires and evicts everything else', async () => {
    const { cache, dir } = await fresh({ maxItems: 3 });
    const file = await entryFileOf(cache, dir, 'stray');
    rmSync(file);
    mkdirSync(file);
    writeFileSync(join(file, 'inside'), 'someone else’s');
    await cache.set('short', Buffer.from('v'), { ttlMs: 30 });
    for (let i = 0; i < 6; i++) await cache.set(`k${i}`, Buffer.from('v'));
    await new Promise((resolve) => setTimeout(resolve, 60));

    const report = await cache.sweep();
    expect(report.expired).toBe(1);
    expect(report.evicted).toBe(3);
    expect(report.itemCount).toBe(3);
    expect(await cache.exists('short')).toBe(false);
    const backend = (await cache.stats()).backend;
    expect(backend.lastSweepStrayEntries).toBe(1);
    expect(backend.lastSweepError).toBeUndefined();
    expect(statSync(file).isDirectory()).toBe(true);
    expect(existsSync(join(file, 'inside'))).toBe(true);

    // clear() walks the same directory: it goes on past the folder too.
    await cache.clear();
    expect(await cache.getMany(['k3', 'k4', 'k5'])).toEqual(new Map());
    // That one key may fail, with an error that says what is wrong.
    const error = await cache.get('stray').catch((e: unknown) => e);
    expect(error === undefined || CacheError.is(error, 'CONFIGURATION')).toBe(true);
  });
});
