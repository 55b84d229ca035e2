// The orchestrator: hosts one memory cache and serves it to a module it forks,
// over the IPC channel, with a token that confines the module to its own namespace.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createMemoryCache } from '@pywatt/cache-memory';
import { startCacheServer } from '@pywatt/cache-proxy';

const cache = await createMemoryCache({ maxItems: 10_000 });
const token = randomBytes(24).toString('base64url');

// 'advanced' serialization lets frames cross the channel as bytes.
const child = fork(new URL('./module.ts', import.meta.url), [], {
  serialization: 'advanced',
  env: { ...process.env, PYWATT_CACHE_TOKEN: token },
});
const server = await startCacheServer({
  cache,
  listen: { ipc: child },
  auth: { tokens: [{ token, namespace: 'module-a' }] },
  log: (e) =>
    console.log(
      `[orchestrator] connection ${e.event}${e.namespace ? ` (namespace ${e.namespace})` : ''}`,
    ),
});

const [code] = await once(child, 'exit');
await server.close();
const stats = await cache.stats();
console.log(
  `[orchestrator] module exited with ${code}; the hosted cache holds ${stats.itemCount} entries`,
);
await cache.close();
process.exitCode = code === 0 ? 0 : 1;
