import { describe, expect, it } from 'vitest';
import { redisCli, startRedis } from '../src/redis.js';
import { startRedisCluster } from '../src/redis-cluster.js';
import { sentinelMasterAddress, startRedisSentinel } from '../src/redis-sentinel.js';

describe('redis test servers', () => {
  it('startRedis serves a private, password-protected server and stops it', async () => {
    const server = await startRedis({ password: 'p@ss word' });
    try {
      expect(server.url).toBe(`redis://:p%40ss%20word@127.0.0.1:${server.port}`);
      expect(await redisCli(server.port, ['ping'], 'p@ss word')).toContain('PONG');
      expect(await redisCli(server.port, ['config', 'get', 'dir'], 'p@ss word')).toContain(
        server.dir,
      );
      expect(await redisCli(server.port, ['config', 'get', 'save'], 'p@ss word')).not.toMatch(/\d/);
    } finally {
      await server.stop();
    }
    await expect(redisCli(server.port, ['ping'])).rejects.toThrow();
  });

  it('startRedisCluster joins three masters covering every slot', async () => {
    const cluster = await startRedisCluster();
    try {
      expect(cluster.nodes).toHaveLength(3);
      for (const node of cluster.nodes) {
        const info = await redisCli(node.port, ['cluster', 'info']);
        expect(info).toContain('cluster_state:ok');
        expect(info).toContain('cluster_slots_assigned:16384');
        expect(info).toContain('cluster_known_nodes:3');
      }
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  it('startRedisSentinel watches a master with a synced replica', async () => {
    const setup = await startRedisSentinel();
    try {
      expect(setup.quorum).toBe(1);
      const sentinelPort = setup.sentinels[0]!.port;
      expect(await sentinelMasterAddress(sentinelPort, setup.masterName)).toBe(
        `127.0.0.1:${setup.master.port}`,
      );
      expect(await redisCli(setup.replicas[0]!.port, ['info', 'replication'])).toContain(
        'role:slave',
      );
    } finally {
      await setup.stop();
    }
  }, 60_000);
});
