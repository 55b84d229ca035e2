import { createMemcachedCache } from '@pywatt/cache-memcached';
import { startMemcached } from '@pywatt/test-servers/memcached';

// Starts a private memcached on a free port, uses it through @pywatt/cache-memcached, stops it.
let server: Awaited<ReturnType<typeof startMemcached>>;
try {
  server = await startMemcached();
} catch (error) {
  console.log(`memcached is not available here (${(error as Error).message.split('\n')[0]})`);
  console.log('install it with: apt-get install memcached');
  process.exit(0);
}

const cache = await createMemcachedCache({
  servers: [`${server.host}:${server.port}`],
  namespace: 'example',
  defaultTtlMs: 60_000,
});
try {
  await cache.setJson('user:1', { name: 'Ada', visits: 1 });
  console.log('stored user:1 ->', await cache.getJson('user:1'));
  console.log('page views:', await cache.increment('views'), await cache.increment('views', 9));
  const token = await cache.lock('nightly-job', 30_000);
  console.log(
    'lock taken:',
    token !== undefined,
    '| second try gets it:',
    (await cache.lock('nightly-job', 30_000)) !== undefined,
  );
  await cache.unlock('nightly-job', token as string);
  await cache.clear('user');
  console.log(
    'after clear("user"), user:1 ->',
    await cache.getJson('user:1'),
    '| views still',
    await cache.getString('views'),
  );
  const stats = await cache.stats();
  console.log(
    `hits ${stats.hits}, misses ${stats.misses}, server items ${stats.backend[`${server.host}:${server.port} curr_items`]}`,
  );
} finally {
  await cache.close();
  await server.stop();
}
