import fc from 'fast-check';

/** A few keys, multi-byte ones included, so the byte accounting is exercised. */
export const KEYS = ['a', 'bb', 'ccc', 'é', '🔑', 'k5', 'k6', 'k7', 'k8', 'k9'];

/** One call on a store or cache under test. */
export type Op =
  | { kind: 'get'; key: string }
  | { kind: 'set'; key: string; valueBytes: number }
  | { kind: 'delete'; key: string };

/** A get, set (0 … 24 value bytes) or delete of one of {@link KEYS}. */
export const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom(...KEYS),
    valueBytes: fc.integer({ min: 0, max: 24 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
);

/** Fresh stats counters for a BoundedStore under test. */
export const counters = () => ({
  hits: 0,
  misses: 0,
  sets: 0,
  deletes: 0,
  evictions: 0,
  expirations: 0,
  errors: 0,
});
