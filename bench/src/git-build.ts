import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CacheService } from '@pywatt/cache-core';

// Yesterday's code and today's, compiled the same way (tsx from source), for suites that
// compare them: bench observability builds the commit before the hooks from git.

/** The caches of one build. */
export interface Build {
  InMemoryCache: new (config: object) => CacheService;
  createRedisCache: (config: object) => Promise<CacheService>;
}

const PACKAGES = ['cache-core', 'cache-memory', 'cache-redis'];
const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where {@link prepareBuild} puts `ref`'s sources. */
export const buildDir = (ref: string): string => join(benchDir, '.tmp', `build-${ref}`);

/**
 * Copies core, memory and redis sources of git `ref` (or of the working tree for
 * `'worktree'`, copied afresh every time) under bench/.tmp, their `@pywatt/cache-core`
 * imports pointed at that copy's core. A copy is reused while `ref` still names the commit it
 * was made from (`HEAD` or a branch moves). Returns false (and says why) when `ref` cannot be read.
 */
export function prepareBuild(ref: string): boolean {
  const root = buildDir(ref);
  const repoDir = join(benchDir, '..');
  const marker = join(root, '.commit');
  try {
    const commit =
      ref === 'worktree'
        ? undefined
        : execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repoDir })
            .toString()
            .trim();
    if (commit !== undefined && existsSync(marker) && readFileSync(marker, 'utf8') === commit)
      return true;
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    if (ref === 'worktree') {
      for (const p of PACKAGES)
        cpSync(join(repoDir, 'packages', p, 'src'), join(root, 'packages', p, 'src'), {
          recursive: true,
        });
    } else {
      const archive = execFileSync(
        'git',
        ['archive', ref, ...PACKAGES.map((p) => `packages/${p}/src`)],
        {
          cwd: repoDir,
          maxBuffer: 1 << 28,
        },
      );
      execFileSync('tar', ['-x', '-C', root], { input: archive });
    }
    const coreSrc = join(root, 'packages', 'cache-core', 'src');
    for (const pkg of ['cache-memory', 'cache-redis']) {
      const src = join(root, 'packages', pkg, 'src');
      for (const file of readdirSync(src, { recursive: true }).map(String)) {
        if (!file.endsWith('.ts')) continue;
        const path = join(src, file);
        const to = (target: string): string => {
          const path_ = relative(dirname(path), join(coreSrc, target));
          return `'${path_.startsWith('.') ? path_ : `./${path_}`}'`;
        };
        const text = readFileSync(path, 'utf8')
          .replaceAll("'@pywatt/cache-core'", to('index.js'))
          .replaceAll("'@pywatt/cache-core/store'", to('store/index.js'));
        writeFileSync(path, text);
      }
    }
    if (commit !== undefined) writeFileSync(marker, commit);
    return true;
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    console.log(`(cannot build ${ref}: ${String(error)})`);
    return false;
  }
}

/** Imports a build {@link prepareBuild} made; `'published'` is the packages' own dist build. */
export async function importBuild(ref: string): Promise<Build> {
  if (ref === 'published') {
    const memory = await import('@pywatt/cache-memory');
    const redis = await import('@pywatt/cache-redis');
    return {
      InMemoryCache: memory.InMemoryCache as Build['InMemoryCache'],
      createRedisCache: redis.createRedisCache as Build['createRedisCache'],
    };
  }
  const root = buildDir(ref);
  const memory = await import(join(root, 'packages', 'cache-memory', 'src', 'index.ts'));
  const redis = await import(join(root, 'packages', 'cache-redis', 'src', 'index.ts'));
  return { InMemoryCache: memory.InMemoryCache, createRedisCache: redis.createRedisCache };
}
