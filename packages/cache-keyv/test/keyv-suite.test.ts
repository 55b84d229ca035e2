import keyvTestSuite from '@keyv/test-suite';
import type { CacheService } from '@pywatt/cache-core';
import { createFileCache } from '@pywatt/cache-file';
import { createMemcachedCache } from '@pywatt/cache-memcached';
import { createMemoryCache } from '@pywatt/cache-memory';
import { createProxyCache } from '@pywatt/cache-proxy';
import { createRedisCache } from '@pywatt/cache-redis';
import { makeTempDir } from '@pywatt/test-servers/process';
import Keyv from 'keyv';
import * as test from 'vitest';
import { toKeyvStore } from '../src/index.js';

const { afterAll, beforeAll, describe, inject } = test;

/** Runs Keyv's own adapter test suite over a PyWatt backend; every store() shares one cache. */
function keyvSuiteOver(name: string, create: () => Promise<CacheService>): void {
  describe(`Keyv's test suite over the ${name} backend`, () => {
    let cache: CacheService | undefined;
    beforeAll(async () => {
      cache = await create();
    });
    afterAll(async () => {
      await cache?.close();
    });
    keyvTestSuite(test, Keyv, () => {
      if (cache === undefined) throw new Error(`the ${name} cache was not created`);
      return toKeyvStore(cache);
    });
  });
}

const namespace = `keyv-${process.pid}`;
const dir = makeTempDir('keyv-file');
afterAll(() => dir.remove());

keyvSuiteOver('memory', () => createMemoryCache({ namespace }));
keyvSuiteOver('file', () => createFileCache({ directory: dir.path, namespace }));
keyvSuiteOver('redis', () => createRedisCache({ url: inject('redisUrl'), namespace }));
keyvSuiteOver('proxy', () =>
  createProxyCache({
    transport: { socketPath: inject('proxySocket') },
    token: inject('proxyToken'),
    namespace,
  }),
);
keyvSuiteOver('memcached', () =>
  createMemcachedCache({ servers: [inject('memcachedServer')], namespace }),
);
