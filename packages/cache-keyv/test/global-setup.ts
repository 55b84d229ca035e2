import { join, resolve } from 'node:path';
import { type RunningCommand, startCommand } from '@pywatt/test-servers/command';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { makeTempDir, type ServerHandle } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    memcachedServer: string;
    proxySocket: string;
    proxyToken: string;
  }
}

let servers: ServerHandle[] = [];
let proxy: RunningCommand | undefined;
let proxyDir: { path: string; remove: () => void } | undefined;
const PROXY_TOKEN = 'keyv-suite-token-0123456789';

/** A pywatt-cache-server process serving a memory cache on a Unix socket. */
async function startProxyServer(): Promise<string> {
  proxyDir = makeTempDir('keyv-proxy');
  const socketPath = join(proxyDir.path, 'cache.sock');
  const cli = resolve(import.meta.dirname, '../../cache-proxy/dist/cli.js');
  proxy = startCommand([cli, '--socket', socketPath], {
    env: { ...process.env, PYWATT_CACHE_TOKENS: `keyv ${PROXY_TOKEN}` },
  });
  await proxy.waitFor('listening');
  return socketPath;
}

/** One real redis-server and one memcached for every test file of this package. */
export async function setup(project: TestProject): Promise<void> {
  const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  servers = [redis, memcached];
  project.provide('redisUrl', redis.url);
  project.provide('memcachedServer', `${memcached.host}:${memcached.port}`);
  project.provide('proxySocket', await startProxyServer());
  project.provide('proxyToken', PROXY_TOKEN);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
  await proxy?.stop();
  proxyDir?.remove();
}
