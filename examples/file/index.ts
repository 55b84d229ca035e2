import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileCache } from '@pywatt/cache-file';

// A cache in a folder of its own; several processes could share it.
const directory = join(tmpdir(), `pywatt-example-file-${process.pid}`);
const cache = await createFileCache({ directory, namespace: 'demo', defaultTtlMs: 60_000 });

await cache.setJson('user:1', { name: 'Ada', languages: ['en', 'fr'] });
console.log('user:1 =', await cache.getJson('user:1'));

console.log('visits =', await cache.increment('visits'), '→', await cache.increment('visits', 10));
console.log(
  'setIfAbsent once:',
  await cache.setIfAbsent('once', Buffer.from('x')),
  'twice:',
  await cache.setIfAbsent('once', Buffer.from('y')),
);

const token = await cache.lock('nightly-job', 5_000);
console.log(
  'lock taken:',
  token !== undefined,
  '| taken again while held:',
  (await cache.lock('nightly-job', 5_000)) !== undefined,
);
if (token !== undefined) console.log('unlocked:', await cache.unlock('nightly-job', token));

await cache.set('short', Buffer.from('gone soon'), { ttlMs: 50 });
await new Promise((resolve) => setTimeout(resolve, 100));
const report = await cache.sweep();
console.log(
  `sweep: ${report.expired} expired removed, ${report.itemCount} entries (${report.sizeBytes} bytes) left`,
);

const stats = await cache.stats();
console.log(
  `stats: ${stats.hits} hits, ${stats.misses} misses, ${stats.sets} sets, hit rate ${stats.hitRate.toFixed(2)}`,
);

await cache.close();
rmSync(directory, { recursive: true, force: true });
