import { CacheError } from '@pywatt/cache-core';
import { describe, expect, inject, it } from 'vitest';
import { createMemcachedCache } from '../src/index.js';
import { SASL_USER } from './global-setup.js';

describe('SASL against a real memcached -S', () => {
  it('works with the right username and password', async () => {
    const cache = await createMemcachedCache({
      servers: [inject('sasl')],
      ...SASL_USER,
      namespace: 'sasl',
    });
    try {
      await cache.setString('k', 'v');
      expect(await cache.getString('k')).toBe('v');
      expect(await cache.increment('n', 2)).toBe(2);
      const token = await cache.lock('job', 5000);
      expect(await cache.unlock('job', token!)).toBe(true);
      expect(Object.keys((await cache.stats()).backend).some((k) => k.endsWith('curr_items'))).toBe(
        true,
      );
    } finally {
      await cache.close();
    }
  });

  it('rejects a wrong password with UNAUTHORIZED, without the password in the message', async () => {
    const wrong = 'definitely-wrong-Pa55';
    const error = await createMemcachedCache({
      servers: [inject('sasl')],
      username: SASL_USER.username,
      password: wrong,
    }).catch((e: unknown) => e);
    expect(CacheError.is(error, 'UNAUTHORIZED'), String(error)).toBe(true);
    expect((error as CacheError).retryable).toBe(false);
    expect((error as Error).message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('rejects a client without credentials with UNAUTHORIZED', async () => {
    const error = await createMemcachedCache({ servers: [inject('sasl')] }).catch(
      (e: unknown) => e,
    );
    expect(CacheError.is(error, 'UNAUTHORIZED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/username and password/);
  });
});
