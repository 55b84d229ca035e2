import { AdmissionSketch } from '../src/order/admission-sketch.js';
import { hashKey } from '../src/order/frequency-sketch.js';

// A bytes-only store sizes its sketch by its slot arrays, which start at 16.
const INITIAL_SLOTS = 16;

/**
 * True when the `tinylfu` sketch of a cache of `maxItems` counts every key of
 * `keys` exactly, as the model does: each key has a counter no other key
 * shares (so conservative update keeps it equal to the key's own count) and
 * at least one doorkeeper bit no other key sets (no false positive).
 */
export function tinyLfuCountsExactly(keys: readonly string[], maxItems: number): boolean {
  const entries = maxItems === Number.POSITIVE_INFINITY ? INITIAL_SLOTS : maxItems;
  const sketch = new AdmissionSketch(entries);
  const slots = keys.map((key) => sketch.slots(hashKey(key) | 0));
  const counters = slots.map((s) => s.counters);
  const bits = slots.map((s) => s.doorBits);
  return keys.every((_, i) => {
    const othersCounters = new Set(counters.filter((_, j) => j !== i).flat());
    const ownCounter = (counters[i] ?? []).some((counter) => !othersCounters.has(counter));
    const othersBits = new Set(bits.filter((_, j) => j !== i).flat());
    return ownCounter && (bits[i] ?? []).some((bit) => !othersBits.has(bit));
  });
}

/** `count` keys (`key-0`, `key-1`, … with gaps) that every size of `sizes` counts exactly. */
export function exactTinyLfuKeys(count: number, sizes: readonly number[]): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count && i < 10_000; i++) {
    const next = [...keys, `key-${i}`];
    if (sizes.every((size) => tinyLfuCountsExactly(next, size))) keys.push(`key-${i}`);
  }
  return keys;
}
