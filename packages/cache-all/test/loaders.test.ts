import { CacheError, CacheType } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../src/index.js';

describe('the loader table', () => {
  it.each(Object.values(CacheType))('resolves %s to its package’s factory', async (type) => {
    const factory = await loadBackend(type);
    expect(typeof factory).toBe('function');
  });

  it('rejects an unknown type with CONFIGURATION, listing the known ones', async () => {
    for (const type of ['mongo', '', undefined, 'toString', '__proto__']) {
      let caught: unknown;
      try {
        await loadBackend(type);
      } catch (error) {
        caught = error;
      }
      expect(CacheError.is(caught, 'CONFIGURATION')).toBe(true);
      expect((caught as Error).message).toContain('memory, file, redis, memcached, proxy');
    }
  });
});
