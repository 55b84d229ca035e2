import type { CachePolicy } from '@pywatt/cache-core';

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
 * An obviously-correct (and deliberately slow) model of every policy: a plain
 * array, victims chosen by a linear scan over explicit use counters and clocks.
 */
export class ReferenceModel {
  readonly entries: ModelEntry[] = [];
  readonly evicted: string[] = [];
  #clock = 0;

  constructor(
    readonly policy: CachePolicy,
    readonly maxItems: number,
    readonly maxSizeBytes: number,
  ) {}

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
    const now = ++this.#clock;
    this.entries.push({ key, sizeBytes, uses: 1, lastUse: now, storedAt: now });
    return 'stored';
  }

  #use(entry: ModelEntry): void {
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
