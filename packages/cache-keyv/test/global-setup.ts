import { startMemcached } from '@pywatt/test-servers/memcached';
import type { ServerHandle } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    memcachedServer: string;
  }
}

let servers: ServerHandle[] = [];

/** One real redis-server and one memcached for every test file of this package. */
export async function setup(project: TestProject): Promise<void> {
  const [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  servers = [redis, memcached];
  project.provide('redisUrl', redis.url);
  project.provide('memcachedServer', `${memcached.host}:${memcached.port}`);
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
}
