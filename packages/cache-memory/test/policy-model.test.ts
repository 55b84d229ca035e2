import { CacheError, CachePolicy } from '@pywatt/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedStore, WriteStatus } from '../src/bounded-store.js';
import { createMemoryCache } from '../src/index.js';
import { type ModelWrite, ReferenceModel } from './reference-model.js';

// A few keys, multi-byte ones included, so the byte accounting is exercised.
const KEYS = ['a', 'bb', 'ccc', 'é', '🔑', 'k5', 'k6', 'k7', 'k8', 'k9'];
const INF = Number.POSITIVE_INFINITY;

type Op =
  | { kind: 'get'; key: string }
  | { kind: 'set'; key: string; valueBytes: number }
  | { kind: 'delete'; key: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom(...KEYS),
    valueBytes: fc.integer({ min: 0, max: 24 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
);

const bounds = fc.record({
  maxItems: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(INF)),
  maxSizeBytes: fc.oneof(fc.integer({ min: 8, max: 80 }), fc.constant(INF)),
});

const STATUS: Record<number, ModelWrite> = {
  [WriteStatus.STORED]: 'stored',
  [WriteStatus.TOO_LARGE]: 'too-large',
  [WriteStatus.FULL]: 'full',
};

const counters = () => ({
  hits: 0,
  misses: 0,
  sets: 0,
  deletes: 0,
  evictions: 0,
  expirations: 0,
  errors: 0,
});

describe.each(Object.values(CachePolicy))('policy %s matches the reference model', (policy) => {
  it('step by step: same present keys, same eviction order, same bytes', () => {
    fc.assert(
      fc.property(bounds, fc.array(op, { maxLength: 120 }), ({ maxItems, maxSizeBytes }, ops) => {
        const model = new ReferenceModel(policy, maxItems, maxSizeBytes);
        const evicted: string[] = [];
        const store = new BoundedStore(
          { policy, maxItems, maxSizeBytes, copyValues: false },
          counters(),
          (key) => evicted.push(key),
        );
        const present = new Set<string>();
        for (const step of ops) {
          if (step.kind === 'get') {
            expect(store.read(step.key) !== undefined).toBe(model.read(step.key));
          } else if (step.kind === 'delete') {
            expect(store.delete(step.key)).toBe(model.delete(step.key));
          } else {
            const status = store.write(step.key, new Uint8Array(step.valueBytes), INF);
            expect(STATUS[status]).toBe(model.write(step.key, step.valueBytes));
          }
          expect(evicted).toEqual(model.evicted);
          present.clear();
          for (const key of KEYS) if (store.peek(key) !== undefined) present.add(key);
          expect([...present].sort()).toEqual(model.keys());
          expect(store.size).toBe(model.entries.length);
          expect(store.bytes).toBe(model.bytes);
          expect(store.size).toBeLessThanOrEqual(maxItems);
          expect(store.bytes).toBeLessThanOrEqual(maxSizeBytes);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('through the public API: same present keys, stats and errors after every call', async () => {
    await fc.assert(
      fc.asyncProperty(
        bounds,
        fc.array(op, { maxLength: 60 }),
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
