// The other process of `pnpm bench tiered`'s lag section: a tiered cache over Redis
// whose bus records, by process.hrtime (one clock per host), when each invalidation
// was applied. Driven over IPC: { op: 'applied' } answers the record; { op: 'close' } ends.
import { createRedisCache } from '@pywatt/cache-redis';
import { createRedisBus, createRedisTrackingBus, createTieredCache } from '@pywatt/cache-tiered';
import { recordingBus } from './invalidation-lag.js';

const [url, namespace, kind] = process.argv.slice(2) as [string, string, 'pubsub' | 'tracking'];
const recording = recordingBus(
  kind === 'pubsub' ? createRedisBus({ url }) : createRedisTrackingBus({ url }),
);
const cache = await createTieredCache({
  l2: await createRedisCache({ url, namespace }),
  bus: recording.bus,
});
process.on('message', async (request: { op: 'applied' | 'close' }) => {
  if (request.op === 'applied') {
    // bigints do not cross IPC: the times travel as decimal strings.
    const applied = [...recording.applied].map(([key, at]) => [key, at.toString()]);
    process.send?.({ applied });
    return;
  }
  await cache.close();
  process.disconnect?.();
});
process.send?.({ ready: true });
