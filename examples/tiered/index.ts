// A runnable tour of @pywatt/cache-tiered with two processes: this one writes, a
// child process reads through its own in-process L1, and the Redis pub/sub bus keeps
// the child's L1 from serving a value this process replaced. Starts its own
// throwaway redis-server, prints what happened and exits (non-zero if coherence failed).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '@pywatt/cache-tiered';
import { requireBinary } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';

type Request = { op: 'read'; key: string } | { op: 'close' };
type Reply = { value: unknown; l1Hits: number; l2Reads: number };

/** A tiered cache over Redis: L1 of 10,000 entries, 30 s at most, pub/sub invalidations. */
async function tieredCache(url: string) {
  const l2 = await createRedisCache({ url, namespace: 'example' });
  return createTieredCache({
    l2,
    l1: { maxItems: 10_000, ttlMs: 30_000, decoded: 'frozen' },
    bus: createRedisBus({ url }),
  });
}

if (process.argv[2] === 'reader') {
  // The child: answers reads from the parent until told to close.
  const cache = await tieredCache(process.argv[3] as string);
  process.on('message', async (request: Request) => {
    if (request.op === 'close') {
      await cache.close();
      process.disconnect();
      return;
    }
    const value = await cache.getJson(request.key);
    const { hits, misses, backend } = await cache.stats();
    process.send?.({
      value,
      l1Hits: backend.l1Hits,
      l2Reads: hits + misses - Number(backend.l1Hits),
    });
  });
  process.send?.({ ready: true });
} else {
  try {
    requireBinary('redis-server', 'redis-server');
  } catch {
    console.log('This example needs redis-server: apt-get install redis-server');
    process.exit(0);
  }
  const server = await startRedis();
  const writer = await tieredCache(server.url);
  const reader = fork(fileURLToPath(import.meta.url), ['reader', server.url], {
    execArgv: ['--import', 'tsx'],
  });
  const replies: Array<(reply: Reply) => void> = [];
  reader.on('message', (message: Reply) => replies.shift()?.(message));
  const ready = new Promise<Reply>((resolve) => replies.push(resolve));
  const read = (key: string) => {
    const reply = new Promise<Reply>((resolve) => replies.push(resolve));
    reader.send({ op: 'read', key } satisfies Request);
    return reply;
  };
  let failed = false;
  try {
    await ready;
    console.log(`redis-server at 127.0.0.1:${server.port}; reader process ${reader.pid} started`);

    await writer.setJson('user:1', { name: 'Ada', version: 1 });
    const first = await read('user:1');
    const second = await read('user:1');
    console.log('reader, first read  →', first.value, `(L2 reads so far: ${first.l2Reads})`);
    console.log('reader, second read →', second.value, `(L1 hits so far: ${second.l1Hits})`);

    await writer.setJson('user:1', { name: 'Ada Lovelace', version: 2 });
    const started = performance.now();
    let seen = await read('user:1');
    while ((seen.value as { version: number }).version !== 2) {
      if (performance.now() - started > 10_000) throw new Error('the reader never saw version 2');
      seen = await read('user:1');
    }
    console.log(
      `writer replaced user:1; the reader saw version 2 after ${(performance.now() - started).toFixed(2)} ms →`,
      seen.value,
    );
    const again = await read('user:1');
    console.log('reader, next read   →', again.value, `(L1 hits so far: ${again.l1Hits})`);
    if ((again.value as { version: number }).version !== 2)
      throw new Error('stale value came back');
  } catch (error) {
    failed = true;
    console.error(error);
  } finally {
    reader.send({ op: 'close' } satisfies Request);
    await new Promise((resolve) => reader.once('exit', resolve));
    await writer.close();
    await server.stop();
  }
  process.exit(failed ? 1 : 0);
}
