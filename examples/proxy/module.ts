// The module: asks its orchestrator for cache operations instead of opening its own connections.
import { createProxyCache } from '@pywatt/cache-proxy';

const cache = await createProxyCache({ transport: 'ipc', namespace: 'v1' }); // token from PYWATT_CACHE_TOKEN
await cache.setJson('user:42', { name: 'Ada', plan: 'pro' }, { ttlMs: 60_000 });
console.log('[module] cached user:42 →', await cache.getJson('user:42'));
console.log(
  '[module] page views:',
  await cache.increment('views'),
  await cache.increment('views', 10),
);
const lock = await cache.lock('nightly-report', 5_000);
console.log(
  `[module] took the nightly-report lock: ${lock !== undefined}; a second try gets it: ${(await cache.lock('nightly-report', 5_000)) !== undefined}`,
);
await cache.unlock('nightly-report', lock!);
await cache.close();
