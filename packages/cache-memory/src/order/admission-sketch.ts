import { FrequencySketch, SKETCH_MIN_WIDTH } from './frequency-sketch.js';

/** Recorded uses per sample, per entry the cache can hold: counts are halved after each sample. */
export const ADMISSION_SAMPLE_FACTOR = 10;
/**
 * Doorkeeper bits per use in a sample (before rounding up to a power of two). With four bits
 * per key in one 32-bit word, 4 bits per use keep false positives between 8 % and 18 % when
 * every use in a sample is a different key (15 % to 18 % at 100 000 entries and more, where the
 * rounding leaves least slack; 1 bit per use, as before, let over 80 % of new keys through as
 * "seen": the doorkeeper then absorbed almost nothing and gave almost every key its +1).
 */
export const DOORKEEPER_BITS_PER_USE = 4;
/** Fewest doorkeeper bits (128 bytes), so small caches do not see false positives all the time. */
const DOORKEEPER_MIN_BITS = 1024;
const INFINITY = Number.POSITIVE_INFINITY;

/**
 * The frequency filter of TinyLFU (Einziger, Friedman and Manes): a count-min
 * {@link FrequencySketch} behind a doorkeeper. The doorkeeper is a Bloom
 * filter that absorbs the first use of a key in each sample, so the many keys
 * seen once never reach the counters; the estimate of a key is its counters'
 * minimum plus one if the doorkeeper holds it. After every sample of
 * `sampleSize` recorded uses the counters are halved, so the filter tracks
 * recent popularity (aging by "reset").
 *
 * The doorkeeper keeps two generations: the current sample's and the one
 * before, which it replaces at each reset (an aging Bloom filter). A key seen
 * in either still gets its +1. With a single doorkeeper cleared at each reset,
 * a key used just after the reset counted one more than a key used just before
 * it, however alike their histories; in a loop a little longer than the
 * sample, that made every newcomer beat the entry it would replace and the
 * main space churned like LRU (`loop` at 100 entries: 0.3 % against 9.7 % for
 * LFU).
 *
 * Sized from the most entries the cache holds (`maxItems`, or the entries held
 * when only bytes bound it, growing with them): `4 × width` bytes of counters
 * with `width` that count rounded up to a power of two (at least 64), and two
 * doorkeeper generations of `4 × sampleSize` bits rounded up likewise —
 * together 14 bytes per entry, plus the power-of-two rounding.
 */
export class AdmissionSketch {
  readonly #counters: FrequencySketch;
  #doorkeeper: Uint32Array;
  /** The previous sample's doorkeeper. */
  #previous: Uint32Array;
  /** Words per doorkeeper generation, minus one. */
  #doorWords: number;
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
    const bits = doorkeeperBitsFor(this.#sampleSize);
    this.#doorkeeper = new Uint32Array(bits / 32);
    this.#previous = new Uint32Array(bits / 32);
    this.#doorWords = bits / 32 - 1;
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

  /** Bytes of counters and doorkeeper bits (both generations). */
  get bytes(): number {
    return 4 * this.#counters.width + 2 * this.#doorkeeper.byteLength;
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
    const i = doorWord(h) & this.#doorWords;
    const mask = doorMask(h);
    const door =
      ((this.#doorkeeper[i] as number) & mask) === mask ||
      ((this.#previous[i] as number) & mask) === mask;
    return this.#counters.estimateHash(h) + (door ? 1 : 0);
  }

  /** The cache grew past `entries`: widen the counters (keeping them) and the sample. */
  growTo(entries: number): void {
    while (this.#counters.width < entries) this.#counters.grow();
    if (this.fixedSampleSize !== undefined) return;
    this.#sampleSize = ADMISSION_SAMPLE_FACTOR * entries;
    const bits = doorkeeperBitsFor(this.#sampleSize);
    if (bits / 32 - 1 <= this.#doorWords) return;
    // A wider doorkeeper cannot rehash the keys it holds: both generations start empty.
    this.#doorkeeper = new Uint32Array(bits / 32);
    this.#previous = new Uint32Array(bits / 32);
    this.#doorWords = bits / 32 - 1;
  }

  /** The doorkeeper bits of the key whose hash is `h` (tests: which keys could be confused). */
  doorkeeperBits(h: number): number[] {
    const base = (doorWord(h) & this.#doorWords) << 5;
    const mask = doorMask(h);
    const bits: number[] = [];
    for (let bit = 0; bit < 32; bit++) if ((mask & (1 << bit)) !== 0) bits.push(base + bit);
    return bits;
  }

  /** Sets the key's bits; true if it was not (as far as the filter can tell) there before. */
  #admitToDoorkeeper(h: number): boolean {
    const door = this.#doorkeeper;
    const i = doorWord(h) & this.#doorWords;
    const mask = doorMask(h);
    const word = door[i] as number;
    if ((word & mask) === mask) return false;
    door[i] = word | mask;
    return true;
  }

  #reset(): void {
    this.#counters.halve();
    const previous = this.#previous;
    this.#previous = this.#doorkeeper;
    previous.fill(0);
    this.#doorkeeper = previous;
    this.#recorded = 0;
    this.#halvings++;
  }
}

// A blocked Bloom filter: a key's four bits sit in one 32-bit word, so a probe is one read
// (and a set one write) instead of one per bit at scattered places: the doorkeeper is touched
// on every use and twice per eviction, and this cut `tinylfu`'s miss-heavy replays by about
// 5 %. The word comes from the hash's high bits rotated down (not the counters' positions, which
// start at h), the bit positions from the top 20 bits of a multiple of the hash: every bit of
// the hash moves them, so keys sharing a word do not share their bit positions as well. Four bits, not three: a block
// this small fills unevenly, and the fourth bit brings false positives back near the unblocked
// filter's (three bits: 1 to 3 points more).
const doorWord = (h: number): number => (h >>> 15) | (h << 17);
const doorMask = (h: number): number => {
  const m = Math.imul(h, 0x9e3779b1);
  return (
    (1 << (m >>> 27)) |
    (1 << ((m >>> 22) & 31)) |
    (1 << ((m >>> 17) & 31)) |
    (1 << ((m >>> 12) & 31))
  );
};

function doorkeeperBitsFor(sampleSize: number): number {
  return powerOfTwoAtLeast(Math.max(DOORKEEPER_MIN_BITS, DOORKEEPER_BITS_PER_USE * sampleSize));
}

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
