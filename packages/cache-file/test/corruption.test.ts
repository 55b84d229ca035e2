import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileCache, type FileCache } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fresh(): Promise<{ cache: FileCache; dir: string }> {
  const dir = makeTempDir('file-corrupt');
  const cache = await createFileCache({ directory: dir.path });
  cleanups.push(async () => {
    await cache.close();
    dir.remove();
  });
  return { cache, dir: dir.path };
}

/** The one entry file in `dir`. */
function onlyEntry(dir: string): string {
  const files = readdirSync(dir, { recursive: true })
    .map((n) => join(dir, String(n)))
    .filter((p) => statSync(p).isFile());
  expect(files).toHaveLength(1);
  return files[0]!;
}

const damage: Record<string, (file: string) => void> = {
  'truncated to half': (file) => truncateSync(file, Math.floor(statSync(file).size / 2)),
  'truncated inside the header': (file) => truncateSync(file, 10),
  'empty file': (file) => truncateSync(file, 0),
  'a flipped byte in the value': (file) => flip(file, -3),
  'a flipped byte in the key': (file) => flip(file, 30),
  'a flipped byte in the expiry': (file) => flip(file, 9),
  'wrong magic': (file) => flip(file, 0),
  garbage: (file) =>
    writeFileSync(file, Buffer.from('{"__proto__":{"polluted":true},"value":"x"}')),
  'an extra byte appended': (file) =>
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from([0])])),
};

function flip(file: string, offset: number): void {
  const bytes = readFileSync(file);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = bytes[at]! ^ 0x40;
  writeFileSync(file, bytes);
}

describe('a corrupt entry file', () => {
  for (const [name, spoil] of Object.entries(damage)) {
    it(`(${name}) is a miss counted in stats().errors, and the file is removed`, async () => {
      const { cache, dir } = await fresh();
      await cache.set('k', Buffer.from('a value long enough to damage'));
      const file = onlyEntry(dir);
      spoil(file);
      const before = (await cache.stats()).errors;
      expect(await cache.get('k')).toBeUndefined();
      expect((await cache.stats()).errors).toBe(before + 1);
      expect(() => statSync(file), 'the bad file is removed').toThrow();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await cache.set('k', Buffer.from('again'));
      expect(Buffer.from((await cache.get('k'))!).toString()).toBe('again');
    });
  }

  it('counts as absent for the atomic operations, which replace it', async () => {
    const { cache, dir } = await fresh();
    await cache.set('n', Buffer.from('41'));
    flip(onlyEntry(dir), -1);
    expect(await cache.increment('n')).toBe(1);
    await cache.set('s', Buffer.from('x'));
    const file = readdirSync(dir, { recursive: true })
      .map((n) => join(dir, String(n)))
      .filter((p) => statSync(p).isFile());
    for (const f of file) truncateSync(f, 5);
    expect(await cache.setIfAbsent('s', Buffer.from('y'))).toBe(true);
    expect(Buffer.from((await cache.get('s'))!).toString()).toBe('y');
  });

  it('is removed by the sweep and counted', async () => {
    const { cache, dir } = await fresh();
    await cache.set('k', Buffer.from('v'));
    const file = onlyEntry(dir);
    truncateSync(file, 3);
    const report = await cache.sweep();
    expect(report.corrupt).toBe(1);
    expect(() => statSync(file)).toThrow();
    expect((await cache.stats()).errors).toBe(1);
  });
});
