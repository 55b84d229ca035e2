import { channel, tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CACHE_EVENTS_CHANNEL,
  CacheChannelName,
  type CacheEventMessage,
  type CacheOperationContext,
  cacheChannels,
  createCache,
  type OperationFamily,
  type StoreObserver,
} from '../src/index.js';
import { ReferenceCache, ReferenceStore } from '../src/testing/index.js';

/** A store that reports an event on demand, as a backend reports evictions or a lost connection. */
class FiringStore extends ReferenceStore {
  observer: StoreObserver | undefined;
  observe(observer: StoreObserver): void {
    this.observer = observer;
  }
  fire(): void {
    const o = this.observer as StoreObserver;
    if (o.events.wants('breakerOpened')) o.events.emit('breakerOpened', { ...o.source, openMs: 5 });
  }
  wants(): boolean {
    return (this.observer as StoreObserver).events.wants('eviction');
  }
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
type Step = [family: OperationFamily, event: string, seen: Record<string, unknown>];

/** What a subscriber sees at each event: the context fields that matter, copied at that moment. */
function view(context: CacheOperationContext): Record<string, unknown> {
  const seen: Record<string, unknown> = {
    operation: context.operation,
    backend: context.backend,
    namespace: context.namespace,
    keyCount: context.keyCount,
  };
  for (const field of ['keys', 'hit', 'hits', 'errorCode'] as const) {
    if (context[field] !== undefined) seen[field] = context[field];
  }
  return seen;
}

let stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

/** Subscribes to every event of the given families; returns the steps seen, in order. */
function record(...families: OperationFamily[]): Step[] {
  const steps: Step[] = [];
  for (const family of families) {
    const handlers = Object.fromEntries(
      (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((event) => [
        event,
        (context: CacheOperationContext) => steps.push([family, event, view(context)]),
      ]),
    ) as unknown as Parameters<(typeof cacheChannels)['get']['subscribe']>[0];
    const channels = tracingChannel<unknown, CacheOperationContext>(CacheChannelName[family]);
    channels.subscribe(handlers);
    stops.push(() => channels.unsubscribe(handlers));
  }
  return steps;
}

const base = { operation: 'get', backend: 'reference', namespace: 'app', keyCount: 1 };

describe('tracing channels', () => {
  it('a hit: start and end, then asyncStart and asyncEnd with hit true', async () => {
    const cache = new ReferenceCache({ namespace: 'app' });
    await cache.set('k', bytes('v'));
    const steps = record('get');
    expect(await cache.get('k')).toEqual(bytes('v'));
    const done = { ...base, hit: true };
    expect(steps).toEqual([
      ['get', 'start', base],
      ['get', 'end', base],
      ['get', 'asyncStart', done],
      ['get', 'asyncEnd', done],
    ]);
  });

  it('a miss: the same sequence with hit false', async () => {
    const cache = new ReferenceCache({ namespace: 'app' });
    const steps = record('get');
    expect(await cache.get('absent')).toBeUndefined();
    const done = { ...base, hit: false };
    expect(steps).toEqual([
      ['get', 'start', base],
      ['get', 'end', base],
      ['get', 'asyncStart', done],
      ['get', 'asyncEnd', done],
    ]);
  });

  it('getJson of a stored false, read as text from the store, is a hit; exists of an absent key a miss', async () => {
    class TextStore extends ReferenceStore {
      getString(fullKey: string): string | undefined {
        const value = this.get(fullKey);
        return value === undefined ? undefined : Buffer.from(value).toString('utf8');
      }
      setString(fullKey: string, value: string, ttlMs: number): void {
        this.set(fullKey, Buffer.from(value, 'utf8'), ttlMs);
      }
    }
    const cache = createCache(new TextStore(), { namespace: 'app' });
    await cache.setJson('flag', false);
    const steps = record('get');
    expect(await cache.getJson('flag')).toBe(false);
    expect(await cache.exists('absent')).toBe(false);
    const outcomes = steps.filter(([, event]) => event === 'asyncEnd').map(([, , seen]) => seen);
    expect(outcomes).toEqual([
      { ...base, hit: true },
      { ...base, operation: 'exists', hit: false },
    ]);
  });

  it('a backend error: error with its code, then asyncStart and asyncEnd; the caller still gets the CacheError', async () => {
    const cache = new ReferenceCache({ namespace: 'app' });
    cache.failing = true;
    const steps = record('get');
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'INTERNAL' });
    const failed = { ...base, errorCode: 'INTERNAL' };
    expect(steps).toEqual([
      ['get', 'start', base],
      ['get', 'end', base],
      ['get', 'error', failed],
      ['get', 'asyncStart', failed],
      ['get', 'asyncEnd', failed],
    ]);
    expect((await cache.stats()).errors).toBe(1);
  });

  it('a caller error (bad key) is traced with its code too', async () => {
    const cache = new ReferenceCache({});
    const steps = record('set');
    await expect(cache.set('', bytes('v'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(steps.map(([, event, seen]) => [event, seen.errorCode])).toEqual([
      ['start', undefined],
      ['end', undefined],
      ['error', 'INVALID_KEY'],
      ['asyncStart', 'INVALID_KEY'],
      ['asyncEnd', 'INVALID_KEY'],
    ]);
  });

  it('keys stay out of the context unless the cache was created with traceKeys', async () => {
    const quiet = new ReferenceCache({});
    const open = new ReferenceCache({ traceKeys: true });
    const steps = record('get', 'batch');
    await quiet.get('secret-email@example.com');
    await open.get('k');
    await open.getMany(['a', 'b']);
    expect(JSON.stringify(steps.slice(0, 4))).not.toContain('secret-email');
    expect(steps[4]?.[2].keys).toEqual(['k']);
    expect(steps[8]?.[2]).toMatchObject({ keys: ['a', 'b'], keyCount: 2 });
  });

  it('every public method publishes once, on its family, under its own name', async () => {
    const cache = new ReferenceCache({ namespace: 'app' });
    const steps = record('get', 'set', 'delete', 'batch', 'atomic', 'lock', 'clear');
    await cache.set('k', bytes('1'));
    await cache.get('k');
    await cache.exists('k');
    await cache.getString('k');
    await cache.setIfAbsent('k', bytes('2'));
    await cache.getAndSet('k', bytes('3'));
    await cache.increment('n');
    await cache.decrement('n');
    await cache.setMany([
      ['a', bytes('a')],
      ['b', bytes('b')],
    ]);
    await cache.getMany(new Set(['a', 'b', 'c']));
    await cache.deleteMany(['a']);
    const token = (await cache.lock('l', 1_000)) as string;
    await cache.extendLock('l', token, 1_000);
    await cache.unlock('l', token);
    await cache.delete('k');
    await cache.clear();
    const finished = steps
      .filter(([, event]) => event === 'asyncEnd')
      .map(([family, , seen]) => [family, seen.operation, seen.keyCount, seen.hit ?? seen.hits]);
    expect(finished).toEqual([
      ['set', 'set', 1, undefined],
      ['get', 'get', 1, true],
      ['get', 'exists', 1, true],
      ['get', 'get', 1, true],
      ['atomic', 'setIfAbsent', 1, undefined],
      ['atomic', 'getAndSet', 1, true],
      ['atomic', 'increment', 1, undefined],
      ['atomic', 'increment', 1, undefined],
      ['batch', 'setMany', 2, undefined],
      ['batch', 'getMany', 3, 2],
      ['batch', 'deleteMany', 1, undefined],
      ['lock', 'lock', 1, undefined],
      ['lock', 'extendLock', 1, undefined],
      ['lock', 'unlock', 1, undefined],
      ['delete', 'delete', 1, undefined],
      ['clear', 'clear', 0, undefined],
    ]);
    expect(steps).toHaveLength(finished.length * 4);
  });

  it('a bad batch argument still rejects with INVALID_ARGUMENT when traced', async () => {
    const cache = new ReferenceCache({});
    const steps = record('batch');
    await expect(cache.getMany('ab' as unknown as string[])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(steps.find(([, event]) => event === 'error')?.[2]).toMatchObject({
      keyCount: 0,
      errorCode: 'INVALID_ARGUMENT',
    });
  });

  it('without subscribers nothing is published and results are unchanged', async () => {
    const cache = new ReferenceCache({});
    for (const family of Object.keys(CacheChannelName) as OperationFamily[])
      expect(cacheChannels[family].hasSubscribers).toBe(false);
    await cache.set('k', bytes('v'));
    expect(await cache.get('k')).toEqual(bytes('v'));
  });
});

describe('events API', () => {
  it('on() delivers typed events until unsubscribed, also on the events channel', async () => {
    const store = new FiringStore();
    const cache = createCache(store, { namespace: 'app' });
    const seen: unknown[] = [];
    const published: CacheEventMessage[] = [];
    const onMessage = (message: unknown): void => {
      published.push(message as CacheEventMessage);
    };
    const events = channel(CACHE_EVENTS_CHANNEL);
    const off = cache.on('breakerOpened', (event) => seen.push(event));
    events.subscribe(onMessage);
    try {
      store.fire();
      off();
      store.fire();
    } finally {
      events.unsubscribe(onMessage);
    }
    expect(seen).toEqual([{ backend: 'reference', namespace: 'app', openMs: 5 }]);
    expect(published.map((m) => [m.name, m.cache === cache])).toEqual([
      ['breakerOpened', true],
      ['breakerOpened', true],
    ]);
  });

  it('a cache with no listener builds no event', () => {
    const store = new FiringStore();
    const cache = createCache(store, {});
    expect(store.wants()).toBe(false);
    const off = cache.on('eviction', () => {});
    expect(store.wants()).toBe(true);
    off();
    expect(store.wants()).toBe(false);
  });
});
