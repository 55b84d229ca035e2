import type { Attributes } from '@opentelemetry/api';
import type { CacheOperationContext, CacheStats } from '@pywatt/cache-core';
import { AttributeName, type Outcome } from './names.js';

/** What `ObservedCaches.add` needs of a cache: its stats. */
export interface StatsSource {
  stats(): Promise<CacheStats>;
}

/** Attributes given to a cache when it is observed. */
export interface CacheAttributes {
  /** `l1` (in-process) or `l2` (shared) in a tiered setup; recorded as `cache.tier`. */
  tier?: string | undefined;
  /** Recorded as `cache.namespace` on the stats-based metrics. */
  namespace?: string | undefined;
}

interface Entry {
  readonly base: Attributes;
  /**
   * Attribute sets of the per-operation instruments, built once per operation and then
   * outcome or error code: looked up by the context's own strings, no key built per call.
   */
  readonly byOperation: Map<string, Map<string, Attributes>>;
}

/**
 * The caches the instrumentation knows by name, and the attribute objects of
 * each, made once: attribute objects per call would cost more than the
 * recording itself on an in-process cache.
 */
export class ObservedCaches {
  readonly #entries = new WeakMap<object, Entry>();
  readonly #polled = new Map<StatsSource, Attributes>();

  /** Registers `cache` (its stats are read at each collection); returns the function that forgets it. */
  add(cache: StatsSource & { type?: string }, attributes: CacheAttributes): () => void {
    const base: Attributes = {};
    if (cache.type !== undefined) base[AttributeName.BACKEND] = cache.type;
    if (attributes.namespace !== undefined) base[AttributeName.NAMESPACE] = attributes.namespace;
    if (attributes.tier !== undefined) base[AttributeName.TIER] = attributes.tier;
    this.#entries.set(cache, { base, byOperation: new Map() });
    this.#polled.set(cache, base);
    return () => {
      this.#polled.delete(cache);
      this.#entries.delete(cache);
    };
  }

  /** The caches to poll, with their attributes. */
  polled(): ReadonlyMap<StatsSource, Attributes> {
    return this.#polled;
  }

  /** The tier given to the cache of `context`, if any. */
  tierOf(context: CacheOperationContext): string | undefined {
    return this.#entries.get(context.cache)?.base[AttributeName.TIER] as string | undefined;
  }

  /** The attributes of one finished operation (cached per cache, operation and outcome). */
  operationAttributes(context: CacheOperationContext, outcome: Outcome): Attributes {
    let entry = this.#entries.get(context.cache);
    if (entry === undefined) {
      // A cache nobody registered: still measured, without a tier.
      entry = { base: {}, byOperation: new Map() };
      this.#entries.set(context.cache, entry);
    }
    const errorType = context.errorCode;
    let byOutcome = entry.byOperation.get(context.operation);
    if (byOutcome === undefined) {
      byOutcome = new Map();
      entry.byOperation.set(context.operation, byOutcome);
    }
    // Error codes are upper case, outcomes lower case: one map holds both.
    const key = errorType ?? outcome;
    let attributes = byOutcome.get(key);
    if (attributes === undefined) {
      attributes = {
        ...entry.base,
        [AttributeName.BACKEND]: context.backend,
        [AttributeName.OPERATION]: context.operation,
        [AttributeName.OUTCOME]: outcome,
      };
      if (context.namespace !== undefined) attributes[AttributeName.NAMESPACE] = context.namespace;
      if (errorType !== undefined) attributes[AttributeName.ERROR_TYPE] = errorType;
      byOutcome.set(key, attributes);
    }
    return attributes;
  }
}

/** The outcome of a finished operation. */
export function outcomeOf(context: CacheOperationContext): Outcome {
  if (context.errorCode !== undefined) return 'error';
  if (context.hit === true) return 'hit';
  if (context.hit === false) return 'miss';
  return 'success';
}
