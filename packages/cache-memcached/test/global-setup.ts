import { startMemcached } from '@pywatt/test-servers/memcached';
import type { ServerHandle } from '@pywatt/test-servers/process';
import type { TestProject } from 'vitest/node';

/** Credentials of the SASL server the tests start (a throwaway, local to the test run). */
export const SASL_USER = { username: 'pywatt', password: 'test-only-secret' };

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of one memcached with a 2 MiB item size. */
    single: string;
    /** `host:port` of three memcached servers with a 2 MiB item size. */
    three: string[];
    /** `host:port` of a memcached with the default 1 MiB item size. */
    defaultItemSize: string;
    /** `host:port` of a memcached started with -S (SASL PLAIN). */
    sasl: string;
  }
}

const TWO_MIB = 2 * 1024 * 1024;

/** Starts the shared servers once for every test file, and stops exactly those. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: ServerHandle[] = [];
  const start = async (options: Parameters<typeof startMemcached>[0]) => {
    const server = await startMemcached(options);
    started.push(server);
    return `${server.host}:${server.port}`;
  };
  try {
    const [single, a, b, c, defaultItemSize, sasl] = await Promise.all([
      start({ maxItemBytes: TWO_MIB }),
      start({ maxItemBytes: TWO_MIB }),
      start({ maxItemBytes: TWO_MIB }),
      start({ maxItemBytes: TWO_MIB }),
      start({}),
      start({ sasl: SASL_USER }),
    ]);
    project.provide('single', single as string);
    project.provide('three', [a as string, b as string, c as string]);
    project.provide('defaultItemSize', defaultItemSize as string);
    project.provide('sasl', sasl as string);
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
}
