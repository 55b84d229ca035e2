// A runnable tour of @pywatt/cache-redis: starts its own throwaway redis-server,
// uses the cache, prints what happened and exits.
import { CacheError } from '@pywatt/cache-core';
import { CacheAside } from '@pywatt/cache-patterns';
import { createRedisCache } from '@pywatt/cache-redis';
import { requireBinary } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';

try {
  requireBinary('redis-server', 'redis-server');
} catch {
  console.log('This example needs redis-server: apt-get install redis-server');
  process.exit(0);
}

const server = await startRedis();
const cache = await createRedisCache({
  url: server.url,
  namespace: 'example',
  defaultTtlMs: 60_000,
});
try {
  console.log(`redis-server running at 127.0.0.1:${server.port}`);

  await cache.setJson('user:1', { name: 'Ada', langs: ['en', 'fr'] });
  console.log('getJson user:1 →', await cache.getJson('user:1'));

  console.log(
    'increment visits →',
    await cache.increment('visits'),
    await cache.increment('visits', 10),
  );

  console.log('setIfAbsent once →', await cache.setIfAbsent('once', Buffer.from('a')));
  console.log('setIfAbsent again →', await cache.setIfAbsent('once', Buffer.from('b')));

  const token = await cache.lock('report', 5_000);
  console.log(
    'lock report → held:',
    token !== undefined,
    '| second lock:',
    await cache.lock('report', 5_000),
  );
  console.log('unlock with the token →', await cache.unlock('report', token as string));

  // Composed by hand: a backend package plus a pattern, no meta-package.
  let loads = 0;
  const users = new CacheAside<{ id: number; name: string }>(cache, {
    ttlMs: 30_000,
    lockTtlMs: 2_000,
  });
  const loadUser = async () => {
    loads++;
    await new Promise((done) => setTimeout(done, 50)); // a slow database
    return { id: 7, name: 'Grace' };
  };
  const burst = await Promise.all(Array.from({ length: 20 }, () => users.get('user:7', loadUser)));
  console.log(
    `cache-aside: 20 concurrent reads of user:7 → ${burst[0]?.name}, loader ran ${loads} time(s)`,
  );

  await cache.setString('greeting', 'hello');
  try {
    await cache.increment('greeting');
  } catch (error) {
    if (CacheError.is(error)) console.log(`increment of text → ${error.code}: ${error.message}`);
  }

  await cache.clear('user');
  const stats = await cache.stats();
  console.log(
    `stats → hits ${stats.hits}, misses ${stats.misses}, sets ${stats.sets}, redis ${stats.backend.redis_version}`,
  );
} finally {
  await cache.close();
  await server.stop();
}
