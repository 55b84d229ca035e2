import { CacheError, CachePolicy } from '@pywatt/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedStore, NO_SLOT, WriteStatus } from '../src/bounded-store.js';
import { createMemoryCache } from '../src/index.js';
import { FrequencySketch, initialSketchWidth, SKETCH_ROWS } from '../src/order/frequency-sketch.js';
import { type ModelWrite, ReferenceModel } from './reference-model.js';
import { counters, KEYS, op } from './store-ops.js';
import { exactTinyLfuKeys, tinyLfuCountsExactly } from './tinylfu-exact.js';
import { TinyLfuModel } from './tinylfu-model.js';

const INF = Number.POSITIVE_INFINITY;

const bounds = fc.record({
  maxItems: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(INF)),
  maxSizeBytes: fc.oneof(fc.integer({ min: 8, max: 80 }), fc.constant(INF)),
});

// Short halving periods for the lfu history, so halving happens inside a sequence (step tests only).
const sampleSize = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constant(undefined));

const STATUS: Record<number, ModelWrite> = {
  [WriteStatus.STORED]: 'stored',
  [WriteStatus.TOO_LARGE]: 'too-large',
  [WriteStatus.FULL]: 'full',
};

/** The model of `policy`: tinylfu with its window fixed (the store under test fixes it too). */
const modelFor = (
  policy: CachePolicy,
  maxItems: number,
  maxSizeBytes: number,
  sampleSize: number | undefined,
) =>
  policy === 'tinylfu'
    ? new TinyLfuModel(maxItems, maxSizeBytes, sampleSize)
    : new ReferenceModel(policy, maxItems, maxSizeBytes, sampleSize);

// Enough keys that the store's slot arrays and the orders' links grow (they start at 16 slots).
// For lfu, as many as the sketch counts exactly at the widths these bounds give (checked below);
// for tinylfu, keys picked so that its sketch and doorkeeper count them exactly (checked too).
const TINYLFU_MANY = exactTinyLfuKeys(40, [20, 30]);
const many = (policy: CachePolicy) => {
  if (policy === 'tinylfu') return { keys: TINYLFU_MANY, maxItems: [20, 30] };
  const count = policy === 'lfu' ? 80 : 300;
  return {
    keys: Array.from({ length: count }, (_, i) => `key-${i}`),
    maxItems: policy === 'lfu' ? [40, 64] : [40, 200],
  };
};

/** True when each key has, in some row, a counter no other key of `keys` shares. */
function countedExactly(keys: string[], width: number): boolean {
  const sketch = new FrequencySketch(width);
  const slots = keys.map((key) => sketch.slots(key));
  return slots.every((own, i) =>
    Array.from({ length: SKETCH_ROWS }, (_, row) => row).some((row) =>
      slots.every((other, j) => j === i || other[row] !== own[row]),
    ),
  );
}

describe('the lfu history sketch, for the keys these tests use', () => {
  it('counts each exactly: every key has a counter no other test key shares, in some row', () => {
    // A counter of its own is exact, and the estimate is the smallest counter, never below
    // the true count: so the sketch gives the model's exact counts. Wider rows keep this.
    expect(countedExactly(KEYS, new FrequencySketch().width)).toBe(true);
    const { keys, maxItems } = many('lfu');
    for (const items of maxItems)
      expect(countedExactly(keys, initialSketchWidth(items))).toBe(true);
  });
});

describe('the tinylfu sketch and doorkeeper, for the keys these tests use', () => {
  it('count each exactly at every size the tests give (no shared counter in some row, no doorkeeper false positive)', () => {
    for (const maxItems of [1, 2, 3, 4, 5, 6, INF])
      expect(tinyLfuCountsExactly(KEYS, maxItems)).toBe(true);
    for (const maxItems of [20, 30])
      expect(tinyLfuCountsExactly(TINYLFU_MANY, maxItems)).toBe(true);
    expect(TINYLFU_MANY.length).toBe(40);
  });
});

describe.each(Object.values(CachePolicy))('policy %s matches the reference model', (policy) => {
  it('step by step: same present keys, same eviction order, same bytes', () => {
    fc.assert(
      fc.property(
        bounds,
        sampleSize,
        fc.array(op, { maxLength: 120, size: 'max' }),
        ({ maxItems, maxSizeBytes }, lfuSampleSize, ops) => {
          const model = modelFor(policy, maxItems, maxSizeBytes, lfuSampleSize);
          const evicted: string[] = [];
          const store = new BoundedStore(
            {
              policy,
              maxItems,
              maxSizeBytes,
              copyValues: false,
              lfuSampleSize,
              climbSampleSize: INF,
            },
            counters(),
            (key) => evicted.push(key),
          );
          const present = new Set<string>();
          for (const step of ops) {
            if (step.kind === 'get') {
              expect(store.read(step.key) !== NO_SLOT).toBe(model.read(step.key));
            } else if (step.kind === 'delete') {
              expect(store.delete(step.key)).toBe(model.delete(step.key));
            } else {
              const status = store.write(step.key, new Uint8Array(step.valueBytes), INF);
              expect(STATUS[status]).toBe(model.write(step.key, step.valueBytes));
            }
            expect(evicted).toEqual(model.evicted);
            present.clear();
            for (const key of KEYS) if (store.peek(key) !== NO_SLOT) present.add(key);
            expect([...present].sort()).toEqual(model.keys());
            expect(store.size).toBe(model.entries.length);
            expect(store.bytes).toBe(model.bytes);
            expect(store.size).toBeLessThanOrEqual(maxItems);
            expect(store.bytes).toBeLessThanOrEqual(maxSizeBytes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with many keys (slot arrays and links grow, slots are reused): same keys and evictions', () => {
    const { keys: MANY_KEYS, maxItems: MANY_MAX_ITEMS } = many(policy);
    const manyOps = fc.array(
      fc.oneof(
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('get' as const),
            key: fc.constantFrom(...MANY_KEYS),
          }),
        },
        {
          weight: 3,
          arbitrary: fc.record({
            kind: fc.constant('set' as const),
            key: fc.constantFrom(...MANY_KEYS),
            valueBytes: fc.integer({ min: 0, max: 40 }),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('delete' as const),
            key: fc.constantFrom(...MANY_KEYS),
          }),
        },
      ),
      { minLength: 300, maxLength: 1000 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...MANY_MAX_ITEMS),
        fc.oneof(fc.constant(INF), fc.integer({ min: 2000, max: 6000 })),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 50, max: 400 })),
        manyOps,
        (maxItems, maxSizeBytes, lfuSampleSize, ops) => {
          const model = modelFor(policy, maxItems, maxSizeBytes, lfuSampleSize);
          const evicted: string[] = [];
          const store = new BoundedStore(
            {
              policy,
              maxItems,
              maxSizeBytes,
              copyValues: false,
              lfuSampleSize,
              climbSampleSize: INF,
            },
            counters(),
            (key) => evicted.push(key),
          );
          for (const step of ops) {
            if (step.kind === 'get') {
              expect(store.read(step.key) !== NO_SLOT).toBe(model.read(step.key));
            } else if (step.kind === 'delete') {
              expect(store.delete(step.key)).toBe(model.delete(step.key));
            } else {
              const status = store.write(step.key, new Uint8Array(step.valueBytes), INF);
              expect(STATUS[status]).toBe(model.write(step.key, step.valueBytes));
            }
            expect(evicted.length).toBe(model.evicted.length);
            expect(store.size).toBe(model.entries.length);
            expect(store.bytes).toBe(model.bytes);
          }
          expect(evicted).toEqual(model.evicted);
          const present = MANY_KEYS.filter((key) => store.peek(key) !== NO_SLOT);
          expect(present.sort()).toEqual(model.keys());
        },
      ),
      // Shrinking a thousand steps takes minutes: report the first failing sequence as it is.
      { numRuns: 15, endOnFailure: true },
    );
  });
});

// tinylfu adapts its window through the public API (no knob fixes it), so its public-API
// property is the exact accounting in tinylfu.test.ts rather than this model.
const EXACT_POLICIES = Object.values(CachePolicy).filter((p) => p !== 'tinylfu');
describe.each(EXACT_POLICIES)('policy %s through the public API', (policy) => {
  it('same present keys, stats and errors as the reference model after every call', async () => {
    await fc.assert(
      fc.asyncProperty(
        bounds,
        fc.array(op, { maxLength: 60, size: 'max' }),
        async ({ maxItems, maxSizeBytes }, ops) => {
          const model = new ReferenceModel(policy, maxItems, maxSizeBytes);
          const cache = await createMemoryCache({
            policy,
            ...(maxItems === INF ? {} : { maxItems }),
            ...(maxSizeBytes === INF ? {} : { maxSizeBytes }),
            defaultTtlMs: INF,
          });
          try {
            for (const step of ops) {
              if (step.kind === 'get') {
                expect((await cache.get(step.key)) !== undefined).toBe(model.read(step.key));
              } else if (step.kind === 'delete') {
                expect(await cache.delete(step.key)).toBe(model.delete(step.key));
              } else {
                const expected = model.write(step.key, step.valueBytes);
                let code: string | undefined;
                try {
                  await cache.set(step.key, new Uint8Array(step.valueBytes));
                } catch (error) {
                  code = CacheError.is(error) ? error.code : String(error);
                }
                expect(code).toBe(
                  expected === 'stored'
                    ? undefined
                    : expected === 'full'
                      ? 'CAPACITY_EXCEEDED'
                      : 'VALUE_TOO_LARGE',
                );
              }
              const present: string[] = [];
              for (const key of KEYS) if (await cache.exists(key)) present.push(key);
              expect(present.sort()).toEqual(model.keys());
              const stats = await cache.stats();
              expect(stats.itemCount).toBe(model.entries.length);
              expect(stats.memoryUsedBytes).toBe(model.bytes);
              expect(stats.evictions).toBe(model.evicted.length);
            }
          } finally {
            await cache.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
