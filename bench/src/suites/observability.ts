import { execFileSync } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { CacheChannelName, type CacheService, DEFAULT_SAMPLE_EVERY } from '@pywatt/cache-core';
import { InMemoryCache } from '@pywatt/cache-memory';
import { type CacheInstrumentationOptions, instrumentCaches } from '@pywatt/cache-otel';
import { startRedis } from '@pywatt/test-servers/redis';
import { type Contender, printTable, withConcurrency } from '../harness.js';

// `pnpm bench observability`: what the tracing hooks and @pywatt/cache-otel cost on `get`,
// against the same caches built from the commit before the hooks (BASELINE_REF), in one run.

const BASELINE_REF = process.env.BASELINE_REF ?? 'd4b80d7';
// The hooks before sampled durations (issue 18, second part), to show this change costs nothing untraced.
const PREVIOUS_REF = process.env.PREVIOUS_REF ?? 'c5d37f6';
const MEMORY_OPS = 300_000;
const REDIS_OPS = 20_000;
const REDIS_IN_FLIGHT = 64;
const value = Buffer.alloc(100, 'x');

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Build {
  InMemoryCache: new (config: object) => CacheService;
  createRedisCache: (config: object) => Promise<CacheService>;
}

/**
 * Core, memory and redis sources of git `ref` (or of the working tree for `'worktree'`)
 * copied under bench/.tmp with their `@pywatt/cache-core` imports pointed at that copy's
 * core, so tsx compiles yesterday's code and today's the same way and they run side by side.
 */
async function loadBuild(ref: string): Promise<Build | undefined> {
  const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const repoDir = join(benchDir, '..');
  const root = join(benchDir, '.tmp', `build-${ref}`);
  const packages = ['cache-core', 'cache-memory', 'cache-redis'];
  try {
    if (ref === 'worktree') rmSync(root, { recursive: true, force: true });
    if (!existsSync(root)) {
      mkdirSync(root, { recursive: true });
      if (ref === 'worktree') {
        for (const p of packages)
          cpSync(join(repoDir, 'packages', p, 'src'), join(root, 'packages', p, 'src'), {
            recursive: true,
          });
      } else {
        const archive = execFileSync(
          'git',
          ['archive', ref, ...packages.map((p) => `packages/${p}/src`)],
          { cwd: repoDir, maxBuffer: 1 << 28 },
        );
        execFileSync('tar', ['-x', '-C', root], { input: archive });
      }
      const coreSrc = join(root, 'packages', 'cache-core', 'src');
      for (const pkg of ['cache-memory', 'cache-redis']) {
        const src = join(root, 'packages', pkg, 'src');
        for (const file of readdirSync(src, { recursive: true }).map(String)) {
          if (!file.endsWith('.ts')) continue;
          const path = join(src, file);
          const to = (target: string): string => {
            const path_ = relative(dirname(path), join(coreSrc, target));
            return `'${path_.startsWith('.') ? path_ : `./${path_}`}'`;
          };
          const text = readFileSync(path, 'utf8')
            .replaceAll("'@pywatt/cache-core'", to('index.js'))
            .replaceAll("'@pywatt/cache-core/store'", to('store/index.js'));
          writeFileSync(path, text);
        }
      }
    }
    const memory = await import(join(root, 'packages', 'cache-memory', 'src', 'index.ts'));
    const redis = await import(join(root, 'packages', 'cache-redis', 'src', 'index.ts'));
    return { InMemoryCache: memory.InMemoryCache, createRedisCache: redis.createRedisCache };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    console.log(`(cannot load ${ref}: ${String(error)})`);
    return undefined;
  }
}

/**
 * Like `compare`, but timing each round by this process's CPU time (user + system)
 * instead of the wall clock: on a machine shared with other work the wall clock mostly
 * measures the other work, while the CPU time a round spends is what a hook adds.
 */
async function compareCpu(title: string, contenders: Timed[], opsPerRound: number, rounds = 31) {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = -1; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      // Subscribing and unsubscribing are not timed: a process does them once.
      const teardown = contender.setup?.();
      const start = process.cpuUsage();
      await contender.round();
      const used = process.cpuUsage(start);
      teardown?.();
      if (r >= 0) times.get(contender.name)?.push((used.user + used.system) / 1000);
    }
  }
  const rows = contenders.map((c) => {
    const sorted = [...(times.get(c.name) ?? [])].sort((a, b) => a - b);
    const medianMs = sorted[sorted.length >> 1] as number;
    return { name: c.name, medianMs, opsPerSec: (opsPerRound / medianMs) * 1000, ratio: 0 };
  });
  for (const row of rows) row.ratio = (rows[0] as (typeof rows)[number]).medianMs / row.medianMs;
  printTable(`${title}, by CPU time`, rows, contenders[0]?.name as string, rounds);
}

/** A contender whose rounds run with `setup()` in force; `setup` returns the teardown. */
interface Timed extends Contender {
  setup?: (() => () => void) | undefined;
}

/** A contender subscribed (by `setup`) only during its own rounds. */
function during(name: string, round: () => Promise<void>, setup?: () => () => void): Timed {
  return { name, round, setup };
}

const channelSubscriber = (): (() => void) => {
  const channel = tracingChannel(CacheChannelName.get);
  const handlers = { asyncEnd: () => {} } as unknown as Parameters<typeof channel.subscribe>[0];
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
};

export default async function run(): Promise<void> {
  // Both sides compiled the same way (tsx from source); the published build (tsup) is shown too.
  const before = await loadBuild(BASELINE_REF);
  const previous = await loadBuild(PREVIOUS_REF);
  const now = await loadBuild('worktree');
  if (before === undefined || previous === undefined || now === undefined) return;
  const meterProvider = new MeterProvider({ readers: [new ManualReader()] });
  const otelOn =
    (cache: CacheService, durations: CacheInstrumentationOptions['durations']) =>
    (): (() => void) => {
      const otel = instrumentCaches({ meterProvider, durations });
      otel.observe(cache, { tier: 'l1' });
      return () => otel.close();
    };
  const otelContenders = (
    cache: CacheService,
    round: (c: CacheService) => () => Promise<void>,
    defaultEvery: number,
    otherEvery: number,
  ) => [
    during('cache-otel metrics, stats only', round(cache), otelOn(cache, false)),
    during(
      `cache-otel + durations, 1 call in ${defaultEvery} (default)`,
      round(cache),
      otelOn(cache, true),
    ),
    during(
      `cache-otel + durations, 1 in ${otherEvery}`,
      round(cache),
      otelOn(cache, { sampleEvery: otherEvery }),
    ),
    during('cache-otel + durations, every call', round(cache), otelOn(cache, { sampleEvery: 1 })),
  ];

  // ---- memory get: one hot 100-byte entry, one call at a time ----
  const memoryGets = (cache: CacheService) => async () => {
    for (let i = 0; i < MEMORY_OPS; i++) await cache.get('k');
  };
  const memory = async (create: () => CacheService): Promise<CacheService> => {
    const cache = create();
    await cache.set('k', value);
    return cache;
  };
  const old = await memory(() => new before.InMemoryCache({}));
  const oldAgain = await memory(() => new before.InMemoryCache({}));
  const prev = await memory(() => new previous.InMemoryCache({}));
  const current = await memory(() => new now.InMemoryCache({}));
  const published = await memory(() => new InMemoryCache());
  const baseline = during(`before hooks (${BASELINE_REF})`, memoryGets(old));
  const untraced = during('no subscriber', memoryGets(current));
  const title = `memory get (hit), ${MEMORY_OPS} sequential calls`;
  // 1. Nothing has subscribed to anything in this process yet: the cost of the hooks alone.
  await compareCpu(
    `${title}, nothing subscribed yet`,
    [
      baseline,
      // The same code twice: how far apart two identical contenders land is the noise of this run.
      during('before hooks, again (noise)', memoryGets(oldAgain)),
      during(`before this change (${PREVIOUS_REF})`, memoryGets(prev)),
      untraced,
      during('no subscriber, published build', memoryGets(published)),
    ],
    MEMORY_OPS,
    21,
  );
  // 2. cache-otel: durations are sampled by the caches, no tracing channel is subscribed.
  await compareCpu(
    `${title}, cache-otel`,
    [
      baseline,
      untraced,
      ...otelContenders(current, memoryGets, DEFAULT_SAMPLE_EVERY.inProcess, 32),
    ],
    MEMORY_OPS,
    15,
  );
  // 3. Last, as it subscribes and unsubscribes a channel every round (see docs/OBSERVABILITY.md):
  // each change of a channel's subscribers makes V8 recompile the code that read it.
  await compareCpu(
    `${title}, a tracing-channel subscriber every other round`,
    [
      baseline,
      untraced,
      during('channel subscriber (no-op asyncEnd)', memoryGets(current), channelSubscriber),
    ],
    MEMORY_OPS,
    11,
  );
  for (const cache of [old, oldAgain, prev, current, published]) await cache.close();

  // ---- redis get: one local redis-server, auto-pipelined, REDIS_IN_FLIGHT in flight ----
  const server = await startRedis();
  const caches: CacheService[] = [];
  try {
    const open = async (create: (config: object) => Promise<CacheService>) => {
      const cache = await create({ url: server.url });
      await cache.set('k', value);
      caches.push(cache);
      return cache;
    };
    const redisGets = (cache: CacheService) => () =>
      withConcurrency(REDIS_OPS, REDIS_IN_FLIGHT, () => cache.get('k'));
    const redisNow = await open(now.createRedisCache);
    // The Redis store was rewritten after BASELINE_REF (dispatcher, issue 20): the hooks are
    // compared with the code just before this change, which has them all but the sampling.
    const redis: Timed[] = [
      during(
        `before this change (${PREVIOUS_REF})`,
        redisGets(await open(previous.createRedisCache)),
      ),
      during('before this change, again (noise)', redisGets(await open(previous.createRedisCache))),
      during('no subscriber', redisGets(redisNow)),
      ...otelContenders(redisNow, redisGets, DEFAULT_SAMPLE_EVERY.shared, 4),
    ];
    // Wall-clock ratios of a network round trip on a loaded machine mostly measure the load:
    // the client's CPU time per call is what the hooks add.
    await compareCpu(
      `redis get (hit), ${REDIS_OPS} ops, ${REDIS_IN_FLIGHT} in flight`,
      redis,
      REDIS_OPS,
      15,
    );
  } finally {
    for (const cache of caches) await cache.close();
    await server.stop();
    await meterProvider.shutdown();
  }
}
