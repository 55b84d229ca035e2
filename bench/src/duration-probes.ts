// Diagnosis listeners for issue 18's duration cost, run by `src/obs-experiment.ts` (modes
// `stats+<probe>`: cache-otel's stats-only metrics plus sampling at the default rate, the
// sample going to one of these instead of cache-otel's histogram).
import { join } from 'node:path';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { buildDir } from './git-build.js';

type Listener = (context: unknown, durationMs: number) => void;

/**
 * Starts sampling in build `ref`'s core, each sample going to `probe` (`name` or
 * `name@sampleEvery`, default rate without); false for an unknown probe.
 */
export async function startProbe(
  ref: string,
  spec: string,
  meterProvider: MeterProvider,
): Promise<boolean> {
  const histogram = meterProvider.getMeter('probe').createHistogram('probe', { unit: 's' });
  // What cache-otel records for a Redis hit of an observed cache, built once.
  const attributes = {
    'cache.tier': 'l1',
    'cache.backend': 'redis',
    'cache.operation': 'get',
    'cache.outcome': 'hit',
  };
  const [probe = '', every] = spec.split('@');
  const held: number[] = [];
  const batch = Number(/^batch(\d+)$/.exec(probe)?.[1] ?? 0);
  const listeners: Record<string, Listener> = {
    // Sampling's own cost: the countdown, the context, the clock reads and the reaction.
    noop: () => {},
    // The SDK's record without attributes (it hashes none).
    empty: (_, ms) => histogram.record(ms / 1000),
    // One record per sample, as cache-otel did.
    record: (_, ms) => histogram.record(ms / 1000, attributes),
    // The same records, `batch` at a time.
    [`batch${batch}`]: (_, ms) => {
      if (held.push(ms / 1000) < batch) return;
      for (const seconds of held) histogram.record(seconds, attributes);
      held.length = 0;
    },
  };
  const listener = listeners[probe];
  if (listener === undefined) return false;
  const core = await import(join(buildDir(ref), 'packages', 'cache-core', 'src', 'index.ts'));
  core.sampleDurations(listener, { sampleEvery: every === undefined ? undefined : Number(every) });
  return true;
}
