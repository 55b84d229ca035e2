// The other process of `pnpm bench tiered`'s lag section: a tiered cache over Redis
// whose bus records, by process.hrtime (one clock per host), when each invalidation
// was applied. Driven over IPC: { op: 'applied' } answers the record; { op: 'close' } ends.
import { createRedisCache } from '@pywatt/cache-redis';
import {
  createRedisBus,
  createRedisTrackingBus,
  createTieredCache,
  type InvalidationBus,
} from '@pywatt/cache-tiered';

const [url, namespace, kind] = process.argv.slice(2) as [string, string, 'pubsub' | 'tracking'];
const applied: Array<[string, string]> = [];
const bus = kind === 'pubsub' ? createRedisBus({ url }) : createRedisTrackingBus({ url });
const recording: InvalidationBus = {
  kind: bus.kind,
  join: (listener, fullPrefix) =>
    bus.join(
      {
        invalidate(message) {
          listener.invalidate(message);
          if (message.kind !== 'keys') return;
          const at = process.hrtime.bigint().toString();
          for (const key of message.keys) applied.push([key, at]);
        },
        down: () => listener.down(),
        up: () => listener.up(),
      },
      fullPrefix,
    ),
};
const cache = await createTieredCache({
  l2: await createRedisCache({ url, namespace }),
  bus: recording,
});
process.on('message', async (request: { op: 'applied' | 'close' }) => {
  if (request.op === 'applied') {
    process.send?.({ applied });
    return;
  }
  await cache.close();
  process.disconnect?.();
});
process.send?.({ ready: true });
