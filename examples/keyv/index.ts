// Using a PyWatt backend from Keyv and cache-manager, unchanged application code.
import { toKeyvStore } from '@pywatt/cache-keyv';
import { createMemoryCache } from '@pywatt/cache-memory';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';

const cache = await createMemoryCache({ namespace: 'example', maxItems: 1000 });

const users = new Keyv({ store: toKeyvStore(cache), namespace: 'users' });
await users.set('1', { name: 'Ada', languages: ['en', 'fr'] }, 60_000);
console.log('keyv get users:1 →', await users.get('1'));
console.log('stored under the PyWatt key "users:1":', await cache.exists('users:1'));

const manager = createCache({ stores: [new Keyv({ store: toKeyvStore(cache) })] });
let loads = 0;
const slowLoad = async () => {
  loads++;
  await new Promise((done) => setTimeout(done, 50));
  return { report: 'weekly', rows: 42 };
};
await manager.wrap('report', slowLoad, 60_000);
const again = await manager.wrap('report', slowLoad, 60_000);
console.log(`cache-manager wrap() twice → ${JSON.stringify(again)}, loader ran ${loads} time(s)`);

await users.clear();
console.log(
  'after keyv.clear() of namespace "users":',
  await cache.exists('users:1'),
  '(other keys stay:',
  await cache.exists('keyv:report'),
  ')',
);
await cache.close();
