import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/admin/latency-histogram.js';

/** The exact quantile of `values` by the same rank rule (the ceil(q·n)-th smallest). */
const exact = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
};

describe('LatencyHistogram', () => {
  it('reports nothing before the first record', () => {
    expect(new LatencyHistogram().quantileMs(0.5)).toBeUndefined();
  });

  it('gives p50 and p99 within one bucket (6.25 %) above the exact ones, over six decades', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    // A deterministic spread from 1 µs to about 2 s, many values per decade.
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const ms = 0.001 * 10 ** ((x / 2 ** 31) * 6.3);
      values.push(Math.round(ms * 1000) / 1000);
      h.record(ms);
    }
    expect(h.count).toBe(20_000);
    for (const q of [0.01, 0.5, 0.9, 0.99, 0.999, 1]) {
      const want = exact(values, q);
      const got = h.quantileMs(q) as number;
      expect(got).toBeGreaterThanOrEqual(want);
      expect(got).toBeLessThanOrEqual(want * 1.0625 + 0.001);
    }
  });

  it('is exact to the microsecond under 16 µs, and puts what it cannot hold in the last bucket', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 99; i++) h.record(0.007);
    h.record(10 * 3_600_000); // ten hours
    expect(h.quantileMs(0.5)).toBe(0.007);
    expect(h.quantileMs(0.99)).toBe(0.007);
    expect(h.quantileMs(1)).toBeGreaterThan(2 ** 31 / 1000 - 1);
    h.record(-1); // a clock step backwards counts as zero, never as an error
    expect(h.quantileMs(0)).toBe(0);
  });

  it('adds another histogram and resets', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 10; i++) a.record(1);
    for (let i = 0; i < 30; i++) b.record(100);
    a.add(b);
    expect(a.count).toBe(40);
    expect(a.quantileMs(0.25)).toBeCloseTo(1, 1);
    expect(a.quantileMs(0.5)! / 100).toBeCloseTo(1, 1);
    a.reset();
    expect(a.count).toBe(0);
    expect(a.quantileMs(0.5)).toBeUndefined();
  });
});
