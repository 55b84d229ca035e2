import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createRedisCache, RedisCache } from '../src/index.js';
import { bytes, caught, uniqueNamespace } from './helpers.js';

describe('config validation', () => {
  const bad: Array<[string, unknown]> = [
    ['url', { url: 'http://localhost' }],
    ['port', { hosts: ['127.0.0.1'], port: 70_000 }],
    ['port', { port: 6379 }],
    ['hosts', { hosts: ['a', 'b'] }],
    ['hosts', { hosts: ['bad:port:x'] }],
    ['database', { database: -1 }],
    ['database', { cluster: { nodes: ['127.0.0.1:7000'] }, database: 1 }],
    ['cluster', { cluster: { nodes: [] } }],
    ['cluster', { cluster: { nodes: ['a:1'], extra: true } }],
    ['sentinel', { sentinel: { sentinels: ['a:1'] } }],
    ['operationTimeoutMs', { operationTimeoutMs: 0 }],
    ['connectTimeoutMs', { connectTimeoutMs: -5 }],
    ['tls', { tls: 'yes' }],
    ['client', { client: {} }],
    ['closeClient', { closeClient: true }],
    ['url and hosts', { url: 'redis://a', hosts: ['b'] }],
    ['type', { type: 'memory' }],
    ['nope', { nope: 1 }],
    ['namespace', { namespace: '' }],
  ];
  it.each(bad)(
    'rejects a bad %s with CONFIGURATION naming it, before any I/O',
    async (field, config) => {
      const error = await caught(createRedisCache(config as never));
      expect(error.code).toBe('CONFIGURATION');
      expect(error.message).toContain(field.split(' ')[0]);
      expect(() => new RedisCache(config as never)).toThrow();
    },
  );

  it('refuses connection options next to a passed client', async () => {
    const client = new Redis(inject('redisUrl'), { lazyConnect: true });
    const error = await caught(createRedisCache({ client, operationTimeoutMs: 10 }));
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toContain('operationTimeoutMs');
    client.disconnect();
  });
});

describe('a passed ioredis client', () => {
  it('stays open after close() unless closeClient is set', async () => {
    const client = new Redis(inject('redisUrl'));
    const cache = await createRedisCache({ client, namespace: uniqueNamespace('client') });
    await cache.set('k', bytes('v'));
    expect(cache.client).toBe(client);
    await cache.close();
    expect(await client.ping()).toBe('PONG');
    const owning = await createRedisCache({ client, closeClient: true });
    await owning.close();
    expect(client.status).toBe('end');
  });
});

describe('stats', () => {
  it('merges INFO under backend, and counts items only when the cache owns the database', async () => {
    const cache = await createRedisCache({
      url: inject('redisUrl'),
      namespace: uniqueNamespace('st'),
    });
    const whole = await createRedisCache({ url: inject('redisUrl') });
    try {
      await cache.set('a', bytes('1'));
      const stats = await cache.stats();
      expect(stats.sets).toBe(1);
      expect(stats.itemCount).toBeUndefined();
      expect(String(stats.backend.redis_version)).toMatch(/^\d+\.\d+/);
      expect(stats.backend.used_memory).toBeGreaterThan(0);
      expect(stats.backend.db0_keys).toBeGreaterThanOrEqual(1);
      expect((await whole.stats()).itemCount).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all([cache.close(), whole.close()]);
    }
  });

  it('sums INFO over the masters of a cluster', async () => {
    const cache = await createRedisCache({ cluster: { nodes: inject('clusterNodes') } });
    try {
      const stats = await cache.stats();
      expect(stats.backend.nodes).toBe(3);
      expect(stats.backend.redis_mode).toBe('cluster');
    } finally {
      await cache.close();
    }
  });
});
