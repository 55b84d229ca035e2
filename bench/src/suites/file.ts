import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createFileCache, type FileCache } from '@pywatt/cache-file';
import { makeTempDir } from '@pywatt/test-servers/process';
import { FileSystemCache } from 'file-system-cache';
import { compare, withConcurrency } from '../harness.js';

// cacache ships no types: the two calls used here, typed by hand.
const cacache = createRequire(import.meta.url)('cacache') as {
  put(cachePath: string, key: string, data: Buffer): Promise<unknown>;
  get(cachePath: string, key: string): Promise<{ data: Buffer }>;
};

const N = 5_000;
const IN_FLIGHT = 32;
const value = Buffer.alloc(1024, 7);
const keys = Array.from({ length: N }, (_, i) => `user:${i}:profile`);

/** The floor: the same sharded layout as FileCache (`<2 hex>/<sha256>`), bare fs.promises. */
function hashedPath(dir: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex');
  return join(dir, hash.slice(0, 2), hash);
}
async function rawWrite(file: string, data: Buffer, viaTemp: boolean): Promise<void> {
  const target = viaTemp ? `${file}.${process.pid}.tmp` : file;
  try {
    await writeFile(target, data);
  } catch {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(target, data);
  }
  if (viaTemp) await rename(target, file);
}

interface Subject {
  name: string;
  open(dir: string): Promise<void>;
  set(key: string): Promise<void>;
  get(key: string): Promise<unknown>;
  close(): Promise<void>;
}

function subjects(): Subject[] {
  let dir = '';
  let cache: FileCache | undefined;
  let fsc: FileSystemCache | undefined;
  return [
    {
      name: 'raw writeFile/readFile',
      open: async (d) => {
        dir = d;
      },
      set: (k) => rawWrite(hashedPath(dir, k), value, false),
      get: (k) => readFile(hashedPath(dir, k)),
      close: async () => {},
    },
    {
      name: 'raw temp+rename',
      open: async (d) => {
        dir = d;
      },
      set: (k) => rawWrite(hashedPath(dir, k), value, true),
      get: (k) => readFile(hashedPath(dir, k)),
      close: async () => {},
    },
    {
      name: 'FileCache',
      open: async (d) => {
        cache = await createFileCache({ directory: d, sweepIntervalMs: Number.POSITIVE_INFINITY });
      },
      set: (k) => cache!.set(k, value),
      get: (k) => cache!.get(k),
      close: async () => cache?.close(),
    },
    {
      name: 'cacache',
      open: async (d) => {
        dir = d;
      },
      set: async (k) => {
        await cacache.put(dir, k, value);
      },
      get: (k) => cacache.get(dir, k),
      close: async () => {},
    },
    {
      name: 'file-system-cache',
      open: async (d) => {
        fsc = new FileSystemCache({ basePath: d });
      },
      set: async (k) => {
        await fsc!.set(k, value.toString('latin1'));
      },
      get: (k) => fsc!.get(k),
      close: async () => {},
    },
  ];
}

/** 5k × 1 KiB set, then get, in a fresh directory each round, 32 in flight. */
export default async function run(): Promise<void> {
  const temps: Array<() => void> = [];
  const freshDir = () => {
    const t = makeTempDir('bench-file');
    temps.push(t.remove);
    return t.path;
  };
  const cleanup = () => {
    for (const remove of temps.splice(0)) remove();
  };
  try {
    const setters = subjects();
    await compare(
      `set: ${N} × 1 KiB, ${IN_FLIGHT} in flight, fresh directory each round`,
      setters.map((s) => ({
        name: s.name,
        beforeRound: async () => {
          await s.close();
          cleanup();
          await s.open(freshDir());
        },
        round: () => withConcurrency(N, IN_FLIGHT, (i) => s.set(keys[i]!)),
      })),
      { baseline: 'raw temp+rename', opsPerRound: N, rounds: 5 },
    );
    for (const s of setters) await s.close();
    cleanup();
    const getters = subjects().filter((s) => s.name !== 'raw temp+rename');
    await compare(
      `get: ${N} × 1 KiB hits, ${IN_FLIGHT} in flight, fresh directory each round`,
      getters.map((s) => ({
        name: s.name,
        beforeRound: async () => {
          await s.close();
          cleanup();
          await s.open(freshDir());
          await withConcurrency(N, IN_FLIGHT, (i) => s.set(keys[i]!));
        },
        round: () => withConcurrency(N, IN_FLIGHT, (i) => s.get(keys[i]!)),
      })),
      { baseline: 'raw writeFile/readFile', opsPerRound: N, rounds: 5 },
    );
    for (const s of getters) await s.close();
  } finally {
    cleanup();
  }
}
