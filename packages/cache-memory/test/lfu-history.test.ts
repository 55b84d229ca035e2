import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedStore } from '../src/bounded-store.js';
import { createMemoryCache } from '../src/index.js';
import {
  FrequencySketch,
  initialSketchWidth,
  SKETCH_MAX_COUNT,
  SKETCH_ROWS,
} from '../src/order/frequency-sketch.js';
import { LfuOrder } from '../src/order/lfu-order.js';
import { counters } from './store-ops.js';

/** Exact counts under the sketch's documented rules (cap, halving before the use after a full sample). */
function exactCounts(keys: string[], sampleSize: number): Map<string, number> {
  const counts = new Map<string, number>();
  let recorded = 0;
  for (const key of keys) {
    if (recorded >= sampleSize) {
      for (const [k, n] of counts) counts.set(k, Math.floor(n / 2));
      recorded = 0;
    }
    recorded++;
    counts.set(key, Math.min(SKETCH_MAX_COUNT, (counts.get(key) ?? 0) + 1));
  }
  return counts;
}

describe('FrequencySketch', () => {
  it('never estimates below the true count, even when 500 keys share 64 counters a row', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 499 }), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 2000 }),
        (ids, sampleSize) => {
          const keys = ids.map((i) => `key-${i}`);
          const sketch = new FrequencySketch(64, sampleSize);
          for (const key of keys) sketch.record(key);
          for (const [key, count] of exactCounts(keys, sampleSize))
            expect(sketch.estimate(key)).toBeGreaterThanOrEqual(count);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('counts a lone key exactly, saturates at 15 and halves (rounding down) after each full sample', () => {
    const sketch = new FrequencySketch(64, 40);
    expect(sketch.estimate('k')).toBe(0);
    for (let i = 0; i < 7; i++) sketch.record('k');
    expect(sketch.estimate('k')).toBe(7);
    for (let i = 0; i < 20; i++) sketch.record('k');
    expect(sketch.estimate('k')).toBe(SKETCH_MAX_COUNT);
    for (let i = 0; i < 13; i++) sketch.record('other'); // 40 uses: the sample is full
    expect(sketch.estimate('k')).toBe(15);
    sketch.record('other'); // the next use halves first
    expect(sketch.estimate('k')).toBe(7);
    expect(sketch.estimate('other')).toBe(7); // floor(13 / 2) + 1
  });

  it('halves every 10 × width uses by default', () => {
    const sketch = new FrequencySketch(64);
    expect(sketch.width).toBe(64);
    expect(sketch.sampleSize).toBe(640);
    for (let i = 0; i < 640; i++) sketch.record(i < 3 ? 'k' : `filler-${i % 7}`);
    expect(sketch.estimate('k')).toBe(3);
    sketch.record('x');
    expect(sketch.estimate('k')).toBe(1);
  });

  it('keeps every estimate when it doubles its width', () => {
    const sketch = new FrequencySketch(64, 1_000_000);
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    keys.forEach((key, i) => {
      for (let n = 0; n < i % 9; n++) sketch.record(key);
    });
    const before = keys.map((key) => sketch.estimate(key));
    sketch.grow();
    expect(sketch.width).toBe(128);
    expect(sketch.sampleSize).toBe(1_000_000);
    expect(keys.map((key) => sketch.estimate(key))).toEqual(before);
  });

  it('starts at 4 × maxItems counters a row, between 64 and 4096', () => {
    expect(initialSketchWidth(1)).toBe(64);
    expect(initialSketchWidth(100)).toBe(512);
    expect(initialSketchWidth(1000)).toBe(4096);
    expect(initialSketchWidth(1_000_000)).toBe(4096);
    expect(initialSketchWidth(Number.POSITIVE_INFINITY)).toBe(4096);
    expect(new FrequencySketch(100).width).toBe(128);
    expect(SKETCH_ROWS).toBe(4);
  });
});

describe('lfu history', () => {
  it('gives a re-stored key the count it had, so it is not first in line', async () => {
    const cache = await createMemoryCache({ policy: 'lfu', maxItems: 2, defaultTtlMs: Infinity });
    const one = new Uint8Array([1]);
    await cache.set('a', one);
    for (let i = 0; i < 3; i++) await cache.get('a'); // 4 uses of a
    await cache.set('c', one);
    await cache.delete('a');
    await cache.set('a', one); // starts at 5 (4 remembered + this write), not at 1
    await cache.get('c'); // c: 2 uses
    await cache.set('d', one); // evicts c, the least used; without the history it would be a
    expect(await cache.exists('a')).toBe(true);
    expect(await cache.exists('c')).toBe(false);
    expect(await cache.exists('d')).toBe(true);
    await cache.close();
  });

  it('grows the sketch with the entries held and never beyond 8 counters a row per entry', () => {
    const order = new LfuOrder(16, { enabled: true, maxItems: Number.POSITIVE_INFINITY });
    const sketch = order.history as FrequencySketch;
    expect(sketch.width).toBe(4096);
    let capacity = 16;
    for (let slot = 0; slot < 20_000; slot++) {
      if (slot === capacity) {
        capacity *= 2;
        order.grow(capacity);
      }
      order.add(slot, `key-${slot}`);
      expect(sketch.width).toBeLessThanOrEqual(Math.max(4096, 8 * (slot + 1)));
    }
    expect(sketch.width).toBe(131_072);
    // Removing entries never shrinks it, and adding back up to the peak never grows it.
    for (let slot = 0; slot < 10_000; slot++) order.remove(slot);
    for (let slot = 0; slot < 10_000; slot++) order.add(slot, `again-${slot}`);
    expect(sketch.width).toBe(131_072);
  });

  it('keeps no history in an unbounded cache (nothing is ever evicted there)', () => {
    const unbounded = new BoundedStore(
      { policy: 'lfu', maxItems: Infinity, maxSizeBytes: Infinity, copyValues: false },
      counters(),
    );
    const bounded = new BoundedStore(
      { policy: 'lfu', maxItems: Infinity, maxSizeBytes: 1000, copyValues: false },
      counters(),
    );
    expect(unbounded.history).toBeNull();
    expect(bounded.history).toBeInstanceOf(FrequencySketch);
  });
});
