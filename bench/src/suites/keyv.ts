import { toKeyvStore } from '@pywatt/cache-keyv';
import { createMemoryCache } from '@pywatt/cache-memory';
import Keyv from 'keyv';
import { compare } from '../harness.js';

/**
 * What the Keyv adapter costs: Keyv over its default in-process Map, against Keyv over
 * a PyWatt memory cache through toKeyvStore. Same keys, same values, same Keyv settings.
 */
export default async function run(): Promise<void> {
  const keys = Array.from({ length: 1000 }, (_, i) => `user:${i}`);
  const value = { id: 1, name: 'Ada', roles: ['admin', 'dev'] };
  const n = 50_000;
  const cache = await createMemoryCache({ maxItems: 10_000 });
  const overMap = new Keyv({ store: new Map() });
  const overPyWatt = new Keyv({ store: toKeyvStore(cache) });
  for (const key of keys) {
    await overMap.set(key, value);
    await overPyWatt.set(key, value);
  }
  const setRound = (keyv: Keyv) => async () => {
    for (let i = 0; i < n; i++) await keyv.set(keys[i % keys.length]!, value, 60_000);
  };
  const getRound = (keyv: Keyv) => async () => {
    for (let i = 0; i < n; i++) await keyv.get(keys[i % keys.length]!);
  };
  await compare(
    'Keyv set, 50k (default Map store vs PyWatt memory store)',
    [
      { name: 'Keyv + Map', round: setRound(overMap) },
      { name: 'Keyv + toKeyvStore(memory)', round: setRound(overPyWatt) },
    ],
    { baseline: 'Keyv + Map', opsPerRound: n, rounds: 5 },
  );
  await compare(
    'Keyv get, 50k (default Map store vs PyWatt memory store)',
    [
      { name: 'Keyv + Map', round: getRound(overMap) },
      { name: 'Keyv + toKeyvStore(memory)', round: getRound(overPyWatt) },
    ],
    { baseline: 'Keyv + Map', opsPerRound: n, rounds: 5 },
  );
  await cache.close();
}
