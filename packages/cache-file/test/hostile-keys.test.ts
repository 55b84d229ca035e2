import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterEach, expect, it } from 'vitest';
import { createFileCache } from '../src/index.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile());
}

it('keeps every hostile key inside the directory, one file per key, each with its own value', async () => {
  const dir = makeTempDir('file-hostile');
  cleanups.push(dir.remove);
  const cache = await createFileCache({ directory: dir.path, namespace: 'app' });
  const keys = [
    '../../x',
    '../../../../../../etc/passwd',
    '/etc/passwd',
    'a\u0000b',
    'CON',
    'con',
    'aux.txt',
    'NUL',
    'x'.repeat(1024),
    'caf\u00e9',
    'cafe\u0301',
    'A',
    'a',
    '.',
    '..',
    'dir/',
    'C:\\Windows\\system32',
    '~root/.ssh/authorized_keys',
    '%2e%2e%2f',
  ];
  for (const [i, key] of keys.entries()) await cache.set(key, Buffer.from(`value-${i}`));
  const root = realpathSync(dir.path);
  const files = filesUnder(dir.path);
  expect(files, 'no two keys share a file').toHaveLength(keys.length);
  for (const file of files) expect(realpathSync(file).startsWith(`${root}/`), file).toBe(true);
  for (const [i, key] of keys.entries()) {
    expect(Buffer.from((await cache.get(key)) ?? []).toString(), JSON.stringify(key)).toBe(
      `value-${i}`,
    );
  }
  expect(readdirSync('/etc').includes('x')).toBe(false);
  await cache.close();
});
