// One contender of `pnpm bench observability`, in a worker thread of its own (its own V8
// isolate: no other build's objects in its inline caches, its own heap and compiled code).
// It runs one round of `get` each time the parent asks (see ./isolate-rounds.ts).
import { tracingChannel } from 'node:diagnostics_channel';
import { workerData } from 'node:worker_threads';
import type { CacheService } from '@pywatt/cache-core';
import type { CacheInstrumentationOptions } from '@pywatt/cache-otel';
import { importBuild } from './git-build.js';
import { serveTurns, type WorkerSpec } from './isolate-rounds.js';
import { getRound } from './observability-rounds.js';

const { ref, backend, mode, url, opsPerRound } = workerData as WorkerSpec;
const build = await importBuild(ref);
const cache: CacheService =
  backend === 'redis' ? await build.createRedisCache({ url }) : new build.InMemoryCache({});
await cache.set('k', Buffer.alloc(100, 'x'));
// Nothing else is loaded unless asked: without cache-otel, no other copy of core is in the isolate.
let stop = async (): Promise<void> => {};
if (mode === 'channel') {
  const { CacheChannelName } = await import('@pywatt/cache-core');
  const handlers = { asyncEnd: () => {} } as unknown as Parameters<
    ReturnType<typeof tracingChannel>['subscribe']
  >[0];
  tracingChannel(CacheChannelName.get).subscribe(handlers);
} else if (mode !== 'none') {
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const { instrumentCaches } = await import('@pywatt/cache-otel');
  class ManualReader extends MetricReader {
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {}
  }
  const meterProvider = new MeterProvider({ readers: [new ManualReader()] });
  stop = () => meterProvider.shutdown();
  // stats+<probe>: stats-only metrics, the sample given to a diagnosis probe (src/obs-experiment.ts).
  const [base, probe] = mode.split('+');
  if (probe !== undefined) {
    const { startProbe } = await import('./duration-probes.js');
    if (!(await startProbe(ref, probe, meterProvider))) throw new Error(`no probe ${probe}`);
  }
  const durations: CacheInstrumentationOptions['durations'] =
    base === 'stats' ? false : mode === 'default' ? true : { sampleEvery: Number(mode) };
  instrumentCaches({ meterProvider, durations }).observe(cache, { tier: 'l1' });
}
// Only this thread runs while it is timed: the parent and the other contenders are waiting.
await serveTurns(workerData as WorkerSpec, getRound(cache, opsPerRound, backend === 'redis'));
await cache.close();
await stop();
