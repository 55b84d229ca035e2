import { startRedis } from '@pywatt/test-servers/redis';
import { startRedisCluster } from '@pywatt/test-servers/redis-cluster';
import { startRedisSentinel } from '@pywatt/test-servers/redis-sentinel';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis:// URL of the shared single node. */
    redisUrl: string;
    /** host:port of every master of the shared Cluster. */
    clusterNodes: string[];
    /** The shared Sentinel setup. */
    sentinel: { name: string; sentinels: string[] };
  }
}

/** Starts the shared servers once per test run; a missing binary fails the run, naming its package. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [single, cluster, sentinel] = await Promise.all([
    startRedis(),
    startRedisCluster(),
    startRedisSentinel({ masterName: 'shared' }),
  ]);
  project.provide('redisUrl', single.url);
  project.provide('clusterNodes', cluster.addresses);
  project.provide('sentinel', { name: sentinel.masterName, sentinels: sentinel.sentinelAddresses });
  return async () => {
    await Promise.all([single.stop(), cluster.stop(), sentinel.stop()]);
  };
}
