// cache-otel kept on for a whole process, without the toggling of interleaved bench rounds:
//   npx tsx src/otel-durations-process.ts none|stats|default|<sampleEvery>
// Prints the median CPU time per awaited memory `get` (published build) of 15 rounds.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemoryCache } from '@pywatt/cache-memory';
import { type CacheInstrumentationOptions, instrumentCaches } from '@pywatt/cache-otel';

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const OPS = 300_000;
const mode = process.argv[2] ?? 'none';
const cache = new InMemoryCache();
await cache.set('k', Buffer.alloc(100, 'x'));
const meterProvider = new MeterProvider({ readers: [new ManualReader()] });
const durations: CacheInstrumentationOptions['durations'] =
  mode === 'stats' ? false : mode === 'default' ? true : { sampleEvery: Number(mode) };
if (mode !== 'none') instrumentCaches({ meterProvider, durations }).observe(cache, { tier: 'l1' });
const loop = async (): Promise<void> => {
  for (let i = 0; i < OPS; i++) await cache.get('k');
};
await loop();
await loop();
const perGetNs: number[] = [];
for (let i = 0; i < 15; i++) {
  const start = process.cpuUsage();
  await loop();
  const used = process.cpuUsage(start);
  perGetNs.push(((used.user + used.system) * 1000) / OPS);
}
perGetNs.sort((a, b) => a - b);
console.log(`${mode.padEnd(8)} ${(perGetNs[7] as number).toFixed(0)} ns per get (CPU)`);
await cache.close();
await meterProvider.shutdown();
