import { createMemoryCache } from '@pywatt/cache-memory';
import { CacheAside } from '@pywatt/cache-patterns';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { createCache } from 'cache-manager';
import { Cacheable } from 'cacheable';
import Keyv from 'keyv';
import { compare } from '../harness.js';

/**
 * PyWatt against the caches people choose instead, in one process and one run: an
 * in-process store holding a small JSON object, each library with its defaults (Keyv
 * over its Map store, cacheable's CacheableMemory, cache-manager over Keyv,
 * bentocache's memory L1 driver, PyWatt's memory backend). Ratio = peer ÷ PyWatt.
 */
export default async function run(): Promise<void> {
  const keys = Array.from({ length: 1000 }, (_, i) => `user:${i}`);
  const value = { id: 1, name: 'Ada', roles: ['admin', 'dev'] };
  type Value = typeof value;
  const ttlMs = 3_600_000;
  const n = 20_000;

  const pywatt = await createMemoryCache({ maxItems: 10_000 });
  const aside = new CacheAside<Value>(pywatt, { ttlMs });
  const keyv = new Keyv<Value>();
  const cacheable = new Cacheable();
  const manager = createCache();
  const bento = new BentoCache({
    default: 'memory',
    stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) },
  });
  const loader = async () => value;

  type Lib = {
    name: string;
    set: (key: string) => Promise<unknown>;
    get: (key: string) => Promise<unknown>;
    getOrSet: (key: string) => Promise<unknown>;
  };
  const libs: Lib[] = [
    {
      name: 'PyWatt memory',
      set: (key) => pywatt.setJson(key, value, { ttlMs }),
      get: (key) => pywatt.getJson<Value>(key),
      getOrSet: (key) => aside.get(`aside:${key}`, loader),
    },
    {
      name: 'keyv 5.6.0',
      set: (key) => keyv.set(key, value, ttlMs),
      get: (key) => keyv.get(key),
      // Keyv has no get-or-set; a get then a set on a miss is what its users write.
      getOrSet: async (key) => (await keyv.get(key)) ?? keyv.set(key, value, ttlMs),
    },
    {
      name: 'cacheable 2.5.0',
      set: (key) => cacheable.set(key, value, ttlMs),
      get: (key) => cacheable.get(key),
      getOrSet: (key) => cacheable.getOrSet(key, loader, { ttl: ttlMs }),
    },
    {
      name: 'cache-manager 7.2.9',
      set: (key) => manager.set(key, value, ttlMs),
      get: (key) => manager.get(key),
      getOrSet: (key) => manager.wrap(key, loader, ttlMs),
    },
    {
      name: 'bentocache 1.6.1',
      set: (key) => bento.set({ key, value, ttl: ttlMs }),
      get: (key) => bento.get({ key }),
      getOrSet: (key) => bento.getOrSet({ key, factory: loader, ttl: ttlMs }),
    },
  ];
  for (const lib of libs) for (const key of keys) await lib.set(key);

  const table = async (title: string, op: keyof Omit<Lib, 'name'>) => {
    const contenders = libs.map((lib) => ({
      name: lib.name,
      round: async () => {
        const fn = lib[op];
        for (let i = 0; i < n; i++) await fn(keys[i % keys.length]!);
      },
    }));
    await compare(title, contenders, { baseline: 'PyWatt memory', opsPerRound: n, rounds: 5 });
  };
  await table('set, 20k small JSON objects, in-process', 'set');
  await table('get (hit), 20k, in-process', 'get');
  await table('get-or-set (hit: CacheAside.get / getOrSet / wrap), 20k, in-process', 'getOrSet');

  await pywatt.close();
  await cacheable.disconnect();
  await manager.disconnect();
  await bento.disconnectAll();
}
