import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CacheService } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';
import { createProxyBus, createProxyCache } from '@pywatt/cache-proxy';
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '@pywatt/cache-tiered';
import {
  freePort,
  makeTempDir,
  probe,
  requireBinary,
  startManagedServer,
} from '@pywatt/test-servers/process';
import { Redis } from 'ioredis';
import { compare, withConcurrency } from '../harness.js';
import { measureInvalidationLag, recordingBus } from '../invalidation-lag.js';

const OPS = 20_000;
const LAG_WRITES = 10_000;
const IN_FLIGHT = 1000;
const KEYS = 1000;
const TOKEN = 'bench-token-0123456789abcdef';
const value = Buffer.alloc(100, 7);
const keys = Array.from({ length: KEYS }, (_, i) => `key:${i}`);

/** Half gets, half sets of 100-byte values over 1000 keys, 1000 requests in flight. */
const workload =
  (get: (k: string) => Promise<unknown>, set: (k: string) => Promise<unknown>) => () =>
    withConcurrency(OPS, IN_FLIGHT, (i) =>
      i % 2 === 0 ? set(keys[i % KEYS]!) : get(keys[(i * 7) % KEYS]!),
    );

const viaCache = (cache: CacheService) =>
  workload(
    (k) => cache.get(k),
    (k) => cache.set(k, value),
  );

/**
 * The memory backend called directly, through the proxy (server in another
 * process: pywatt-cache-server) over a Unix socket, TCP and IPC, and raw
 * ioredis (auto-pipelined) against a local redis-server as the reference.
 */
export default async function run(): Promise<void> {
  const dir = makeTempDir('bench-proxy');
  const socketPath = join(dir.path, 'cache.sock');
  const adminSocketPath = join(dir.path, 'admin.sock');
  const port = await freePort();
  const redisPort = await freePort();
  const cli = join(
    dirname(createRequire(import.meta.url).resolve('@pywatt/cache-proxy/package.json')),
    'dist',
    'cli.js',
  );
  let server: ChildProcess | undefined;
  let adminServer: ChildProcess | undefined;
  const redisServer = await startManagedServer({
    name: 'redis-server',
    binary: requireBinary('redis-server', 'redis-server'),
    args: ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port: redisPort,
    isReady: async () => (await probe(redisPort, 'PING\r\n'))?.startsWith('+PONG') ?? false,
  });
  const opened: CacheService[] = [];
  let redis: Redis | undefined;
  try {
    server = await startServer(cli, ['--socket', socketPath, '--port', String(port), '--ipc']);
    // The same server with the dashboard on: every request timed and counted into its histogram.
    adminServer = await startServer(cli, ['--socket', adminSocketPath, '--admin-port', '0']);
    const open = async (make: () => Promise<CacheService>) => {
      const cache = await make();
      opened.push(cache);
      return cache;
    };
    const memory = await open(() => createMemoryCache({}));
    const unix = await open(() => createProxyCache({ transport: { socketPath }, token: TOKEN }));
    const unixAdmin = await open(() =>
      createProxyCache({ transport: { socketPath: adminSocketPath }, token: TOKEN }),
    );
    const tcp = await open(() =>
      createProxyCache({ transport: { host: '127.0.0.1', port }, token: TOKEN }),
    );
    const ipc = await open(() =>
      createProxyCache({ transport: 'ipc', channel: server, token: TOKEN }),
    );
    redis = new Redis({
      host: '127.0.0.1',
      port: redisPort,
      enableAutoPipelining: true,
      lazyConnect: false,
    });
    await redis.ping();
    const r = redis;
    await compare(
      `get/set 100 B, ${IN_FLIGHT} in flight (${OPS / 1000}k ops)`,
      [
        { name: 'memory direct', round: viaCache(memory) },
        { name: 'proxy unix socket', round: viaCache(unix) },
        { name: 'proxy unix, dashboard on', round: viaCache(unixAdmin) },
        { name: 'proxy tcp', round: viaCache(tcp) },
        { name: 'proxy ipc', round: viaCache(ipc) },
        {
          name: 'ioredis→redis-server',
          round: workload(
            (k) => r.getBuffer(k),
            (k) => r.set(k, value, 'PX', 300_000),
          ),
        },
      ],
      { baseline: 'ioredis→redis-server', opsPerRound: OPS, rounds: 7 },
    );

    // Invalidation lag: a plain proxy client writes, a tiered cache on the proxy bus hears it
    // (writer and listener share this process; the server runs in its own). Beside it, the
    // Redis pub/sub bus between two tiered caches over the local redis-server.
    const url = `redis://127.0.0.1:${redisPort}`;
    const proxyL2 = await createProxyCache({
      transport: { socketPath },
      token: TOKEN,
      namespace: 'lag',
    });
    const proxyListener = recordingBus(createProxyBus(proxyL2));
    await open(() => createTieredCache({ l2: proxyL2, bus: proxyListener.bus }));
    const proxyWriter = await open(() =>
      createProxyCache({ transport: { socketPath }, token: TOKEN, namespace: 'lag' }),
    );
    const redisListener = recordingBus(createRedisBus({ url }));
    await open(async () =>
      createTieredCache({
        l2: await createRedisCache({ url, namespace: 'lag' }),
        namespace: 'lag',
        bus: redisListener.bus,
      }),
    );
    const redisWriter = await open(async () =>
      createTieredCache({
        l2: await createRedisCache({ url, namespace: 'lag' }),
        namespace: 'lag',
        bus: createRedisBus({ url }),
      }),
    );
    await measureInvalidationLag(
      `invalidation lag, ${LAG_WRITES} sequential writes each (machine shared, see the note in the README)`,
      [
        {
          name: 'proxy bus (plain proxy client writes, unix socket)',
          write: (k) => proxyWriter.set(k, value),
          fullKey: (k) => k,
          applied: proxyListener.applied,
        },
        {
          name: 'redis pub/sub bus (tiered cache writes)',
          write: (k) => redisWriter.set(k, value),
          fullKey: (k) => `lag:${k}`,
          applied: redisListener.applied,
        },
      ],
      LAG_WRITES,
    );
  } finally {
    await Promise.all(opened.map((c) => c.close()));
    redis?.disconnect();
    for (const child of [server, adminServer]) {
      if (child === undefined || child.exitCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await redisServer.stop();
    dir.remove();
  }
}

/** Forks pywatt-cache-server with `args` and waits until it listens. */
async function startServer(cli: string, args: string[]): Promise<ChildProcess> {
  const child = fork(cli, args, {
    env: {
      ...process.env,
      PYWATT_CACHE_TOKENS: JSON.stringify([{ token: TOKEN, namespace: 'bench' }]),
      PYWATT_CACHE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    },
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  while (!out.includes('listening')) {
    if (child.exitCode !== null) throw new Error(`pywatt-cache-server exited: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}
