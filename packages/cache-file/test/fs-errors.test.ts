import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError } from '@pywatt/cache-core';
import { makeTempDir, requireBinary } from '@pywatt/test-servers/process';
import { afterEach, describe, expect, it } from 'vitest';
import { mapFsError } from '../src/fs-errors.js';
import { createFileCache, FileCache } from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const tempDir = (): string => {
  const dir = makeTempDir('file-errors');
  cleanups.push(dir.remove);
  return dir.path;
};

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<CacheError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(CacheError.is(error), String(error)).toBe(true);
  expect((error as CacheError).code, (error as CacheError).message).toBe(code);
  return error as CacheError;
}

describe('configuration', () => {
  it('rejects bad configs with CONFIGURATION naming the field, before any I/O', async () => {
    const dir = tempDir();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /directory/],
      [{ directory: '' }, /directory/],
      [{ directory: 'a\u0000b' }, /directory/],
      [{ directory: dir, lockStaleMs: 1_000 }, /lockStaleMs.*2000/],
      [{ directory: dir, maxItems: 0 }, /maxItems/],
      [{ directory: dir, maxSizeBytes: 1.5 }, /maxSizeBytes/],
      [{ directory: dir, sweepIntervalMs: -1 }, /sweepIntervalMs/],
      [{ directory: dir, durable: 'yes' }, /durable/],
      [{ directory: dir, colour: 'blue' }, /unknown field 'colour'/],
      [{ directory: dir, type: 'redis' }, /type/],
      [null, /object/],
    ];
    for (const [config, field] of cases) {
      const error = await rejectsWith(createFileCache(config as never), 'CONFIGURATION');
      expect(error.message).toMatch(field);
      expect(() => new FileCache(config as never)).toThrow(field);
    }
  });

  it('rejects a directory that is a file with CONFIGURATION', async () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    await rejectsWith(createFileCache({ directory: file }), 'CONFIGURATION');
    await rejectsWith(createFileCache({ directory: join(file, 'below') }), 'CONFIGURATION');
  });
});

describe('file-system failures', () => {
  it('heals when the directory is removed under it', async () => {
    const dir = join(tempDir(), 'cache');
    const cache = await createFileCache({ directory: dir, type: 'file' });
    cleanups.unshift(() => cache.close());
    await cache.set('k', Buffer.from('v'));
    rmSync(dir, { recursive: true, force: true });
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.exists('k')).toBe(false);
    await cache.ping();
    rmSync(dir, { recursive: true, force: true });
    await cache.set('k', Buffer.from('again'));
    rmSync(dir, { recursive: true, force: true });
    expect(await cache.increment('n')).toBe(1);
    rmSync(dir, { recursive: true, force: true });
    expect(await cache.lock('l', 10_000)).toBeDefined();
    await cache.clear();
    expect((await cache.stats()).errors).toBe(0);
  });

  it('maps a full disk (a real 64 KiB tmpfs) to CAPACITY_EXCEEDED, then works again once space is freed', async () => {
    const mount = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    cleanups.unshift(() => {
      execFileSync('umount', ['-l', mount]);
    });
    const cache = await createFileCache({ directory: mount });
    cleanups.unshift(() => cache.close());
    await cache.set('small', Buffer.from('v'));
    const error = await rejectsWith(
      cache.set('huge', Buffer.alloc(256 * 1024, 1)),
      'CAPACITY_EXCEEDED',
    );
    expect(error.message).toMatch(/full \(ENOSPC\)/);
    expect(error.retryable).toBe(true);
    expect((await cache.stats()).errors).toBe(1);
    expect(Buffer.from((await cache.get('small'))!).toString(), 'the old data is intact').toBe('v');
    await cache.set('fits', Buffer.alloc(16 * 1024, 2));
    expect((await cache.get('fits'))?.length).toBe(16 * 1024);
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    const readOnly = await rejectsWith(cache.set('k', Buffer.from('v')), 'UNAUTHORIZED');
    expect(readOnly.message).toMatch(/read-only/);
    expect((await cache.get('fits'))?.length, 'reads still work').toBe(16 * 1024);
  });

  it('maps a real permission error to UNAUTHORIZED, as a user without access to the directory', () => {
    const parent = tempDir();
    const directory = join(parent, 'cache');
    const fixture = fileURLToPath(new URL('./fixtures/open-cache.ts', import.meta.url));
    chmodSync(parent, 0o000);
    cleanups.unshift(() => chmodSync(parent, 0o700));
    // Root ignores file modes through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so as root the child
    // runs without those two: it meets the real EACCES on the 000 folder, yet still reads the checkout
    // it owns wherever that sits (another user could not read a clone under a 0700 folder).
    const node = [process.execPath, '--import', 'tsx', fixture, directory];
    const [command, ...args] =
      process.getuid?.() === 0
        ? [
            requireBinary('setpriv', 'util-linux'),
            '--bounding-set',
            '-dac_override,-dac_read_search',
            '--',
            ...node,
          ]
        : node;
    const output = execFileSync(command as string, args, {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    const result = JSON.parse(output.trim().split('\n').at(-1) as string);
    expect(result.code, output).toBe('UNAUTHORIZED');
    expect(result.message).toMatch(/read and write access/);
  });

  it('maps permission errors to UNAUTHORIZED with a message that says what to do (each errno)', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const error = mapFsError(
        Object.assign(new Error('denied'), { code }),
        'set',
        '/var/cache/app',
      );
      expect(error.code).toBe('UNAUTHORIZED');
      expect(error.message).toMatch(/read and write access/);
      expect(error.backend).toBe('file');
    }
    expect(mapFsError(new Error('odd'), 'get', '/d').code).toBe('INTERNAL');
  });

  it('mkdirs a missing shard while locking', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'inner'));
    const cache = await createFileCache({ directory: join(dir, 'inner') });
    cleanups.unshift(() => cache.close());
    expect(await cache.setIfAbsent('k', Buffer.from('v'))).toBe(true);
  });
});
