import { execFileSync } from 'node:child_process';
import { DEFAULT_SAMPLE_EVERY } from '@pywatt/cache-core';
import { startRedis } from '@pywatt/test-servers/redis';
import { prepareBuild } from '../git-build.js';
import { compareIsolates, type IsolateContender } from '../isolate-rounds.js';
import { MEMORY_OPS, REDIS_IN_FLIGHT, REDIS_OPS } from '../observability-rounds.js';

// `pnpm bench observability`: what the tracing hooks and @pywatt/cache-otel cost on `get`,
// against the same caches built from the commit before the hooks (BASELINE_REF), each
// contender in a V8 isolate of its own, their rounds taken in turns (../isolate-rounds.ts
// says how and why). OBS_BLOCKS=n sets the blocks of the no-subscriber and Redis tables
// (default 16); the cache-otel and channel memory tables take half as many.

const commit = (ref: string): string =>
  execFileSync('git', ['rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
const BASELINE_REF = commit(process.env.BASELINE_REF ?? 'd4b80d7');
// The hooks before sampled durations (issue 18, second part).
const PREVIOUS_REF = commit(process.env.PREVIOUS_REF ?? 'c5d37f6');
const BLOCKS = Number(process.env.OBS_BLOCKS ?? 16);

const memory = (name: string, ref: string, mode = 'none'): IsolateContender => ({
  name,
  ref,
  backend: 'memory',
  mode,
});

/** cache-otel on `backend`, with the default duration sampling and others. */
const otel = (
  make: (name: string, mode: string) => IsolateContender,
  defaultEvery: number,
  otherEvery: number,
): IsolateContender[] => [
  make('cache-otel metrics, stats only', 'stats'),
  make(`cache-otel + durations, 1 call in ${defaultEvery} (default)`, 'default'),
  make(`cache-otel + durations, 1 in ${otherEvery}`, String(otherEvery)),
  make('cache-otel + durations, every call', '1'),
];

export default async function run(): Promise<void> {
  // Both sides compiled the same way (tsx from source); the published build (tsup) is shown too.
  if (![BASELINE_REF, PREVIOUS_REF, 'worktree'].every(prepareBuild)) return;
  // OBS_ONLY=memory or redis runs that half alone.
  if (process.env.OBS_ONLY !== 'redis') await memoryTables();
  if (process.env.OBS_ONLY !== 'memory') await redisTable();
}

async function memoryTables(): Promise<void> {
  const before = memory(`before hooks (${BASELINE_REF})`, BASELINE_REF);
  const untraced = memory('no subscriber', 'worktree');
  const title = `memory get (hit), awaited one at a time`;
  const fewer = Math.max(4, Math.ceil(BLOCKS / 2));

  await compareIsolates(
    `${title}, nothing subscribed`,
    [
      before,
      // The same code in another isolate: how far from 1.00 it lands is the method's error.
      memory('before hooks, again (A/A)', BASELINE_REF),
      memory(`before sampled durations (${PREVIOUS_REF})`, PREVIOUS_REF),
      untraced,
      memory('no subscriber, published build', 'published'),
    ],
    MEMORY_OPS,
    { blocks: BLOCKS },
  );
  // cache-otel: durations are sampled by the caches, no tracing channel is subscribed.
  await compareIsolates(
    `${title}, cache-otel`,
    [
      before,
      untraced,
      ...otel((name, mode) => memory(name, 'worktree', mode), DEFAULT_SAMPLE_EVERY.inProcess, 32),
    ],
    MEMORY_OPS,
    { blocks: fewer, versus: 1 },
  );
  await compareIsolates(
    `${title}, a tracing-channel subscriber`,
    [before, untraced, memory('channel subscriber (no-op asyncEnd)', 'worktree', 'channel')],
    MEMORY_OPS,
    { blocks: fewer, versus: 1 },
  );
}

/** Redis `get`: one local redis-server, auto-pipelined, REDIS_IN_FLIGHT in flight. */
async function redisTable(): Promise<void> {
  const server = await startRedis();
  try {
    const redis = (name: string, ref: string, mode = 'none'): IsolateContender => ({
      name,
      ref,
      backend: 'redis',
      mode,
      url: server.url,
    });
    // The Redis store was rewritten after BASELINE_REF (dispatcher, issue 20): the hooks are
    // compared with the code just before the sampling, which has them all but that.
    await compareIsolates(
      `redis get (hit), ${REDIS_IN_FLIGHT} in flight`,
      [
        redis(`before sampled durations (${PREVIOUS_REF})`, PREVIOUS_REF),
        redis('before sampled durations, again (A/A)', PREVIOUS_REF),
        redis('no subscriber', 'worktree'),
        ...otel((name, mode) => redis(name, 'worktree', mode), DEFAULT_SAMPLE_EVERY.shared, 4),
      ],
      REDIS_OPS,
      { blocks: BLOCKS, rounds: 40, warmup: 20, versus: 2 },
    );
  } finally {
    await server.stop();
  }
}
