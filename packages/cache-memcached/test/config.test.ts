import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { createMemcachedCache, MemcachedCache, type MemcachedCacheOptions } from '../src/index.js';

async function configError(config: unknown): Promise<CacheError> {
  const error = await createMemcachedCache(config as MemcachedCacheOptions).catch(
    (e: unknown) => e,
  );
  expect(CacheError.is(error, 'CONFIGURATION'), String(error)).toBe(true);
  return error as CacheError;
}

describe('config validation', () => {
  it('names the field that is wrong, before any I/O', async () => {
    expect((await configError({})).message).toMatch(/'servers'/);
    expect((await configError({ servers: [] })).message).toMatch(/'servers'/);
    expect((await configError({ servers: 'localhost:11211' })).message).toMatch(/'servers'/);
    expect((await configError({ servers: ['localhost'] })).message).toMatch(/host:port/);
    expect((await configError({ servers: ['h:0'] })).message).toMatch(/host:port/);
    expect((await configError({ servers: ['h:70000'] })).message).toMatch(/host:port/);
    expect((await configError({ servers: ['a b:1'] })).message).toMatch(/host:port/);
    expect((await configError({ servers: ['h:1', 'h:1'] })).message).toMatch(/twice/);
    expect((await configError({ servers: ['h:1'], type: 'redis' })).message).toMatch(/'type'/);
    expect((await configError({ servers: ['h:1'], retries: -1 })).message).toMatch(/'retries'/);
    expect((await configError({ servers: ['h:1'], retries: 1.5 })).message).toMatch(/'retries'/);
    expect((await configError({ servers: ['h:1'], operationTimeoutMs: 0 })).message).toMatch(
      /'operationTimeoutMs'/,
    );
    expect((await configError({ servers: ['h:1'], generationCacheMs: -5 })).message).toMatch(
      /'generationCacheMs'/,
    );
    expect((await configError({ servers: ['h:1'], maxValueBytes: 0 })).message).toMatch(
      /'maxValueBytes'/,
    );
    expect((await configError({ servers: ['h:1'], namespace: '' })).message).toMatch(/'namespace'/);
    expect((await configError({ servers: ['h:1'], url: 'memcached://h' })).message).toMatch(
      /unknown field 'url'/,
    );
    expect((await configError({ servers: ['h:1'], username: 'u' })).message).toMatch(/together/);
  });

  it('never echoes a password, even a mistyped one', async () => {
    const error = await configError({ servers: ['h:1'], username: 'u', password: 987654321 });
    expect(error.message).toMatch(/'password'/);
    expect(error.message).not.toContain('987654321');
  });

  it('accepts IPv6 and host names, and the constructor does no I/O', async () => {
    const cache = new MemcachedCache({
      servers: ['[::1]:11211', 'cache.internal:11212'],
      namespace: 'n',
    });
    expect(cache.type).toBe('memcached');
    expect(cache.defaultTtlMs).toBe(300_000);
    expect(['[::1]:11211', 'cache.internal:11212']).toContain(cache.serverFor('k'));
    await cache.close();
  });

  it('fails fast with CONNECTION when nothing listens, naming the server', async () => {
    const error = await createMemcachedCache({ servers: ['127.0.0.1:1'] }).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CONNECTION'), String(error)).toBe(true);
    expect((error as Error).message).toContain('127.0.0.1:1');
  });
});
