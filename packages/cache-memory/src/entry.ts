import type { FrequencyBucket } from './order/lfu-order.js';

/**
 * One stored value and its place in the eviction order. Every entry has the
 * same shape whatever the policy, so property access stays monomorphic.
 */
export class Entry {
  /** Newer (towards the front of the list it sits in). */
  prev: Entry | null = null;
  /** Older (towards the back of the list it sits in). */
  next: Entry | null = null;
  /** The LFU bucket holding this entry; null for the other policies. */
  bucket: FrequencyBucket | null = null;

  constructor(
    readonly key: string,
    public value: Uint8Array,
    /** Epoch ms after which the entry is dead; Infinity for never. */
    public expiresAt: number,
    /** Key bytes (UTF-8, namespace included) + value bytes. */
    public sizeBytes: number,
  ) {}
}
