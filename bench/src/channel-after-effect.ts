// What a tracing-channel subscriber leaves behind once gone, in a fresh process each time:
//   npx tsx src/channel-after-effect.ts never|once|flap
// never: nothing ever subscribes; once: a no-op subscriber comes and goes before timing;
// flap: it comes and goes before every timed round (as interleaved bench rounds do).
// Prints the median CPU time per memory `get` of 15 untraced rounds.
import { tracingChannel } from 'node:diagnostics_channel';
import { InMemoryCache } from '@pywatt/cache-memory';

const OPS = 200_000;
const mode = process.argv[2] ?? 'never';
const cache = new InMemoryCache();
await cache.set('k', Buffer.alloc(100, 'x'));
const loop = async (): Promise<void> => {
  for (let i = 0; i < OPS; i++) await cache.get('k');
};
const channel = tracingChannel('pywatt:cache:get');
const handlers = { asyncEnd() {} } as unknown as Parameters<typeof channel.subscribe>[0];
const traced = async (): Promise<void> => {
  channel.subscribe(handlers);
  await loop();
  channel.unsubscribe(handlers);
};
await loop();
await loop();
if (mode === 'once') await traced();
const perGetNs: number[] = [];
for (let i = 0; i < 15; i++) {
  if (mode === 'flap') await traced();
  const start = process.cpuUsage();
  await loop();
  const used = process.cpuUsage(start);
  perGetNs.push(((used.user + used.system) * 1000) / OPS);
}
perGetNs.sort((a, b) => a - b);
console.log(`${mode.padEnd(6)} ${(perGetNs[7] as number).toFixed(0)} ns per get (CPU)`);
await cache.close();
