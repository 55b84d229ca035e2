import type { TracingChannelSubscribers } from 'node:diagnostics_channel';
import {
  type Attributes,
  type BatchObservableResult,
  type Histogram,
  type MeterProvider,
  metrics,
  type Observable,
  type ObservableCounter,
  type ObservableGauge,
  context as otelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  CacheChannelName,
  type CacheOperationContext,
  cacheChannels,
  type OperationFamily,
  sampleDurations,
} from '@pywatt/cache-core';
import { DurationBatch } from './duration-batch.js';
import { AttributeName, DATABASE_BACKENDS, MetricName } from './names.js';
import {
  type CacheAttributes,
  ObservedCaches,
  outcomeOf,
  type StatsSource,
} from './observed-caches.js';

const SCOPE = '@pywatt/cache-otel';
const DURATION_FLUSH = 'pywatt.cache.duration_flush';
// A span rides on the channel's context object, which lives exactly as long as the call.
const SPAN = Symbol('span');
type Traced = CacheOperationContext & { [SPAN]?: Span };

/** Options of {@link instrumentCaches}. */
export interface CacheInstrumentationOptions {
  /** Default: the global meter provider. */
  meterProvider?: MeterProvider | undefined;
  /** Default: the global tracer provider. */
  tracerProvider?: TracerProvider | undefined;
  /** Request, eviction, entry and size metrics read from `stats()` of observed caches at each collection (no cost per operation). Default true. */
  metrics?: boolean | undefined;
  /**
   * The `cache.operation.duration` histogram of every cache in the process, from a
   * sample of calls (`sampleDurations` of `@pywatt/cache-core`): `true` times one call
   * in 128 per in-process cache and one in 32 per cache that leaves the process
   * (`DEFAULT_SAMPLE_EVERY`), `{ sampleEvery: n }` one in n (1: every call). The histogram's count is then that of the sample; request counts stay exact
   * in `cache.requests`. Samples are recorded 32 at a time and at every collection
   * (and at `close()`), so an export holds every sample taken before it. Default false.
   * Cost: docs/OBSERVABILITY.md.
   */
  durations?: boolean | { sampleEvery?: number | undefined } | undefined;
  /** One span per operation, through the tracing channels. Default false. */
  spans?: boolean | undefined;
}

/** What {@link instrumentCaches} returns. */
export interface CacheInstrumentation {
  /**
   * Adds `cache` to the stats-based metrics (and gives its operations a
   * `cache.tier`). Returns the function that removes it; a closed cache is
   * removed at the next collection.
   */
  observe(cache: StatsSource & { type?: string }, attributes?: CacheAttributes): () => void;
  /** Unsubscribes from the channels and stops reporting; recorded data stays with the providers. */
  close(): void;
}

/**
 * Records OpenTelemetry metrics and spans for PyWatt caches: operation
 * durations and spans from the core's `diagnostics_channel` tracing channels
 * (every cache in the process), request counts by outcome, evictions,
 * entries and size from `stats()` of the caches passed to `observe()`.
 * Names and attributes: docs/OBSERVABILITY.md.
 */
export function instrumentCaches(options: CacheInstrumentationOptions = {}): CacheInstrumentation {
  const caches = new ObservedCaches();
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const stops: Array<() => void> = [];
  // An observable instrument the durations' flush can ride on (a callback must name one).
  let anchor: Observable | undefined;

  if (options.metrics !== false) {
    const requests = meter.createObservableCounter(MetricName.REQUESTS, {
      description: 'Cache requests by outcome (hit, miss, error)',
      unit: '{request}',
    });
    const evictions = meter.createObservableCounter(MetricName.EVICTIONS, {
      description: 'Entries evicted to respect a bound',
      unit: '{entry}',
    });
    const entries = meter.createObservableGauge(MetricName.ENTRIES, {
      description: 'Entries held',
      unit: '{entry}',
    });
    const size = meter.createObservableGauge(MetricName.SIZE, {
      description: 'Bytes held (the backend estimate)',
      unit: 'By',
    });
    const collect = (result: BatchObservableResult): Promise<void> =>
      observeStats(caches, result, { requests, evictions, entries, size });
    const instruments = [requests, evictions, entries, size];
    meter.addBatchObservableCallback(collect, instruments);
    stops.push(() => meter.removeBatchObservableCallback(collect, instruments));
    anchor = requests;
  }

  const durations = options.durations;
  if (durations !== undefined && durations !== false) {
    // Timed by the caches themselves, one call in sampleEvery: the tracing channels would
    // build a context and two promise reactions for every call (docs/OBSERVABILITY.md).
    const batch = new DurationBatch(createDuration(meter));
    const stop = sampleDurations(
      (context, durationMs) =>
        batch.add(durationMs / 1000, caches.operationAttributes(context, outcomeOf(context))),
      { sampleEvery: durations === true ? undefined : durations.sampleEvery },
    );
    // Never observed, so never exported: it only carries the flush when stats are off.
    anchor ??= meter.createObservableGauge(DURATION_FLUSH);
    const stopFlushing = batch.flushOnCollect(meter, anchor);
    stops.push(() => {
      stop();
      stopFlushing();
    });
  }
  const tracer =
    options.spans === true
      ? (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE)
      : undefined;
  if (tracer !== undefined) {
    // Only the two events needed: Node skips the missing ones (its types want all five).
    const handlers = {
      start(message: unknown): void {
        const context = message as Traced;
        context[SPAN] = startSpan(tracer, context, caches);
      },
      asyncEnd(message: unknown): void {
        const span = (message as Traced)[SPAN];
        if (span !== undefined) endSpan(span, message as CacheOperationContext);
      },
    } as unknown as TracingChannelSubscribers<CacheOperationContext>;
    for (const family of Object.keys(CacheChannelName) as OperationFamily[]) {
      const channel = cacheChannels[family];
      channel.subscribe(handlers);
      stops.push(() => channel.unsubscribe(handlers));
    }
  }

  return {
    observe: (cache, attributes = {}) => caches.add(cache, attributes),
    close: () => {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

function createDuration(meter: ReturnType<MeterProvider['getMeter']>): Histogram {
  return meter.createHistogram(MetricName.OPERATION_DURATION, {
    description: 'Duration of cache operations',
    unit: 's',
    advice: {
      explicitBucketBoundaries: [
        0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5,
      ],
    },
  });
}

interface StatsInstruments {
  requests: ObservableCounter;
  evictions: ObservableCounter;
  entries: ObservableGauge;
  size: ObservableGauge;
}

async function observeStats(
  caches: ObservedCaches,
  result: BatchObservableResult,
  instruments: StatsInstruments,
): Promise<void> {
  const polled = [...caches.polled()];
  const settled = await Promise.allSettled(polled.map(([cache]) => cache.stats()));
  for (let i = 0; i < polled.length; i++) {
    const [, base] = polled[i] as [StatsSource, Attributes];
    const outcome = settled[i] as PromiseSettledResult<Awaited<ReturnType<StatsSource['stats']>>>;
    // A closed or unreachable cache reports nothing this time (its counters are not reset).
    if (outcome.status === 'rejected') continue;
    const stats = outcome.value;
    const { requests, evictions, entries, size } = instruments;
    result.observe(requests, stats.hits, { ...base, [AttributeName.OUTCOME]: 'hit' });
    result.observe(requests, stats.misses, { ...base, [AttributeName.OUTCOME]: 'miss' });
    result.observe(requests, stats.errors, { ...base, [AttributeName.OUTCOME]: 'error' });
    result.observe(evictions, stats.evictions, base);
    if (stats.itemCount !== undefined) result.observe(entries, stats.itemCount, base);
    if (stats.memoryUsedBytes !== undefined) result.observe(size, stats.memoryUsedBytes, base);
  }
}

function startSpan(tracer: Tracer, context: CacheOperationContext, caches: ObservedCaches): Span {
  const database = DATABASE_BACKENDS.has(context.backend);
  const attributes: Attributes = {
    [AttributeName.BACKEND]: context.backend,
    [AttributeName.OPERATION]: context.operation,
    [AttributeName.KEY_COUNT]: context.keyCount,
  };
  if (context.namespace !== undefined) attributes[AttributeName.NAMESPACE] = context.namespace;
  const tier = caches.tierOf(context);
  if (tier !== undefined) attributes[AttributeName.TIER] = tier;
  if (database) {
    attributes[AttributeName.DB_SYSTEM_NAME] = context.backend;
    attributes[AttributeName.DB_OPERATION_NAME] = context.operation;
    if (context.family === 'batch' && context.keyCount >= 2)
      attributes[AttributeName.DB_BATCH_SIZE] = context.keyCount;
  }
  const kind = database || context.backend === 'proxy' ? SpanKind.CLIENT : SpanKind.INTERNAL;
  return tracer.startSpan(context.operation, { kind, attributes }, otelContext.active());
}

function endSpan(span: Span, context: CacheOperationContext): void {
  if (context.hit !== undefined) span.setAttribute(AttributeName.HIT, context.hit);
  if (context.errorCode !== undefined) {
    span.setAttribute(AttributeName.ERROR_TYPE, context.errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: context.errorCode });
  }
  span.end();
}
