// Diagnosis of the durations' cost (docs/OBSERVABILITY.md), by the bench's method (each
// contender in its own isolate, turns by CPU time), the worktree build only:
//   cd bench && OBS_MODES=stats,stats+noop,stats+record,stats+batch32,default npx tsx src/obs-experiment.ts
// Modes are observability-worker.ts's (none, stats, default, a sampleEvery) and
// stats+<probe> (src/duration-probes.ts); the first is the baseline. OBS_BACKEND=memory or
// redis (default), OBS_BLOCKS (default 8), OBS_DEBUG=1 for each block's ratio.
import { startRedis } from '@pywatt/test-servers/redis';
import { prepareBuild } from './git-build.js';
import { compareIsolates } from './isolate-rounds.js';
import { MEMORY_OPS, REDIS_OPS } from './observability-rounds.js';

const modes = (process.env.OBS_MODES ?? 'stats,stats+noop,stats+record,default').split(',');
const backend = process.env.OBS_BACKEND === 'memory' ? 'memory' : 'redis';
const blocks = Number(process.env.OBS_BLOCKS ?? 8);
if (prepareBuild('worktree')) {
  const server = backend === 'redis' ? await startRedis() : undefined;
  try {
    await compareIsolates(
      `${backend} get (hit), durations probes`,
      modes.map((mode, i) => ({
        name: `${i}: ${mode}`,
        ref: 'worktree',
        backend,
        mode,
        url: server?.url,
      })),
      backend === 'redis' ? REDIS_OPS : MEMORY_OPS,
      backend === 'redis' ? { blocks, rounds: 40, warmup: 20 } : { blocks },
    );
  } finally {
    await server?.stop();
  }
}
