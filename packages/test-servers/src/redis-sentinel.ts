import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  probe,
  requireBinary,
  type ServerHandle,
  startManagedServer,
  waitFor,
} from './process.js';
import { type RedisServer, redisCli, startRedis } from './redis.js';

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /** The monitored master's name. Default `'pywatt'`. */
  masterName?: string;
  /** Replicas of the master. Default 1. */
  replicas?: number;
  /** Sentinel processes; the quorum is a majority of them. Default 1. */
  sentinels?: number;
  /** How long the master must be silent before it is judged down, in ms. Default 1000. */
  downAfterMs?: number;
}

/** A master, its replicas and the sentinels watching them. */
export interface RedisSentinelSetup {
  /** The name clients ask the sentinels for. */
  readonly masterName: string;
  /** The master at start (after a failover it is no longer the master). */
  readonly master: RedisServer;
  readonly replicas: RedisServer[];
  readonly sentinels: ServerHandle[];
  /** `host:port` of every sentinel. */
  readonly sentinelAddresses: string[];
  /** The sentinels' quorum. */
  readonly quorum: number;
  /** Stops the sentinels, then every data node, and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts a master, `replicas` replicas replicating from it and `sentinels`
 * redis-sentinel processes monitoring it (quorum: a majority of the
 * sentinels), all on 127.0.0.1 and free ports. Resolves once every replica is
 * in sync and every sentinel knows every replica, so a failover can happen.
 * Throws, naming the Debian package, when a binary is missing.
 */
export async function startRedisSentinel(
  options: RedisSentinelOptions = {},
): Promise<RedisSentinelSetup> {
  const masterName = options.masterName ?? 'pywatt';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 1;
  const downAfterMs = options.downAfterMs ?? 1000;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const binary = requireBinary('redis-sentinel', 'redis-sentinel');
  requireBinary('redis-cli', 'redis-tools');

  const replicas: RedisServer[] = [];
  const sentinels: ServerHandle[] = [];
  const dirs: Array<{ remove: () => void }> = [];
  let master: RedisServer | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(sentinels.map((s) => s.stop()));
    await Promise.all([...replicas, ...(master ? [master] : [])].map((n) => n.stop()));
    for (const dir of dirs) dir.remove();
  };
  try {
    master = await startRedis();
    const masterPort = master.port;
    for (let i = 0; i < replicaCount; i++) {
      replicas.push(await startRedis({ args: ['--replicaof', '127.0.0.1', String(masterPort)] }));
    }
    for (const replica of replicas) {
      await waitFor(
        async () =>
          (await redisCli(replica.port, ['info', 'replication'])).includes('master_link_status:up'),
        `replica 127.0.0.1:${replica.port} to sync`,
        20_000,
      );
    }
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      const dir = makeTempDir(`sentinel-${port}`);
      dirs.push(dir);
      const conf = join(dir.path, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir.path}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} ${Math.max(downAfterMs * 5, 5000)}`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(
        await startManagedServer({
          name: 'redis-sentinel',
          binary,
          args: [conf],
          port,
          cwd: dir.path,
          isReady: async () => ((await probe(port, 'PING\r\n')) ?? '').startsWith('+PONG'),
        }),
      );
    }
    for (const sentinel of sentinels) {
      await waitFor(
        async () => {
          const out = await redisCli(sentinel.port, ['sentinel', 'replicas', masterName]);
          return replicas.every((r) => out.includes(String(r.port)));
        },
        `sentinel 127.0.0.1:${sentinel.port} to discover the replicas`,
        20_000,
      );
    }
    return {
      masterName,
      master,
      replicas,
      sentinels,
      sentinelAddresses: sentinels.map((s) => `127.0.0.1:${s.port}`),
      quorum,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Asks a sentinel which `host:port` it currently takes for the master. */
export async function sentinelMasterAddress(
  sentinelPort: number,
  masterName: string,
): Promise<string> {
  const out = (await redisCli(sentinelPort, ['sentinel', 'get-master-addr-by-name', masterName]))
    .trim()
    .split('\n');
  return `${out[0]}:${out[1]}`;
}
