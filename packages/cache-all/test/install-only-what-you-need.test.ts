import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packagesDir = resolve(import.meta.dirname, '../..');
const fixtures = resolve(import.meta.dirname, 'fixtures');

function runNode(
  script: string,
  cwd: string,
): {
  value?: string;
  redisError?: { isCacheError: boolean; code: string; message: string };
  drivers?: string[];
  loaded?: number;
} {
  return JSON.parse(
    execFileSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 30_000 }).trim(),
  );
}

describe('installing @pywatt/cache-all with only the memory backend, outside the workspace', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'pywatt-scratch-'));
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    for (const pkg of ['cache-core', 'cache-memory', 'cache-all']) {
      execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
        cwd: join(packagesDir, pkg),
        stdio: 'ignore',
      });
    }
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }),
    );
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], {
      cwd: app,
      stdio: 'ignore',
      timeout: 120_000,
    });
    for (const f of ['scratch-check.mjs', 'scratch-check.cjs'])
      copyFileSync(join(fixtures, f), join(app, f));
  }, 180_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(['scratch-check.mjs', 'scratch-check.cjs'])(
    '%s: memory works and redis:// says exactly what to install',
    (script) => {
      const result = runNode(script, join(scratch, 'app'));
      expect(result.value).toMatch(/^hello from (esm|cjs)$/);
      expect(result.redisError?.isCacheError).toBe(true);
      expect(result.redisError?.code).toBe('BACKEND_NOT_INSTALLED');
      expect(result.redisError?.message).toContain('pnpm add @pywatt/cache-redis');
    },
  );

  it('installed no driver: ioredis, memjs and proper-lockfile are absent', () => {
    const installed = readdirSync(join(scratch, 'app', 'node_modules'));
    for (const driver of ['ioredis', 'memjs', 'proper-lockfile'])
      expect(installed).not.toContain(driver);
  });
});

describe('importing @pywatt/cache-all where every backend is installed', () => {
  it.each(['loaded-modules.mjs', 'loaded-modules.cjs'])(
    '%s: a memory cache loads no Redis, memcached or file driver',
    (script) => {
      const result = runNode(join(fixtures, script), resolve(import.meta.dirname, '..'));
      expect(result.loaded, 'the hooks saw the memory backend load').toBeGreaterThan(0);
      expect(result.drivers).toEqual([]);
    },
  );
});
