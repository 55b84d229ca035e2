import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { createCacheService } from '../src/index.js';

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString();

describe('createCacheService', () => {
  it('builds a bounded memory cache from a URL', async () => {
    await using cache = await createCacheService('memory://?maxItems=2&policy=lru&namespace=app');
    expect(cache.type).toBe('memory');
    await cache.setString('a', '1');
    await cache.setString('b', '2');
    await cache.get('a');
    await cache.setString('c', '3');
    expect(await cache.getString('b'), 'the least recently used key was evicted').toBeUndefined();
    expect(await cache.getString('a')).toBe('1');
  });

  it('builds the same cache from a config object', async () => {
    await using cache = await createCacheService({ type: 'memory', defaultTtlMs: 1234 });
    expect(cache.defaultTtlMs).toBe(1234);
  });

  it('builds a file cache from a file: URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pywatt-all-'));
    try {
      await using cache = await createCacheService(`file://${dir}?namespace=n`);
      expect(cache.type).toBe('file');
      await cache.set('k', Buffer.from('v'));
      expect(text(await cache.get('k'))).toBe('v');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the backend’s own config errors through, naming the field', async () => {
    let caught: unknown;
    try {
      await createCacheService('memory://?lockStaleMs=5');
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'CONFIGURATION')).toBe(true);
    expect((caught as Error).message).toContain('lockStaleMs');
  });

  it('rejects what is neither a config nor a URL', async () => {
    for (const bad of [null, 42, ['memory://']]) {
      await expect(createCacheService(bad as unknown as string)).rejects.toMatchObject({
        code: 'CONFIGURATION',
      });
    }
  });

  it('fails to connect with a typed error and no password in the message', async () => {
    let caught: unknown;
    try {
      await createCacheService(
        'redis://user:hunter2@127.0.0.1:1/0?connectTimeoutMs=500&operationTimeoutMs=500',
      );
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught)).toBe(true);
    expect(['CONNECTION', 'TIMEOUT']).toContain((caught as CacheError).code);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});

describe('what createCacheService returns', () => {
  it('is the backend’s own instance, so no layer sits between the caller and the backend', async () => {
    const { InMemoryCache } = await import('@pywatt/cache-memory');
    await using cache = await createCacheService('memory://');
    expect(cache).toBeInstanceOf(InMemoryCache);
  });
});
