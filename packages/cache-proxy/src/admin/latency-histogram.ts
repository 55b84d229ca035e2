/** Sub-buckets per power of two: a bucket is at most 1/16 (6.25 %) of its values wide. */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** Largest exponent kept: 2^31 µs is about 36 minutes; slower requests land in the last bucket. */
const MAX_EXPONENT = 30;
const BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB;

/** The bucket of a duration in whole microseconds. */
function bucketOf(micros: number): number {
  if (micros < SUB) return Math.max(micros, 0);
  if (micros >= 2 ** (MAX_EXPONENT + 1)) return BUCKETS - 1;
  const exponent = 31 - Math.clz32(micros);
  const sub = (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
  return (exponent - SUB_BITS + 1) * SUB + sub;
}

/** The largest duration, in microseconds, that falls in `bucket`. */
function upperBoundOf(bucket: number): number {
  if (bucket < SUB) return bucket;
  const exponent = Math.floor(bucket / SUB) + SUB_BITS - 1;
  const sub = bucket % SUB;
  return (SUB + sub + 1) * 2 ** (exponent - SUB_BITS) - 1;
}

/**
 * Request durations in log-linear buckets (the HdrHistogram idea, fixed at
 * 1 µs resolution and 6.25 % relative precision): recording is one array
 * increment, a quantile is one walk over 448 counters, so a busy server
 * never sorts its samples. Quantiles report the upper bound of the bucket
 * the rank falls in, so they overstate by at most one bucket width.
 */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;

  /** Requests recorded since the last {@link reset}. */
  get count(): number {
    return this.#total;
  }

  /** Records one duration in milliseconds (fractions kept to the microsecond). */
  record(durationMs: number): void {
    const bucket = bucketOf(Math.round(durationMs * 1000));
    this.#counts[bucket] = (this.#counts[bucket] as number) + 1;
    this.#total++;
  }

  /** Adds every count of `other` into this histogram. */
  add(other: LatencyHistogram): void {
    const theirs = other.#counts;
    for (let i = 0; i < BUCKETS; i++)
      this.#counts[i] = (this.#counts[i] as number) + (theirs[i] as number);
    this.#total += other.#total;
  }

  /**
   * The duration in milliseconds at or under which a `q` share of the recorded
   * requests finished (q in [0, 1]); undefined when nothing was recorded.
   */
  quantileMs(q: number): number | undefined {
    if (this.#total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return upperBoundOf(i) / 1000;
    }
    return upperBoundOf(BUCKETS - 1) / 1000;
  }

  /** Forgets every count. */
  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
  }
}
