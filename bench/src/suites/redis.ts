import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRedisCache } from '@pywatt/cache-redis';
import { requireBinary } from '@pywatt/test-servers/process';
import { startRedis } from '@pywatt/test-servers/redis';
import { Redis } from 'ioredis';
import { type ComparisonOptions, type Contender, compare, withConcurrency } from '../harness.js';

const N = 50_000;
const SEQUENTIAL = 5_000;
const IN_FLIGHT = 1_000;
const BATCH = 100;
const BATCHES = 500;
const value = Buffer.alloc(100, 'x');
const key = (i: number): string => `bench:${i % 10_000}`;

/**
 * `compare`, then the client's CPU time per operation (user + system) of each
 * contender, median of the same rounds: on a shared, loaded machine wall time
 * mostly measures the scheduler, while the CPU a client spends per call does not.
 * Ratio = the baseline's CPU per op ÷ the contender's (above 1: cheaper).
 */
async function compareWithCpu(
  title: string,
  contenders: Contender[],
  options: ComparisonOptions,
): Promise<void> {
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  await compare(
    title,
    contenders.map((c) => ({
      ...c,
      round: async () => {
        const start = process.cpuUsage();
        await c.round();
        const used = process.cpuUsage(start);
        cpu.get(c.name)?.push(used.user + used.system);
      },
    })),
    options,
  );
  const median = (values: number[]): number =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const perOp = (name: string): number => median(cpu.get(name) ?? []) / options.opsPerRound;
  const base = perOp(options.baseline);
  console.log(`client CPU per operation (ratio = ${options.baseline} ÷ contender)`);
  for (const c of contenders) {
    const us = perOp(c.name);
    console.log(
      `${c.name.padEnd(40)}  ${us.toFixed(2).padStart(8)} µs  ${(base / us).toFixed(2).padStart(6)}×`,
    );
  }
}

/**
 * RedisCache against raw ioredis on one local redis-server: one awaited call at
 * a time (against plain ioredis, the issue-20 target), 1,000 in flight (against
 * auto-pipelined ioredis), and batches (MGET, pipeline), with
 * `redis-benchmark -P 16` printed as the server's ceiling.
 *
 * Like for like: every contender sends the same commands (`SET k v PX 300000`,
 * `GET` read as a Buffer with `getBuffer`, `MGET` as Buffers) with the same
 * 100-byte Buffer values and the same keys (the cache has no namespace), on its
 * own connection to the same server; "auto" contenders use ioredis's
 * auto-pipelining. What differs is what each adds per call: RedisCache checks
 * the key, counts hits/misses, bounds every command by `operationTimeoutMs` (one
 * sweep over the commands it issued) and batches the commands of one tick itself
 * (src/dispatch.ts); "auto + commandTimeout" is raw ioredis with its own timer
 * per command, the way a caller would bound commands without RedisCache;
 * "RedisCache over a commandTimeout client" is the cache given that client
 * (`client` option), so ioredis's timer instead of the sweep.
 */
export default async function run(): Promise<void> {
  const server = await startRedis();
  const plain = new Redis(server.port, '127.0.0.1');
  const auto = new Redis(server.port, '127.0.0.1', { enableAutoPipelining: true });
  // Raw ioredis bounding every command with its own timer, as a caller without RedisCache would.
  const timed = new Redis(server.port, '127.0.0.1', {
    enableAutoPipelining: true,
    commandTimeout: 5_000,
  });
  // The default TTL written out: the same `PX 300000` the raw contenders send.
  const cache = await createRedisCache({ url: server.url, defaultTtlMs: 300_000 });
  const cacheOverTimed = await createRedisCache({ client: timed, defaultTtlMs: 300_000 });
  try {
    const explicit = async (command: 'set' | 'get'): Promise<void> => {
      for (let start = 0; start < N; start += IN_FLIGHT) {
        const pipeline = plain.pipeline();
        for (let i = start; i < start + IN_FLIGHT; i++) {
          if (command === 'set') pipeline.set(key(i), value, 'PX', 300_000);
          else pipeline.getBuffer(key(i));
        }
        await pipeline.exec();
      }
    };
    // One awaited call at a time, as a request handler reading a key does.
    for (const command of ['SET', 'GET'] as const) {
      const raw = (client: Redis, i: number): Promise<unknown> =>
        command === 'SET' ? client.set(key(i), value, 'PX', 300_000) : client.getBuffer(key(i));
      await compareWithCpu(
        `sequential awaited ${command} of 100-byte values, ${SEQUENTIAL} ops, 1 in flight`,
        [
          {
            name: 'ioredis plain',
            round: () => withConcurrency(SEQUENTIAL, 1, (i) => raw(plain, i)),
          },
          {
            name: 'ioredis auto-pipelined',
            round: () => withConcurrency(SEQUENTIAL, 1, (i) => raw(auto, i)),
          },
          {
            name: `RedisCache.${command.toLowerCase()}`,
            round: () =>
              withConcurrency(SEQUENTIAL, 1, (i) =>
                command === 'SET' ? cache.set(key(i), value) : cache.get(key(i)),
              ),
          },
        ],
        // 12 = 4 × 3 contenders: each follows each other one equally often (harness.ts, roundOrder).
        { baseline: 'ioredis plain', opsPerRound: SEQUENTIAL, rounds: 12 },
      );
    }
    await compareWithCpu(
      `SET of 100-byte values, ${N} ops, ${IN_FLIGHT} in flight`,
      [
        {
          name: 'ioredis auto-pipelined',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => auto.set(key(i), value, 'PX', 300_000)),
        },
        {
          name: 'ioredis plain',
          round: () =>
            withConcurrency(N, IN_FLIGHT, (i) => plain.set(key(i), value, 'PX', 300_000)),
        },
        {
          name: 'ioredis auto + commandTimeout',
          round: () =>
            withConcurrency(N, IN_FLIGHT, (i) => timed.set(key(i), value, 'PX', 300_000)),
        },
        { name: 'ioredis explicit pipeline', round: () => explicit('set') },
        {
          name: 'RedisCache.set',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => cache.set(key(i), value)),
        },
      ],
      { baseline: 'ioredis auto-pipelined', opsPerRound: N, rounds: 5 },
    );
    await compareWithCpu(
      `GET of 100-byte values, ${N} ops, ${IN_FLIGHT} in flight`,
      [
        {
          name: 'ioredis auto-pipelined',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => auto.getBuffer(key(i))),
        },
        {
          name: 'ioredis plain',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => plain.getBuffer(key(i))),
        },
        {
          name: 'ioredis auto + commandTimeout',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => timed.getBuffer(key(i))),
        },
        { name: 'ioredis explicit pipeline', round: () => explicit('get') },
        {
          name: 'RedisCache.get',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => cache.get(key(i))),
        },
        {
          name: 'RedisCache over a commandTimeout client',
          round: () => withConcurrency(N, IN_FLIGHT, (i) => cacheOverTimed.get(key(i))),
        },
      ],
      { baseline: 'ioredis auto-pipelined', opsPerRound: N, rounds: 5 },
    );
    const batchKeys = (b: number): string[] =>
      Array.from({ length: BATCH }, (_, j) => key(b * BATCH + j));
    await compareWithCpu(
      `getMany of ${BATCH} keys, ${BATCHES} batches, 10 in flight`,
      [
        {
          name: 'ioredis MGET',
          round: () => withConcurrency(BATCHES, 10, (b) => auto.mgetBuffer(...batchKeys(b))),
        },
        {
          name: 'RedisCache.getMany',
          round: () => withConcurrency(BATCHES, 10, (b) => cache.getMany(batchKeys(b))),
        },
      ],
      { baseline: 'ioredis MGET', opsPerRound: BATCHES * BATCH, rounds: 5 },
    );
    await compareWithCpu(
      `setMany of ${BATCH} keys, ${BATCHES} batches, 10 in flight`,
      [
        {
          name: 'ioredis pipeline',
          round: () =>
            withConcurrency(BATCHES, 10, async (b) => {
              const pipeline = auto.pipeline();
              for (const k of batchKeys(b)) pipeline.set(k, value, 'PX', 300_000);
              await pipeline.exec();
            }),
        },
        {
          name: 'pipeline + commandTimeout',
          round: () =>
            withConcurrency(BATCHES, 10, async (b) => {
              const pipeline = timed.pipeline();
              for (const k of batchKeys(b)) pipeline.set(k, value, 'PX', 300_000);
              await pipeline.exec();
            }),
        },
        {
          name: 'RedisCache.setMany',
          round: () =>
            withConcurrency(BATCHES, 10, (b) => cache.setMany(batchKeys(b).map((k) => [k, value]))),
        },
      ],
      { baseline: 'ioredis pipeline', opsPerRound: BATCHES * BATCH, rounds: 5 },
    );
    const benchmark = requireBinary('redis-benchmark', 'redis-tools');
    const { stdout } = await promisify(execFile)(benchmark, [
      '-h',
      '127.0.0.1',
      '-p',
      String(server.port),
      '-t',
      'set,get',
      '-n',
      String(N),
      '-d',
      '100',
      '-P',
      '16',
      '-c',
      '50',
      '-q',
    ]);
    console.log(`\n## server ceiling: redis-benchmark -t set,get -n ${N} -d 100 -P 16 -c 50`);
    for (const line of stdout.split(/[\r\n]+/).filter((l) => l.includes('requests per second'))) {
      console.log(line.trim());
    }
  } finally {
    await cache.close();
    await cacheOverTimed.close();
    plain.disconnect();
    auto.disconnect();
    timed.disconnect();
    await server.stop();
  }
}
