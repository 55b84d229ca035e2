import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { cacheChannels } from '@pywatt/cache-core';
import { ReferenceCache } from '@pywatt/cache-core/testing';
import { InMemoryCache } from '@pywatt/cache-memory';
import { createRedisCache } from '@pywatt/cache-redis';
import { type RedisServer, startRedis } from '@pywatt/test-servers/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CacheInstrumentation, instrumentCaches } from '../src/index.js';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const bytes = (text: string): Buffer => Buffer.from(text);

/** Every data point of metric `name` as [attributes, value]. */
function points(metrics: ResourceMetrics, name: string): Array<[Record<string, unknown>, unknown]> {
  const found = metrics.scopeMetrics
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name);
  return (found?.dataPoints ?? []).map((p: DataPoint<unknown>) => [p.attributes, p.value]);
}

let instrumentation: CacheInstrumentation | undefined;
afterEach(() => {
  instrumentation?.close();
  instrumentation = undefined;
});

describe('metrics', () => {
  it('requests by outcome, evictions, entries and size from stats; durations by operation and outcome, with cache.tier', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    instrumentation = instrumentCaches({ meterProvider, durations: { sampleEvery: 1 } });
    const l1 = new InMemoryCache({ namespace: 'app', maxItems: 2 });
    const l2 = new ReferenceCache({ namespace: 'app' });
    instrumentation.observe(l1, { tier: 'l1', namespace: 'app' });
    instrumentation.observe(l2, { tier: 'l2', namespace: 'app' });
    await l1.set('a', bytes('1'));
    await l1.set('b', bytes('22'));
    await l1.set('c', bytes('333')); // evicts a
    expect(await l1.get('c')).toEqual(bytes('333'));
    expect(await l1.get('a')).toBeUndefined();
    l2.failing = true;
    await expect(l2.get('x')).rejects.toMatchObject({ code: 'INTERNAL' });

    const { resourceMetrics, errors } = await reader.collect();
    expect(errors).toEqual([]);
    const l1Base = { 'cache.backend': 'memory', 'cache.namespace': 'app', 'cache.tier': 'l1' };
    // The reference store names itself 'reference' (it is not the memory backend).
    const l2Base = { ...l1Base, 'cache.backend': 'reference', 'cache.tier': 'l2' };
    expect(points(resourceMetrics, 'cache.requests')).toEqual([
      [{ ...l1Base, 'cache.outcome': 'hit' }, 1],
      [{ ...l1Base, 'cache.outcome': 'miss' }, 1],
      [{ ...l1Base, 'cache.outcome': 'error' }, 0],
      [{ ...l2Base, 'cache.outcome': 'hit' }, 0],
      [{ ...l2Base, 'cache.outcome': 'miss' }, 0],
      [{ ...l2Base, 'cache.outcome': 'error' }, 1],
    ]);
    expect(points(resourceMetrics, 'cache.evictions')).toEqual([
      [l1Base, 1],
      [l2Base, 0],
    ]);
    expect(points(resourceMetrics, 'cache.entries')[0]).toEqual([l1Base, 2]);
    // Key bytes (with the 'app:' prefix) plus value bytes of b and c.
    expect(points(resourceMetrics, 'cache.size')[0]).toEqual([l1Base, 5 + 2 + 5 + 3]);

    const durations = points(resourceMetrics, 'cache.operation.duration').map(
      ([attributes, value]) => [attributes, (value as Histogram).count],
    );
    const op = (operation: string, outcome: string, tier = 'l1') => ({
      ...(tier === 'l1' ? l1Base : l2Base),
      'cache.operation': operation,
      'cache.outcome': outcome,
    });
    expect(durations).toEqual([
      [op('set', 'success'), 3],
      [op('get', 'hit'), 1],
      [op('get', 'miss'), 1],
      [{ ...op('get', 'error', 'l2'), 'error.type': 'INTERNAL' }, 1],
    ]);
    await l1.close();
    await meterProvider.shutdown();
  });

  it('durations: true samples one memory call in 128 on average; cache.requests stays exact', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    instrumentation = instrumentCaches({ meterProvider, durations: true });
    const cache = new InMemoryCache();
    instrumentation.observe(cache);
    await cache.set('k', bytes('v'));
    for (let i = 0; i < 2_000; i++) await cache.get('k');
    const { resourceMetrics } = await reader.collect();
    const sampled = points(resourceMetrics, 'cache.operation.duration')
      .filter(([attributes]) => attributes['cache.operation'] === 'get')
      .map(([, value]) => (value as Histogram).count);
    // Gaps between samples are 1..255 calls: at least ceil(2000 / 255) = 8, far fewer than 2000.
    expect(sampled).toHaveLength(1);
    expect(sampled[0]).toBeGreaterThanOrEqual(8);
    expect(sampled[0]).toBeLessThan(200);
    expect(points(resourceMetrics, 'cache.requests')[0]).toEqual([
      { 'cache.backend': 'memory', 'cache.outcome': 'hit' },
      2_000,
    ]);
    await cache.close();
    await meterProvider.shutdown();
  });

  it('durations recorded in batches: every sample at each collection and at close(), with stats off', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const names = async (): Promise<string[]> =>
      (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.map((m) => m.descriptor.name),
      );
    const counts = async (): Promise<Array<[unknown, unknown]>> =>
      points((await reader.collect()).resourceMetrics, 'cache.operation.duration').map(
        ([attributes, value]) => [attributes['cache.operation'], (value as Histogram).count],
      );
    instrumentation = instrumentCaches({
      meterProvider,
      metrics: false,
      durations: { sampleEvery: 1 },
    });
    const cache = new InMemoryCache();
    await cache.set('k', bytes('v'));
    // 100 is not a multiple of the batch: the last ones wait for the collection.
    for (let i = 0; i < 100; i++) await cache.get('k');
    // Only the histogram is exported (the instrument that carries the flush never is).
    expect(await names()).toEqual(['cache.operation.duration']);
    expect(await counts()).toEqual([
      ['set', 1],
      ['get', 100],
    ]);
    for (let i = 0; i < 3; i++) await cache.get('k');
    instrumentation.close();
    instrumentation = undefined;
    await cache.get('k'); // after close(): not sampled
    expect(await counts()).toEqual([
      ['set', 1],
      ['get', 103],
    ]);
    await cache.close();
    await meterProvider.shutdown();
  });

  it('a closed cache stops reporting; close() leaves the channels without subscribers', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    instrumentation = instrumentCaches({ meterProvider, spans: true });
    expect(cacheChannels.get.hasSubscribers).toBe(true);
    const cache = new InMemoryCache();
    instrumentation.observe(cache);
    await cache.close();
    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, 'cache.requests')).toEqual([]);
    instrumentation.close();
    for (const channel of Object.values(cacheChannels)) expect(channel.hasSubscribers).toBe(false);
    await meterProvider.shutdown();
  });
});

describe('spans', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('redis operations are database client spans; errors set status and error.type', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    instrumentation = instrumentCaches({ tracerProvider, metrics: false, spans: true });
    const cache = await createRedisCache({ url: server.url, namespace: 'ns' });
    instrumentation.observe(cache, { tier: 'l2' });
    try {
      await cache.set('k', bytes('not a number'));
      await cache.get('k');
      await cache.getMany(['k', 'absent']);
      await expect(cache.increment('k')).rejects.toMatchObject({ code: 'NOT_NUMERIC' });
    } finally {
      await cache.close();
    }
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.kind, s.status.code])).toEqual([
      ['set', SpanKind.CLIENT, SpanStatusCode.UNSET],
      ['get', SpanKind.CLIENT, SpanStatusCode.UNSET],
      ['getMany', SpanKind.CLIENT, SpanStatusCode.UNSET],
      ['increment', SpanKind.CLIENT, SpanStatusCode.ERROR],
    ]);
    expect(spans[1]?.attributes).toEqual({
      'cache.backend': 'redis',
      'cache.operation': 'get',
      'cache.key_count': 1,
      'cache.namespace': 'ns',
      'cache.tier': 'l2',
      'db.system.name': 'redis',
      'db.operation.name': 'get',
      'cache.hit': true,
    });
    expect(spans[2]?.attributes['db.operation.batch.size']).toBe(2);
    expect(spans[3]?.attributes['error.type']).toBe('NOT_NUMERIC');
    await tracerProvider.shutdown();
  });

  it('memory operations are internal spans without database attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    instrumentation = instrumentCaches({ tracerProvider, metrics: false, spans: true });
    const cache = new InMemoryCache();
    await cache.get('k');
    await cache.close();
    const [span] = exporter.getFinishedSpans();
    expect([span?.name, span?.kind, span?.attributes['cache.hit']]).toEqual([
      'get',
      SpanKind.INTERNAL,
      false,
    ]);
    expect(span?.attributes['db.system.name']).toBeUndefined();
    await tracerProvider.shutdown();
  });
});
