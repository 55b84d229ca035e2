import { ADMISSION_SAMPLE_FACTOR } from '../src/order/admission-sketch.js';
import { SKETCH_MAX_COUNT } from '../src/order/frequency-sketch.js';
import { PROTECTED_SHARE } from '../src/order/tinylfu-order.js';
import { WINDOW_INITIAL_SHARE } from '../src/order/window-climber.js';
import type { ModelWrite } from './reference-model.js';

type Segment = 'window' | 'probation' | 'protected';

interface TinyEntry {
  key: string;
  sizeBytes: number;
  segment: Segment;
  /** When it last went to the front of its segment: the oldest of a segment has the smallest. */
  since: number;
}

const INF = Number.POSITIVE_INFINITY;
// The store's slot arrays start at 16 slots and double; a bytes-only sketch is sized by them.
const INITIAL_SLOTS = 16;

const powerOfTwoAtLeast = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * W-TinyLFU with a fixed window (the climber off), written the obvious way:
 * a plain array of entries tagged with their segment and the time they went
 * to the front of it, victims found by linear scans, and exact counts in
 * place of the sketch: per key a doorkeeper flag (the first use in a sample)
 * and a count of the later uses, capped at 15; the estimate is the count plus
 * one if the key has a flag from this sample or the one before; after each
 * sample every count is halved and the flags become "the one before". The
 * sketch gives the same numbers for keys that share no counter in some row
 * and no doorkeeper bit set, which the tests check for the keys they use.
 */
export class TinyLfuModel {
  readonly entries: TinyEntry[] = [];
  readonly evicted: string[] = [];
  #doors = new Set<string>();
  /** The previous sample's doorkeeper flags. */
  #previousDoors = new Set<string>();
  readonly #counts = new Map<string, number>();
  #clock = 0;
  #recorded = 0;
  #peak = 0;
  #sampleSize: number;

  constructor(
    readonly maxItems: number,
    readonly maxSizeBytes: number,
    readonly fixedSampleSize?: number,
  ) {
    const entries = maxItems === INF ? INITIAL_SLOTS : maxItems;
    this.#sampleSize = fixedSampleSize ?? ADMISSION_SAMPLE_FACTOR * entries;
  }

  get bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.sizeBytes, 0);
  }

  keys(): string[] {
    return this.entries.map((e) => e.key).sort();
  }

  /** The estimate the sketch should give for `key`. */
  estimate(key: string): number {
    const door = this.#doors.has(key) || this.#previousDoors.has(key);
    return (this.#counts.get(key) ?? 0) + (door ? 1 : 0);
  }

  read(key: string): boolean {
    const entry = this.entries.find((e) => e.key === key);
    if (entry === undefined) return false;
    this.#touch(entry);
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
      this.#touch(existing);
      while (this.bytes - existing.sizeBytes + sizeBytes > this.maxSizeBytes) this.#evict(key);
      existing.sizeBytes = sizeBytes;
      return 'stored';
    }
    while (this.entries.length + 1 > this.maxItems || this.bytes + sizeBytes > this.maxSizeBytes)
      this.#evict(undefined);
    this.#holding(this.entries.length + 1);
    this.#record(key);
    this.entries.push({ key, sizeBytes, segment: 'window', since: ++this.#clock });
    const windowMax = this.#windowMax();
    for (let i = 0; i < 2 && this.#count('window') > windowMax; i++)
      this.#move(this.#oldest('window', undefined) as TinyEntry, 'probation');
    return 'stored';
  }

  #capacity(): number {
    return this.maxItems === INF ? Math.max(this.entries.length, 1) : this.maxItems;
  }

  #windowMax(): number {
    return Math.max(1, Math.floor(WINDOW_INITIAL_SHARE * this.#capacity()));
  }

  #count(segment: Segment): number {
    return this.entries.filter((e) => e.segment === segment).length;
  }

  #oldest(segment: Segment, pinned: string | undefined): TinyEntry | undefined {
    let oldest: TinyEntry | undefined;
    for (const e of this.entries)
      if (
        e.segment === segment &&
        e.key !== pinned &&
        (oldest === undefined || e.since < oldest.since)
      )
        oldest = e;
    return oldest;
  }

  #move(entry: TinyEntry, segment: Segment): void {
    entry.segment = segment;
    entry.since = ++this.#clock;
  }

  #touch(entry: TinyEntry): void {
    this.#record(entry.key);
    if (entry.segment !== 'probation') {
      entry.since = ++this.#clock;
      return;
    }
    this.#move(entry, 'protected');
    const protectedMax = Math.floor(PROTECTED_SHARE * (this.#capacity() - this.#windowMax()));
    for (let i = 0; i < 2 && this.#count('protected') > protectedMax; i++)
      this.#move(this.#oldest('protected', undefined) as TinyEntry, 'probation');
  }

  #evict(pinned: string | undefined): void {
    const candidate = this.#oldest('window', pinned);
    const mainVictim = this.#oldest('probation', pinned) ?? this.#oldest('protected', pinned);
    let victim: TinyEntry | undefined;
    if (candidate === undefined) victim = mainVictim;
    else if (mainVictim === undefined) victim = candidate;
    else if (this.#count('window') < this.#windowMax()) victim = mainVictim;
    else if (this.estimate(candidate.key) > this.estimate(mainVictim.key)) {
      this.#move(candidate, 'probation');
      victim = mainVictim;
    } else victim = candidate;
    if (victim === undefined) throw new Error('nothing to evict');
    this.delete(victim.key);
    this.evicted.push(victim.key);
  }

  /** A bytes-only store sizes the sketch by its slot count, which doubles from 16 with the peak. */
  #holding(held: number): void {
    if (this.maxItems !== INF || held <= this.#peak) return;
    this.#peak = held;
    const slots = powerOfTwoAtLeast(Math.max(INITIAL_SLOTS, held));
    if (this.fixedSampleSize !== undefined) return;
    // The sketch's blocks double with their doorkeeper bits copied: the flags stay.
    this.#sampleSize = ADMISSION_SAMPLE_FACTOR * slots;
  }

  #record(key: string): void {
    if (this.#recorded >= this.#sampleSize) {
      for (const [k, n] of this.#counts) this.#counts.set(k, Math.floor(n / 2));
      this.#previousDoors = this.#doors;
      this.#doors = new Set();
      this.#recorded = 0;
    }
    this.#recorded++;
    if (!this.#doors.has(key)) this.#doors.add(key);
    else this.#counts.set(key, Math.min(SKETCH_MAX_COUNT, (this.#counts.get(key) ?? 0) + 1));
  }
}
