import { createMemcachedCache } from '@pywatt/cache-memcached';
import { startMemcached } from '@pywatt/test-servers/memcached';
import memjs from 'memjs';
import { compare, withConcurrency } from '../harness.js';

const N = 50_000;
const IN_FLIGHT = 1000;
const BATCH = 100;

/**
 * 50k SET then 50k GET of 100-byte values, 1000 in flight, against raw memjs;
 * getMany, setMany and deleteMany of 100 against the same operations one by one.
 */
export default async function run(): Promise<void> {
  const server = await startMemcached();
  const address = `${server.host}:${server.port}`;
  const raw = memjs.Client.create(address, { logger: { log: () => {} } });
  const cache = await createMemcachedCache({ servers: [address], namespace: 'bench' });
  try {
    const value = Buffer.alloc(100, 7);
    const keys = Array.from({ length: N }, (_, i) => `key-${i}`);
    await compare(
      `SET then GET, ${N} each of 100 B, ${IN_FLIGHT} in flight`,
      [
        {
          name: 'raw memjs',
          round: async () => {
            await withConcurrency(N, IN_FLIGHT, (i) =>
              raw.set(`raw:${keys[i]}`, value, { expires: 300 }),
            );
            await withConcurrency(N, IN_FLIGHT, (i) => raw.get(`raw:${keys[i]}`));
          },
        },
        {
          name: 'MemcachedCache',
          round: async () => {
            await withConcurrency(N, IN_FLIGHT, (i) => cache.set(keys[i] as string, value));
            await withConcurrency(N, IN_FLIGHT, (i) => cache.get(keys[i] as string));
          },
        },
      ],
      { baseline: 'raw memjs', opsPerRound: 2 * N, rounds: 5 },
    );
    const batches = Array.from({ length: N / BATCH }, (_, b) =>
      keys.slice(b * BATCH, (b + 1) * BATCH),
    );
    await compare(
      `GET ${N} keys: getMany of ${BATCH} vs one-by-one, ${IN_FLIGHT / BATCH} batches in flight`,
      [
        {
          name: 'one-by-one get',
          round: async () => {
            await withConcurrency(N, IN_FLIGHT, (i) => cache.get(keys[i] as string));
          },
        },
        {
          name: `getMany(${BATCH})`,
          round: async () => {
            await withConcurrency(batches.length, IN_FLIGHT / BATCH, (b) =>
              cache.getMany(batches[b] as string[]),
            );
          },
        },
      ],
      { baseline: 'one-by-one get', opsPerRound: N, rounds: 5 },
    );
    await compare(
      `SET ${N} keys: setMany of ${BATCH} vs one-by-one, ${IN_FLIGHT} in flight`,
      [
        {
          name: 'one-by-one set',
          round: async () => {
            await withConcurrency(N, IN_FLIGHT, (i) => cache.set(keys[i] as string, value));
          },
        },
        {
          name: `setMany(${BATCH})`,
          round: async () => {
            await withConcurrency(batches.length, IN_FLIGHT / BATCH, (b) =>
              cache.setMany((batches[b] as string[]).map((k) => [k, value] as const)),
            );
          },
        },
      ],
      { baseline: 'one-by-one set', opsPerRound: N, rounds: 7 },
    );
    // Every delete round first stores the keys again, untimed.
    const refill = () =>
      withConcurrency(batches.length, IN_FLIGHT / BATCH, (b) =>
        cache.setMany((batches[b] as string[]).map((k) => [k, value] as const)),
      );
    await compare(
      `DELETE ${N} keys: deleteMany of ${BATCH} vs one-by-one, ${IN_FLIGHT} in flight`,
      [
        {
          name: 'one-by-one delete',
          beforeRound: refill,
          round: async () => {
            await withConcurrency(N, IN_FLIGHT, (i) => cache.delete(keys[i] as string));
          },
        },
        {
          name: `deleteMany(${BATCH})`,
          beforeRound: refill,
          round: async () => {
            await withConcurrency(batches.length, IN_FLIGHT / BATCH, (b) =>
              cache.deleteMany(batches[b] as string[]),
            );
          },
        },
      ],
      { baseline: 'one-by-one delete', opsPerRound: N, rounds: 7 },
    );
  } finally {
    raw.close();
    await cache.close();
    await server.stop();
  }
}
