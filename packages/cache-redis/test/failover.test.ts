import { CacheError } from '@pywatt/cache-core';
import { sentinelMasterAddress, startRedisSentinel } from '@pywatt/test-servers/redis-sentinel';
import { describe, expect, it } from 'vitest';
import { createRedisCache } from '../src/index.js';
import { bytes, OUTAGE_CODES, sleep } from './helpers.js';

describe('Sentinel failover', () => {
  it('writes under load resume on the new master after the master stops', async () => {
    const setup = await startRedisSentinel({ masterName: 'failover' });
    const cache = await createRedisCache({
      sentinel: { sentinels: setup.sentinelAddresses, name: setup.masterName },
      operationTimeoutMs: 1_000,
    });
    try {
      const oldMaster = `127.0.0.1:${setup.master.port}`;
      const newMaster = `127.0.0.1:${setup.replicas[0]?.port}`;
      await cache.set('before', bytes('1'), { ttlMs: 60_000 });
      let stopped = false;
      let written = 0;
      let writtenAfterFailover = 0;
      const failures: CacheError[] = [];
      const deadline = Date.now() + 30_000;
      const writer = async (id: number): Promise<void> => {
        for (let i = 0; writtenAfterFailover < 200 && Date.now() < deadline; i++) {
          try {
            await cache.set(`w${id}:${i}`, bytes(String(i)), { ttlMs: 60_000 });
            written++;
            if (stopped && (await sentinelIsDone())) writtenAfterFailover++;
          } catch (error) {
            if (!CacheError.is(error)) throw error;
            failures.push(error);
            await sleep(20);
          }
        }
      };
      let failedOver = false;
      const sentinelIsDone = async (): Promise<boolean> => {
        failedOver ||=
          (await sentinelMasterAddress(setup.sentinels[0]!.port, setup.masterName)) === newMaster;
        return failedOver;
      };
      const writers = Array.from({ length: 10 }, (_, id) => writer(id));
      await sleep(200);
      expect(written).toBeGreaterThan(0);
      await setup.master.stop();
      stopped = true;
      await Promise.all(writers);
      expect(failedOver, `sentinel promoted ${newMaster} instead of ${oldMaster}`).toBe(true);
      expect(writtenAfterFailover).toBeGreaterThanOrEqual(200);
      for (const failure of failures)
        expect(OUTAGE_CODES.has(failure.code), failure.message).toBe(true);
      await cache.set('after', bytes('2'));
      expect((await cache.get('after'))?.toString()).toBe('2');
      // The replica had the data written before the failover.
      expect((await cache.get('before'))?.toString()).toBe('1');
    } finally {
      await cache.close();
      await setup.stop();
    }
  }, 60_000);
});
