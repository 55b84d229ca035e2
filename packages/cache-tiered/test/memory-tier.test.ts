import { describe, expect, it } from 'vitest';
import { L1Store } from '../src/l1-store.js';
import { MemoryTier, type MemoryTierSettings } from '../src/memory-tier.js';

// The coherence rules on their own, without L2 or a bus: the order of events is set by the test.
// Keys are full keys (namespace included), as the tiered store and the bus see them.
const settings: MemoryTierSettings = {
  maxItems: 100,
  maxSizeBytes: 1_000_000,
  ttlMs: 60_000,
  maxStaleMs: 0,
  decoded: 'copy',
};
const bytes = (text: string) => Buffer.from(text);
const held = (tier: MemoryTier, key: string) => tier.lookup(key, false)?.value.toString();
const filled = (tier: MemoryTier, key: string, value: string) => {
  tier.endRead(tier.beginRead(key), bytes(value), performance.now());
};

describe('MemoryTier', () => {
  it('keeps answering the current value while a local write is in flight, then the written one', () => {
    const tier = new MemoryTier(settings, true);
    filled(tier, 'app:k', 'old');
    const write = tier.beginWrite('app:k');
    expect(held(tier, 'app:k')).toBe('old');
    tier.endWrite(write, bytes('new'), performance.now(), 1000);
    expect(held(tier, 'app:k')).toBe('new');
  });

  it('drops the entry when an invalidation overtakes a write: L2 may hold the other value', () => {
    const tier = new MemoryTier(settings, true);
    const write = tier.beginWrite('app:k');
    tier.invalidate({ kind: 'keys', keys: ['app:k'] });
    tier.endWrite(write, bytes('mine'), performance.now(), 1000);
    expect(held(tier, 'app:k')).toBeUndefined();
  });

  it('drops the entry when two local writes overlap and the first ends last', () => {
    const tier = new MemoryTier(settings, true);
    const first = tier.beginWrite('app:k');
    const second = tier.beginWrite('app:k');
    tier.endWrite(second, bytes('second'), performance.now(), 1000);
    expect(held(tier, 'app:k')).toBe('second');
    tier.endWrite(first, bytes('first'), performance.now(), 1000);
    expect(held(tier, 'app:k')).toBeUndefined();
  });

  it('a failed write drops the entry (it may have landed)', () => {
    const tier = new MemoryTier(settings, true);
    filled(tier, 'app:k', 'old');
    tier.abandonWrite(tier.beginWrite('app:k'));
    expect(held(tier, 'app:k')).toBeUndefined();
  });

  it('never fills a read that began before an invalidation of its key, its prefix or everything', () => {
    for (const message of [
      { kind: 'keys', keys: ['app:users:1'] },
      { kind: 'prefix', prefix: 'app:users:' },
      { kind: 'prefix', prefix: 'ap' },
      { kind: 'all' },
    ] as const) {
      const tier = new MemoryTier(settings, true);
      const read = tier.beginRead('app:users:1');
      tier.invalidate(message);
      tier.endRead(read, bytes('old'), performance.now());
      expect(held(tier, 'app:users:1'), message.kind).toBeUndefined();
      filled(tier, 'app:users:1', 'fresh');
      expect(held(tier, 'app:users:1')).toBe('fresh');
    }
  });

  it('ignores invalidations of other namespaces', () => {
    const tier = new MemoryTier(settings, true);
    filled(tier, 'app:k', 'v');
    tier.invalidate({ kind: 'keys', keys: ['other:k', 'k', 'app:k:1'] });
    tier.invalidate({ kind: 'prefix', prefix: 'application:' });
    expect(held(tier, 'app:k')).toBe('v');
  });

  it('reports the bus going down and coming back, but not the first join', () => {
    const tier = new MemoryTier(settings, false);
    const seen: boolean[] = [];
    tier.onBusChange = (up) => seen.push(up);
    tier.up();
    tier.down();
    tier.down();
    tier.up();
    expect(seen).toEqual([false, true]);
  });

  it('bus down: empties L1, fills nothing, and empties it again when the bus is back', () => {
    const tier = new MemoryTier(settings, true);
    filled(tier, 'app:k', 'v');
    const inFlight = tier.beginRead('app:j');
    tier.down();
    expect(held(tier, 'app:k')).toBeUndefined();
    tier.endRead(inFlight, bytes('v'), performance.now());
    filled(tier, 'app:k', 'v');
    expect(held(tier, 'app:k')).toBeUndefined();
    const beforeUp = tier.beginRead('app:k');
    tier.up();
    tier.endRead(beforeUp, bytes('v'), performance.now());
    expect(held(tier, 'app:k'), 'a read that began before the bus was back').toBeUndefined();
    filled(tier, 'app:k', 'v');
    expect(held(tier, 'app:k')).toBe('v');
  });

  it('bus down with maxStaleMs: L1 still answers, until maxStaleMs has passed', async () => {
    const tier = new MemoryTier({ ...settings, maxStaleMs: 1000 }, true);
    filled(tier, 'app:k', 'v');
    tier.down();
    expect(held(tier, 'app:k')).toBe('v');
    const downAt = performance.now();
    while (performance.now() - downAt < 1100) await new Promise((r) => setTimeout(r, 10));
    expect(held(tier, 'app:k')).toBeUndefined();
  });
});

describe('L1Store eviction (CLOCK: a read gives a second chance)', () => {
  it('evicts the oldest entry not read since eviction last passed it, and respects maxItems', () => {
    const store = new L1Store({ maxItems: 3, maxSizeBytes: 1_000 });
    const far = Number.POSITIVE_INFINITY;
    for (const key of ['a', 'b', 'c']) store.set(key, bytes(key), far);
    store.get('a', 0);
    store.get('c', 0);
    store.set('d', bytes('d'), far); // a and c were read: b goes
    expect(['a', 'b', 'c', 'd'].filter((k) => store.get(k, 0) !== undefined)).toEqual([
      'a',
      'c',
      'd',
    ]);
    // All three read just now; the pass clears their marks, then the oldest goes.
    store.set('e', bytes('e'), far);
    expect(store.size).toBe(3);
    expect(store.evictions).toBe(2);
  });
});
