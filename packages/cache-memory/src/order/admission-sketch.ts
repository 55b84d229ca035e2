import { FrequencySketch, SKETCH_MIN_WIDTH } from './frequency-sketch.js';

/** Recorded uses per sample, per entry the cache can hold: counts are halved after each sample. */
export const ADMISSION_SAMPLE_FACTOR = 10;
/** Doorkeeper bits per use in a sample (before rounding up to a power of two). */
export const DOORKEEPER_BITS_PER_USE = 1;
/** Fewest doorkeeper bits (128 bytes), so small caches do not see false positives all the time. */
const DOORKEEPER_MIN_BITS = 1024;
/** Probes per key into the doorkeeper. */
const DOORKEEPER_PROBES = 3;
const INFINITY = Number.POSITIVE_INFINITY;

/**
 * The frequency filter of TinyLFU (Einziger, Friedman and Manes): a count-min
 * {@link FrequencySketch} behind a doorkeeper. The doorkeeper is a Bloom
 * filter that absorbs the first use of a key in each sample, so the many keys
 * seen once never reach the counters; the estimate of a key is its counters'
 * minimum plus one if the doorkeeper holds it. After every sample of
 * `sampleSize` recorded uses the counters are halved and the doorkeeper is
 * cleared, so the filter tracks recent popularity (aging by "reset").
 *
 * Sized from the most entries the cache holds (`maxItems`, or the entries held
 * when only bytes bound it, growing with them): `4 × width` bytes of counters
 * with `width` that count rounded up to a power of two (at least 64), and a
 * doorkeeper of `sampleSize` bits rounded up likewise — together under 8 bytes
 * per entry, plus the power-of-two rounding.
 */
export class AdmissionSketch {
  readonly #counters: FrequencySketch;
  #doorkeeper: Uint32Array;
  #doorMask: number;
  #sampleSize: number;
  #recorded = 0;
  #halvings = 0;

  /** `entries`: the most entries the cache holds; `sampleSize` overrides the halving period (tests). */
  constructor(
    entries: number,
    readonly fixedSampleSize?: number | undefined,
  ) {
    const width = powerOfTwoAtLeast(Math.max(entries, SKETCH_MIN_WIDTH));
    this.#counters = new FrequencySketch(width, INFINITY);
    this.#sampleSize = fixedSampleSize ?? ADMISSION_SAMPLE_FACTOR * Math.max(entries, 1);
    const bits = powerOfTwoAtLeast(
      Math.max(DOORKEEPER_MIN_BITS, DOORKEEPER_BITS_PER_USE * this.#sampleSize),
    );
    this.#doorkeeper = new Uint32Array(bits / 32);
    this.#doorMask = bits - 1;
  }

  /** Counters per row of the count-min sketch. */
  get width(): number {
    return this.#counters.width;
  }

  /** Recorded uses after which the counts are halved and the doorkeeper cleared. */
  get sampleSize(): number {
    return this.#sampleSize;
  }

  /** How many samples have ended so far (each halved every count). */
  get halvings(): number {
    return this.#halvings;
  }

  /** Bytes of counters and doorkeeper bits. */
  get bytes(): number {
    return 4 * this.#counters.width + this.#doorkeeper.byteLength;
  }

  /** Counts one use of the key whose {@link hashKey} is `h`. */
  record(h: number): void {
    if (this.#recorded >= this.#sampleSize) this.#reset();
    this.#recorded++;
    if (this.#admitToDoorkeeper(h)) return;
    this.#counters.recordHash(h);
  }

  /** Uses of the key whose {@link hashKey} is `h` since about one sample ago (capped at 16). */
  estimate(h: number): number {
    return this.#counters.estimateHash(h) + (this.#inDoorkeeper(h) ? 1 : 0);
  }

  /** The cache grew past `entries`: widen the counters (keeping them) and the sample. */
  growTo(entries: number): void {
    while (this.#counters.width < entries) this.#counters.grow();
    if (this.fixedSampleSize !== undefined) return;
    this.#sampleSize = ADMISSION_SAMPLE_FACTOR * entries;
    const bits = powerOfTwoAtLeast(
      Math.max(DOORKEEPER_MIN_BITS, DOORKEEPER_BITS_PER_USE * this.#sampleSize),
    );
    if (bits - 1 <= this.#doorMask) return;
    // A wider doorkeeper cannot rehash the keys it holds: it starts empty, as after a sample.
    this.#doorkeeper = new Uint32Array(bits / 32);
    this.#doorMask = bits - 1;
  }

  /** The doorkeeper bits of the key whose hash is `h` (tests: which keys could be confused). */
  doorkeeperBits(h: number): number[] {
    const bits: number[] = [];
    const step = doorStep(h);
    let probe = doorStart(h);
    for (let i = 0; i < DOORKEEPER_PROBES; i++) {
      bits.push(probe & this.#doorMask);
      probe += step;
    }
    return bits;
  }

  #inDoorkeeper(h: number): boolean {
    const door = this.#doorkeeper;
    const mask = this.#doorMask;
    const step = doorStep(h);
    let probe = doorStart(h);
    for (let i = 0; i < DOORKEEPER_PROBES; i++) {
      const bit = probe & mask;
      if (((door[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
      probe += step;
    }
    return true;
  }

  /** Sets the key's bits; true if it was not (as far as the filter can tell) there before. */
  #admitToDoorkeeper(h: number): boolean {
    const door = this.#doorkeeper;
    const mask = this.#doorMask;
    let fresh = false;
    const step = doorStep(h);
    let probe = doorStart(h);
    for (let i = 0; i < DOORKEEPER_PROBES; i++) {
      const bit = probe & mask;
      const word = door[bit >>> 5] as number;
      const flag = 1 << (bit & 31);
      if ((word & flag) === 0) {
        fresh = true;
        door[bit >>> 5] = word | flag;
      }
      probe += step;
    }
    return fresh;
  }

  #reset(): void {
    this.#counters.halve();
    this.#doorkeeper.fill(0);
    this.#recorded = 0;
    this.#halvings++;
  }
}

// Doorkeeper probes by double hashing on rotations of the (already well mixed) key hash:
// no further multiplications per probe, and not the counters' positions (which start at h).
const doorStart = (h: number): number => (h << 11) | (h >>> 21);
const doorStep = (h: number): number => (h >>> 16) | (h << 16) | 1;

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
