/** Rows of the sketch: a key's estimate is the smallest of its counters, one per row. */
export const SKETCH_ROWS = 4;
/** Smallest row width (counters per row). */
export const SKETCH_MIN_WIDTH = 64;
/** Largest width a sketch starts at; it grows from there as entries are held. */
export const SKETCH_MAX_INITIAL_WIDTH = 4096;
/** Row width per entry held: rows are at least this many times wider than the entries held. */
export const SKETCH_WIDTH_PER_ENTRY = 4;
/** Counts are halved every `SKETCH_SAMPLE_FACTOR × width` recorded uses. */
export const SKETCH_SAMPLE_FACTOR = 10;
/** Counts saturate here (4 bits' worth, as in TinyLFU). */
export const SKETCH_MAX_COUNT = 15;

/**
 * The width a cache of `maxItems` starts with: room for `maxItems` entries,
 * between {@link SKETCH_MIN_WIDTH} and {@link SKETCH_MAX_INITIAL_WIDTH}
 * (16 KiB of counters). A sketch that starts wide does not halve its counts
 * every few hundred uses while the cache is filling.
 */
export function initialSketchWidth(maxItems: number): number {
  const wanted = SKETCH_WIDTH_PER_ENTRY * maxItems;
  if (wanted >= SKETCH_MAX_INITIAL_WIDTH) return SKETCH_MAX_INITIAL_WIDTH;
  return powerOfTwoAtLeast(Math.max(wanted, SKETCH_MIN_WIDTH));
}

/** 32-bit hash of a key's UTF-16 code units: FNV-1a, then the MurmurHash3 finaliser. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Second hash, for double hashing: row `r` uses counter `(h + r × step) mod width`. */
const step = (h: number): number => (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ (h >>> 11)) | 1;

/**
 * A count-min sketch of how often each key was used: {@link SKETCH_ROWS} rows
 * of 8-bit counters saturating at {@link SKETCH_MAX_COUNT}, conservative update
 * (only the counters at the current minimum grow), so an estimate is never
 * below the true count and usually equal to it.
 *
 * Aging: every `sampleSize` recorded uses (by default
 * {@link SKETCH_SAMPLE_FACTOR} × width) every counter is halved, rounding down,
 * so the sketch forgets old popularity. Memory: `SKETCH_ROWS × width` bytes.
 * `record` and `estimate` are O(key length); the halving is O(width) once
 * every `sampleSize` records (amortised O(1)), and so is {@link grow}.
 */
export class FrequencySketch {
  #table: Uint8Array;
  #mask: number;
  #recorded = 0;
  #halvings = 0;
  readonly #fixedSample: number | undefined;
  #sampleSize: number;

  /** `width` is rounded up to a power of two; `sampleSize` overrides the halving period (tests). */
  constructor(width: number = SKETCH_MIN_WIDTH, sampleSize?: number) {
    const w = powerOfTwoAtLeast(Math.max(width, SKETCH_MIN_WIDTH));
    this.#table = new Uint8Array(SKETCH_ROWS * w);
    this.#mask = w - 1;
    this.#fixedSample = sampleSize;
    this.#sampleSize = sampleSize ?? SKETCH_SAMPLE_FACTOR * w;
  }

  /** Counters per row. */
  get width(): number {
    return this.#mask + 1;
  }

  /** How many times every count was halved so far. */
  get halvings(): number {
    return this.#halvings;
  }

  /** Recorded uses after which every count is halved. */
  get sampleSize(): number {
    return this.#sampleSize;
  }

  /** The counter of `key` in each row (for tests: which keys share a counter). */
  slots(key: string): number[] {
    const h = hashKey(key);
    const s = step(h);
    const out: number[] = [];
    for (let row = 0; row < SKETCH_ROWS; row++) out.push((h + row * s) & this.#mask);
    return out;
  }

  /** Counts one use of `key` (halving every count first when the sample is complete). */
  record(key: string): void {
    this.recordHash(hashKey(key));
  }

  /** {@link record} for a key whose {@link hashKey} the caller already has. */
  recordHash(h: number): void {
    if (this.#recorded >= this.#sampleSize) this.halve();
    this.#recorded++;
    const table = this.#table;
    const mask = this.#mask;
    const width = mask + 1;
    const s = step(h);
    const i0 = h & mask;
    const i1 = width + ((h + s) & mask);
    const i2 = 2 * width + ((h + 2 * s) & mask);
    const i3 = 3 * width + ((h + 3 * s) & mask);
    incrementMinimum(table, i0, i1, i2, i3);
  }

  /** How many uses of `key` the sketch remembers (never fewer than were recorded since the last halving, capped). */
  estimate(key: string): number {
    return this.estimateHash(hashKey(key));
  }

  /** {@link estimate} for a key whose {@link hashKey} the caller already has. */
  estimateHash(h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    const width = mask + 1;
    const s = step(h);
    return Math.min(
      table[h & mask] as number,
      table[width + ((h + s) & mask)] as number,
      table[2 * width + ((h + 2 * s) & mask)] as number,
      table[3 * width + ((h + 3 * s) & mask)] as number,
    );
  }

  /**
   * Doubles the width, keeping every estimate: a key's slot in the wider row
   * has the same low bits, so it starts from the counter it had.
   */
  grow(): void {
    const width = this.#mask + 1;
    const wider = width * 2;
    const table = new Uint8Array(SKETCH_ROWS * wider);
    for (let row = 0; row < SKETCH_ROWS; row++) {
      const from = this.#table.subarray(row * width, (row + 1) * width);
      table.set(from, row * wider);
      table.set(from, row * wider + width);
    }
    this.#table = table;
    this.#mask = wider - 1;
    this.#sampleSize = this.#fixedSample ?? SKETCH_SAMPLE_FACTOR * wider;
  }

  /** Halves every count (rounding down) and starts a new sample; O(width). */
  halve(): void {
    // Four counters at a time: shift right, then clear the bit each byte took from its neighbour.
    const words = new Uint32Array(
      this.#table.buffer,
      this.#table.byteOffset,
      this.#table.length / 4,
    );
    for (let i = 0; i < words.length; i++) words[i] = ((words[i] as number) >>> 1) & 0x7f7f7f7f;
    this.#recorded = 0;
    this.#halvings++;
  }
}

/**
 * Conservative update of a key's four counters at `i0` … `i3`: only those at
 * their minimum grow, and none past {@link SKETCH_MAX_COUNT}.
 */
export function incrementMinimum(
  table: Uint8Array,
  i0: number,
  i1: number,
  i2: number,
  i3: number,
): void {
  const c0 = table[i0] as number;
  const c1 = table[i1] as number;
  const c2 = table[i2] as number;
  const c3 = table[i3] as number;
  const min = Math.min(c0, c1, c2, c3);
  if (min >= SKETCH_MAX_COUNT) return;
  if (c0 === min) table[i0] = min + 1;
  if (c1 === min) table[i1] = min + 1;
  if (c2 === min) table[i2] = min + 1;
  if (c3 === min) table[i3] = min + 1;
}

function powerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
