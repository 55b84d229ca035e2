// OpenTelemetry for a PyWatt cache: spans and metrics printed to the console.
// Run with `pnpm --filter @example/otel start`.
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createMemoryCache } from '@pywatt/cache-memory';
import { instrumentCaches } from '@pywatt/cache-otel';

const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new ConsoleMetricExporter(),
      exportIntervalMillis: 60_000,
    }),
  ],
});
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
});

// Durations and spans come from the core's diagnostics channels (every cache in the process);
// request counts, evictions, entries and size from the stats of the caches passed to observe().
const otel = instrumentCaches({ meterProvider, tracerProvider, durations: true, spans: true });
const cache = await createMemoryCache({ namespace: 'demo', maxItems: 2 });
otel.observe(cache, { tier: 'l1', namespace: 'demo' });

await cache.setString('a', 'first');
await cache.setString('b', 'second');
await cache.setString('c', 'third'); // evicts a
console.log('get c →', await cache.getString('c'));
console.log('get a →', await cache.getString('a'));

// Export now rather than waiting for the interval; shutdown also stops the reader's timer.
await meterProvider.forceFlush();
otel.close();
await cache.close();
await meterProvider.shutdown();
await tracerProvider.shutdown();
