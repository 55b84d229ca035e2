import { performance } from 'node:perf_hooks';
import { CacheAside, withCircuitBreaker } from '@pywatt/cache-patterns';
import { createRedisCache, RedisStore } from '@pywatt/cache-redis';
import { createRedisBus, createTieredCache } from '@pywatt/cache-tiered';
import { type OutageLoadResult, runOutageLoad } from '@pywatt/test-servers/outage-load';
import { findBinary } from '@pywatt/test-servers/process';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';

// `pnpm bench resilience`: the issue-17 outage (about 2,000 getOrSet reads/s over 1,000
// hot keys for 60 s; Redis SIGSTOP at 15 s, SIGKILL at 25 s, restart at 35 s) run on
// CacheAside over the tiered cache and on bentocache (memory L1, Redis L2, Redis bus)
// with the same settings: fresh 1 s (no jitter: bentocache has none), grace 60 s, grace backoff 1 s, soft timeout
// 50 ms, hard timeout 2 s, L2 breaker open 500 ms, Redis command timeout 200 ms. Each
// contender gets its own redis-server. Latency is per request, from call to answer.

const TTL_MS = 1_000;
const GRACE_MS = 60_000;
const BACKOFF_MS = 1_000;
const SOFT_MS = 50;
const HARD_MS = 2_000;
const BREAK_MS = 500;
const OPERATION_TIMEOUT_MS = 200;

interface Value {
  key: string;
  loadedAt: number;
}

/** One contender: reads through its getOrSet, and a second instance (another process's view) to test coherence. */
interface Contender {
  read(key: string, loader: (key: string) => Promise<Value>): Promise<unknown>;
  /** Writes `value` to `key` through the second instance, then reads it back through the first. */
  writeThere(key: string, value: number): Promise<void>;
  readHere(key: string): Promise<unknown>;
  close(): Promise<void>;
}

async function pywatt(server: RedisServer): Promise<Contender> {
  const store = new RedisStore({ url: server.url, operationTimeoutMs: OPERATION_TIMEOUT_MS });
  await store.connect();
  const here = await createTieredCache({
    l2: withCircuitBreaker(store, { failureThreshold: 5, breakMs: BREAK_MS }),
    namespace: 'pw',
    bus: createRedisBus({ url: server.url }),
  });
  const there = await createTieredCache({
    l2: await createRedisCache({
      url: server.url,
      namespace: 'pw',
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
    }),
    namespace: 'pw',
    bus: createRedisBus({ url: server.url }),
  });
  const aside = new CacheAside<Value>(here, {
    ttlMs: TTL_MS,
    graceMs: GRACE_MS,
    graceBackoffMs: BACKOFF_MS,
    softTimeoutMs: SOFT_MS,
    hardTimeoutMs: HARD_MS,
  });
  return {
    read: (key, loader) => aside.get(key, ({ key: k }) => loader(k)),
    writeThere: (key, value) => there.setJson(key, value),
    readHere: (key) => here.getJson(key),
    close: async () => {
      await aside.idle();
      await Promise.allSettled([here.close(), there.close()]);
    },
  };
}

function bento(server: RedisServer): Contender {
  const make = () => {
    const connection = { host: '127.0.0.1', port: server.port };
    return new BentoCache({
      default: 'tiered',
      prefix: 'bento',
      ttl: TTL_MS,
      grace: GRACE_MS,
      graceBackoff: BACKOFF_MS,
      timeout: SOFT_MS,
      hardTimeout: HARD_MS,
      l2CircuitBreakerDuration: BREAK_MS,
      stores: {
        tiered: bentostore()
          .useL1Layer(memoryDriver({ maxItems: 10_000 }))
          .useL2Layer(
            redisDriver({ connection: { ...connection, commandTimeout: OPERATION_TIMEOUT_MS } }),
          )
          .useBus(redisBusDriver({ connection })),
      },
    });
  };
  const here = make();
  const there = make();
  return {
    read: (key, loader) => here.getOrSet({ key, factory: () => loader(key) }),
    writeThere: async (key, value) => {
      await there.set({ key, value });
    },
    readHere: (key) => here.get({ key }),
    close: async () => {
      await Promise.allSettled([here.disconnectAll(), there.disconnectAll()]);
    },
  };
}

interface Row {
  name: string;
  result: OutageLoadResult;
  loaderCalls: number;
  maxCallsPerKeyPerWindow: number;
  unhandled: number;
  coherentAfterMs: number;
}

/** The most loader calls any one key got within any window of BACKOFF_MS. */
function maxCallsInWindow(calls: Map<string, number[]>): number {
  let max = 0;
  for (const starts of calls.values()) {
    let first = 0;
    for (let last = 0; last < starts.length; last++) {
      while ((starts[last] as number) - (starts[first] as number) >= BACKOFF_MS) first++;
      max = Math.max(max, last - first + 1);
    }
  }
  return max;
}

async function measure(
  name: string,
  build: (server: RedisServer) => Promise<Contender> | Contender,
): Promise<Row> {
  const server = await startRedis();
  const contender = await build(server);
  const calls = new Map<string, number[]>();
  const loader = async (key: string): Promise<Value> => {
    const list = calls.get(key) ?? [];
    list.push(performance.now());
    calls.set(key, list);
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { key, loadedAt: Date.now() };
  };
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  let coherentAfterMs = Number.POSITIVE_INFINITY;
  try {
    const result = await runOutageLoad({
      server,
      read: (key) => contender.read(key, loader),
      acceptable: (value, key) => {
        const v = value as Value | undefined;
        return v?.key === key && Date.now() - v.loadedAt <= TTL_MS + GRACE_MS;
      },
      afterRestart: async () => {
        // From the restart until a write in the other instance is read here (≤ 30 s).
        const restarted = performance.now();
        for (let round = 1; performance.now() - restarted < 30_000; round++) {
          const ok = await contender
            .writeThere('coherence', round)
            .then(async () => {
              const wrote = performance.now();
              while (performance.now() - wrote < 1_000) {
                if ((await contender.readHere('coherence').catch(() => undefined)) === round)
                  return true;
                await new Promise((resolve) => setTimeout(resolve, 10));
              }
              return false;
            })
            .catch(() => false);
          if (ok) {
            coherentAfterMs = performance.now() - restarted;
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    });
    return {
      name,
      result,
      loaderCalls: [...calls.values()].reduce((n, list) => n + list.length, 0),
      maxCallsPerKeyPerWindow: maxCallsInWindow(calls),
      unhandled,
      coherentAfterMs,
    };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await contender.close();
    await server.stop();
  }
}

function printRows(rows: Row[]): void {
  console.log(
    `\n## Redis outage under load (SIGSTOP 10 s, SIGKILL, restart after 10 s; soft timeout ${SOFT_MS} ms)`,
  );
  const header = [
    'contender',
    'requests',
    'answered (fresh or grace)',
    'before p99 ms',
    'outage p50 ms',
    'outage p99 ms',
    'outage max ms',
    'after p99 ms',
    'loader calls',
    `max calls/key/${BACKOFF_MS} ms`,
    'unhandled rejections',
    'coherent after restart',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => ' --- ').join('|')}|`);
  for (const {
    name,
    result,
    loaderCalls,
    maxCallsPerKeyPerWindow,
    unhandled,
    coherentAfterMs,
  } of rows) {
    const cells = [
      name,
      result.requests.toLocaleString('en-US'),
      `${((100 * result.answered) / result.requests).toFixed(3)} %`,
      result.phases.before.p99Ms.toFixed(1),
      result.outage.p50Ms.toFixed(1),
      result.outage.p99Ms.toFixed(1),
      result.outage.maxMs.toFixed(0),
      result.phases.after.p99Ms.toFixed(1),
      loaderCalls.toLocaleString('en-US'),
      String(maxCallsPerKeyPerWindow),
      String(unhandled),
      Number.isFinite(coherentAfterMs) ? `${Math.round(coherentAfterMs)} ms` : 'not within 30 s',
    ];
    console.log(`| ${cells.join(' | ')} |`);
    if (result.failures.size > 0)
      console.log(`  ${name} failures: ${JSON.stringify(Object.fromEntries(result.failures))}`);
  }
}

export default async function run(): Promise<void> {
  if (findBinary('redis-server') === undefined) {
    console.log('skipped: needs redis-server');
    return;
  }
  const rows: Row[] = [];
  rows.push(await measure('pywatt CacheAside + tiered', pywatt));
  rows.push(await measure('bentocache 1.6.1', bento));
  printRows(rows);
}
