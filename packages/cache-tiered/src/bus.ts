/**
 * What one process tells the others: which L1 entries are no longer true.
 * Value-free on purpose: a process that needs the value reads it from L2.
 * Keys and prefixes are full keys (the L2 namespace prefix included), so
 * caches whose namespaces overlap (`a` + `b:c` and `a:b` + `c`) still hear
 * each other.
 */
export type Invalidation =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'all' };

/** What a bus calls on each tiered cache that joined it. */
export interface BusListener {
  /** Entries another process (or another cache of this process) replaced or removed. */
  invalidate(message: Invalidation): void;
  /** Delivery is no longer guaranteed: messages may be missed from now on. */
  down(): void;
  /** Delivery is guaranteed again (subscription confirmed); anything sent while down is lost. */
  up(): void;
}

/** One cache's place on a bus. */
export interface BusMembership {
  /**
   * Tells every other member, in this process and in others. Resolves once the
   * message is handed to the server, or queued while the bus is down; never rejects.
   */
  publish(message: Invalidation): Promise<void>;
  /** Leaves the bus; the bus closes its connections when its last member leaves. */
  leave(): Promise<void>;
}

/**
 * An invalidation bus: the Redis pub/sub bus ({@link createRedisBus}), the
 * Redis client-tracking bus ({@link createRedisTrackingBus}), or one of your own.
 */
export interface InvalidationBus {
  /** `'pubsub'`, `'tracking'`, or a custom bus's name; shown in `stats().backend`. */
  readonly kind: string;
  /**
   * Adds a member that owns the keys under `fullPrefix` (its L2 namespace prefix,
   * `''` for none). Resolves only once delivery is confirmed (the subscription
   * acknowledged by the server) after calling `listener.up()`, so no invalidation
   * can be lost between joining and serving. Rejects with a `CacheError` of code
   * `CONNECTION` when that does not happen within the bus's `connectTimeoutMs`.
   */
  join(listener: BusListener, fullPrefix: string): Promise<BusMembership>;
}
