/** A seeded PRNG, so every run draws the same trace. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` key indexes drawn from Zipf(s) over `keySpace` keys (rank 0 the most popular). */
export function zipfTrace(keySpace: number, count: number, s: number, seed: number): Uint32Array {
  const cdf = new Float64Array(keySpace);
  let sum = 0;
  for (let i = 0; i < keySpace; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  const random = mulberry32(seed);
  const trace = new Uint32Array(count);
  for (let n = 0; n < count; n++) {
    const u = random() * sum;
    let lo = 0;
    let hi = keySpace - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    trace[n] = lo;
  }
  return trace;
}
