// A backend from outside this repository, reached the ways a built-in is: by URL after
// registerBackend, and through the proxy server. Its conformance run is test/map-store.test.ts.
import { randomBytes } from 'node:crypto';
import { createCacheService, registerBackend } from '@pywatt/cache-all';
import { startCacheServer } from '@pywatt/cache-proxy';
import { createCustomCache } from './map-store.js';

registerBackend({
  type: 'custom',
  schemes: ['custom'],
  load: async () => createCustomCache,
  fromUrl: () => ({}),
});

const cache = await createCacheService('custom://?namespace=demo&defaultTtlMs=60000');
await cache.setJson('user:1', { name: 'Ada' });
console.log(`[url] ${cache.type} cache holds`, await cache.getJson('user:1'));
console.log(`[url] counter`, await cache.increment('visits'), await cache.increment('visits'));

// Serve the same cache (its store, inside its namespace) to another client through the proxy.
const token = randomBytes(24).toString('base64url');
const server = await startCacheServer({
  cache,
  listen: { host: '127.0.0.1', port: 0 },
  auth: { tokens: [{ token, namespace: 'tenant' }] },
});
const address = server.addresses[0] as { host: string; port: number };
const remote = await createCacheService(
  `proxy+tcp://${address.host}:${address.port}?token=${token}`,
);
await remote.setString('greeting', 'hello through the proxy');
console.log(`[proxy] read back:`, await remote.getString('greeting'));
const stats = await cache.stats();
console.log(`[proxy] the custom store now holds ${stats.itemCount} entries`);
if (stats.itemCount !== 3) throw new Error(`expected 3 entries, found ${stats.itemCount}`);

await remote.close();
await server.close();
await cache.close();
