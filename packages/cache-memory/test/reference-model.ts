import type { CachePolicy } from '@pywatt/cache-core';
import {
  initialSketchWidth,
  SKETCH_MAX_COUNT,
  SKETCH_SAMPLE_FACTOR,
  SKETCH_WIDTH_PER_ENTRY,
} from '../src/order/frequency-sketch.js';

interface ModelEntry {
  key: string;
  sizeBytes: number;
  uses: number;
  lastUse: number;
  storedAt: number;
}

/** The outcome of a model write, as the store reports it. */
export type ModelWrite = 'stored' | 'too-large' | 'full';

/**
 * The `lfu` history as documented, counted exactly: a use count per key ever
 * used, capped at 15, every count halved (rounding down) before the use that
 * follows each full sample of `sampleSize` uses. The sample is 10 × the
 * sketch width, which starts at 4 × maxItems rounded up to a power of two,
 * within 64 … 4096, and doubles whenever 4 × the entries held would exceed it
 * (unless a test fixes the sample size).
 */
class ExactHistory {
  readonly #counts = new Map<string, number>();
  #recorded = 0;
  #width: number;

  constructor(
    maxItems: number,
    readonly fixedSampleSize: number | undefined,
  ) {
    this.#width = initialSketchWidth(maxItems);
  }

  get #sampleSize(): number {
    return this.fixedSampleSize ?? SKETCH_SAMPLE_FACTOR * this.#width;
  }

  /** A new entry is about to be held, making `held` in all. */
  holding(held: number): void {
    if (held * SKETCH_WIDTH_PER_ENTRY > this.#width) this.#width *= 2;
  }

  record(key: string): void {
    if (this.#recorded >= this.#sampleSize) {
      for (const [k, n] of this.#counts) this.#counts.set(k, Math.floor(n / 2));
      this.#recorded = 0;
    }
    this.#recorded++;
    this.#counts.set(key, Math.min(SKETCH_MAX_COUNT, (this.#counts.get(key) ?? 0) + 1));
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

/**
 * An obviously-correct (and deliberately slow) model of every policy: a plain
 * array, victims chosen by a linear scan over explicit use counters and clocks.
 *
 * `lfu` with a bound keeps a history of every key's uses (exact here; the
 * cache's sketch gives the same numbers for the few keys the tests use, which
 * a test checks): a new entry starts at its key's history count, this write
 * included, instead of 1.
 */
export class ReferenceModel {
  readonly entries: ModelEntry[] = [];
  readonly evicted: string[] = [];
  #clock = 0;
  readonly #history: ExactHistory | undefined;

  constructor(
    readonly policy: CachePolicy,
    readonly maxItems: number,
    readonly maxSizeBytes: number,
    /** Halving period of the `lfu` history, when the store under test fixes it. */
    lfuSampleSize?: number,
  ) {
    const bounded =
      maxItems !== Number.POSITIVE_INFINITY || maxSizeBytes !== Number.POSITIVE_INFINITY;
    if (policy === 'lfu' && bounded) this.#history = new ExactHistory(maxItems, lfuSampleSize);
  }

  get bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.sizeBytes, 0);
  }

  keys(): string[] {
    return this.entries.map((e) => e.key).sort();
  }

  read(key: string): boolean {
    const entry = this.entries.find((e) => e.key === key);
    if (entry === undefined) return false;
    this.#use(entry);
    return true;
  }

  delete(key: string): boolean {
    const index = this.entries.findIndex((e) => e.key === key);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    return true;
  }

  write(key: string, valueBytes: number): ModelWrite {
    const sizeBytes = Buffer.byteLength(key) + valueBytes;
    if (sizeBytes > this.maxSizeBytes) return 'too-large';
    const existing = this.entries.find((e) => e.key === key);
    if (existing !== undefined) {
      const after = this.bytes - existing.sizeBytes + sizeBytes;
      if (after > this.maxSizeBytes && this.policy === 'none') return 'full';
      this.#use(existing);
      while (this.bytes - existing.sizeBytes + sizeBytes > this.maxSizeBytes) this.#evict(key);
      existing.sizeBytes = sizeBytes;
      return 'stored';
    }
    const full = () =>
      this.entries.length + 1 > this.maxItems || this.bytes + sizeBytes > this.maxSizeBytes;
    if (full() && this.policy === 'none') return 'full';
    while (full()) this.#evict(undefined);
    let uses = 1;
    if (this.#history !== undefined) {
      this.#history.holding(this.entries.length + 1);
      this.#history.record(key);
      uses = this.#history.count(key);
    }
    const now = ++this.#clock;
    this.entries.push({ key, sizeBytes, uses, lastUse: now, storedAt: now });
    return 'stored';
  }

  #use(entry: ModelEntry): void {
    this.#history?.record(entry.key);
    entry.uses++;
    entry.lastUse = ++this.#clock;
  }

  #evict(pinned: string | undefined): void {
    const candidates = this.entries.filter((e) => e.key !== pinned);
    const better = (a: ModelEntry, b: ModelEntry): boolean => {
      switch (this.policy) {
        case 'lru':
          return a.lastUse < b.lastUse;
        case 'mru':
          return a.lastUse > b.lastUse;
        case 'fifo':
          return a.storedAt < b.storedAt;
        case 'lfu':
          return a.uses < b.uses || (a.uses === b.uses && a.lastUse < b.lastUse);
        default:
          throw new Error('policy none never evicts');
      }
    };
    let victim = candidates[0];
    if (victim === undefined) throw new Error('nothing to evict');
    for (const c of candidates) if (better(c, victim)) victim = c;
    this.delete(victim.key);
    this.evicted.push(victim.key);
  }
}
