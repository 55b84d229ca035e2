import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { cacheConfigFromEnv } from '../src/env.js';

describe('cacheConfigFromEnv', () => {
  it('reads the URL and lets other variables override or add fields', () => {
    const config = cacheConfigFromEnv('CACHE_', {
      CACHE_URL: 'redis://user:old@host:6380/1?namespace=url',
      CACHE_NAMESPACE: 'env',
      CACHE_DEFAULT_TTL_MS: '60000',
      CACHE_PASSWORD: 'from-env',
      OTHER: 'ignored',
    });
    expect(config).toEqual({
      type: 'redis',
      hosts: ['host'],
      port: 6380,
      database: 1,
      username: 'user',
      password: 'from-env',
      namespace: 'env',
      defaultTtlMs: 60000,
    });
  });

  it('supports another prefix', () => {
    expect(
      cacheConfigFromEnv('APP_CACHE_', { APP_CACHE_URL: 'memory://', APP_CACHE_MAX_ITEMS: '10' }),
    ).toEqual({ type: 'memory', maxItems: 10 });
  });

  it('rejects a missing URL or a malformed value with CONFIGURATION', () => {
    expect(() => cacheConfigFromEnv('CACHE_', {})).toThrow(/CACHE_URL is not set/);
    let caught: unknown;
    try {
      cacheConfigFromEnv('CACHE_', { CACHE_URL: 'memory://', CACHE_MAX_ITEMS: 'lots' });
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'CONFIGURATION')).toBe(true);
  });
});
