import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort, requireBinary, waitFor } from './process.js';
import { type RedisServer, redisCli, startRedis } from './redis.js';

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Master nodes, at least 3 (Redis Cluster needs 3). Default 3. */
  masters?: number;
}

/** A running Redis Cluster of masters only. */
export interface RedisCluster {
  /** One handle per master, in slot order. */
  readonly nodes: RedisServer[];
  /** `host:port` of every node, for a client's seed list. */
  readonly addresses: string[];
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` masters (no replicas) on free loopback
 * ports whose bus ports (port + 10000) are free too, joins them with
 * `redis-cli --cluster create`, and resolves once every node reports
 * `cluster_state:ok`. Throws, naming the Debian package, when redis-server or
 * redis-cli is missing; stops what it started when anything fails.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`a Redis Cluster needs at least 3 masters (got ${masters})`);
  }
  const cli = requireBinary('redis-cli', 'redis-tools');
  const nodes: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort(10_000);
      nodes.push(
        await startRedis({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '3000',
          ],
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(
      cli,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    for (const node of nodes) {
      await waitFor(
        async () => (await redisCli(node.port, ['cluster', 'info'])).includes('cluster_state:ok'),
        `cluster_state:ok on 127.0.0.1:${node.port}`,
        20_000,
      );
    }
    return { nodes, addresses, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
