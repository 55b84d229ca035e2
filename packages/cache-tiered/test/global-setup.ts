import { startRedis } from '@pywatt/test-servers/redis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis:// URL of the redis-server the test files share (each uses its own namespaces). */
    redisUrl: string;
  }
}

/** One redis-server per test run, shared by the files; tests that stop a server start their own. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
