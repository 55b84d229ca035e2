import { type Codec, jsonCodec } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';
import { CacheAside } from '@pywatt/cache-patterns';
import { compare } from '../harness.js';

/** Cache-aside's hit path over a bare get + decode, on the memory backend (target ≤ 1.2×). */
export default async function run(): Promise<void> {
  const payload = {
    id: 12345,
    name: 'a user name',
    tags: ['x', 'y', 'z'],
    nested: { a: 1, b: [1, 2, 3] },
  };
  type Payload = typeof payload;
  const cache = await createMemoryCache({ maxItems: 10_000 });
  const keys = Array.from({ length: 1000 }, (_, i) => `user:${i}`);
  const codec = jsonCodec as Codec<Payload>;
  // Both read the same entries: cache-aside's envelope holds plain codec bytes after its header.
  const aside = new CacheAside<Payload>(cache, { ttlMs: 3_600_000, staleMs: 60_000 });
  const loader = () => payload;
  for (const key of keys) await aside.get(key, loader);
  for (const key of keys)
    await cache.set(`bare:${key}`, codec.encode(payload), { ttlMs: 3_600_000 });
  const n = 100_000;
  let sink = 0;
  await compare(
    'cache-aside hit vs bare get + decode, memory backend (100k reads)',
    [
      {
        name: 'get+decode',
        round: async () => {
          for (let i = 0; i < n; i++) {
            const bytes = await cache.get(`bare:${keys[i % 1000]}`);
            if (bytes !== undefined) sink += codec.decode(bytes).id;
          }
        },
      },
      {
        name: 'CacheAside.get',
        round: async () => {
          for (let i = 0; i < n; i++)
            sink += (await aside.get(keys[i % 1000] as string, loader)).id;
        },
      },
    ],
    { baseline: 'get+decode', opsPerRound: n, rounds: 7 },
  );
  if (sink === 0) console.log('unreachable');
  await cache.close();
}
