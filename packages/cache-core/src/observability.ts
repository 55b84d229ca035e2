import {
  channel,
  type TracingChannel,
  type TracingChannelSubscribers,
  tracingChannel,
} from 'node:diagnostics_channel';
import { CacheError } from './errors.js';

/**
 * The `node:diagnostics_channel` tracing channels every cache publishes on, one
 * per operation family. Subscribe with `tracingChannel(name).subscribe(...)`;
 * see docs/OBSERVABILITY.md for what each carries and when it fires.
 */
export const CacheChannelName = {
  get: 'pywatt:cache:get',
  set: 'pywatt:cache:set',
  delete: 'pywatt:cache:delete',
  batch: 'pywatt:cache:batch',
  atomic: 'pywatt:cache:atomic',
  lock: 'pywatt:cache:lock',
  clear: 'pywatt:cache:clear',
} as const;
/** One operation family: a key of {@link CacheChannelName}. */
export type OperationFamily = keyof typeof CacheChannelName;

/** The plain channel every {@link CacheEventMap} event is also published on, as a {@link CacheEventMessage}. */
export const CACHE_EVENTS_CHANNEL = 'pywatt:cache:events';

/**
 * The context object of one traced operation. The tracing channel adds
 * `result` (on success) or `error` (on failure) itself; the cache sets `hit`,
 * `hits` and `errorCode` before the `asyncStart` event.
 */
export interface CacheOperationContext {
  /** The cache the operation ran on (to tell caches apart, e.g. for a tier attribute). */
  readonly cache: object;
  /** The backend name, e.g. `'memory'`, `'redis'`. */
  readonly backend: string;
  /** The cache's namespace, or undefined without one. */
  readonly namespace: string | undefined;
  /** The public method, e.g. `'get'`, `'getMany'`, `'setIfAbsent'` (helpers report the method they call). */
  readonly operation: string;
  /** The channel family. */
  readonly family: OperationFamily;
  /** Keys the call names (0 for `clear`). */
  readonly keyCount: number;
  /** The keys (without the namespace), only when the cache was created with `traceKeys: true`. */
  readonly keys?: readonly string[] | undefined;
  /** `get`, `exists`, `getAndSet`: whether the key was found. Set on success. */
  hit?: boolean;
  /** `getMany`: how many keys were found. Set on success. */
  hits?: number;
  /** The {@link CacheError} code of a failure. */
  errorCode?: string;
  /** Set by the tracing channel on success. */
  result?: unknown;
  /** Set by the tracing channel on failure. */
  error?: unknown;
}

/** The tracing channels, by family; created once and held so their subscribers stay. */
export const cacheChannels: Readonly<
  Record<OperationFamily, TracingChannel<unknown, CacheOperationContext>>
> = {
  get: tracingChannel(CacheChannelName.get),
  set: tracingChannel(CacheChannelName.set),
  delete: tracingChannel(CacheChannelName.delete),
  batch: tracingChannel(CacheChannelName.batch),
  atomic: tracingChannel(CacheChannelName.atomic),
  lock: tracingChannel(CacheChannelName.lock),
  clear: tracingChannel(CacheChannelName.clear),
};

const eventsChannel = channel(CACHE_EVENTS_CHANNEL);

/**
 * Subscribes any of `start`, `end`, `asyncStart`, `asyncEnd`, `error` to one family's
 * channel (Node skips the ones left out, though its types ask for all five). Returns the
 * function that unsubscribes them.
 */
export function subscribeCacheChannel(
  family: OperationFamily,
  handlers: Partial<TracingChannelSubscribers<CacheOperationContext>>,
): () => void {
  const subscribers = handlers as TracingChannelSubscribers<CacheOperationContext>;
  cacheChannels[family].subscribe(subscribers);
  return () => {
    cacheChannels[family].unsubscribe(subscribers);
  };
}

/** Sets `hit` / `hits` on `context` from an operation's result. */
export function recordOutcome(context: CacheOperationContext, result: unknown): void {
  if (result instanceof Map) context.hits = result.size;
  else if (context.family === 'get' || context.operation === 'getAndSet')
    // A JSON `false` read by getJson is a hit; only exists answers false for a miss.
    context.hit = context.operation === 'exists' ? result === true : result !== undefined;
}

/**
 * Runs `fn` under the family's tracing channel when it has subscribers (with
 * `hit`/`hits`/`errorCode` recorded on `context`), else just runs it. Callers
 * on a hot path test `cacheChannels[family].hasSubscribers` first so that they
 * build no context at all when nobody listens.
 */
export function traceOperation<T, A extends unknown[]>(
  context: CacheOperationContext,
  fn: (...args: A) => Promise<T>,
  thisArg: unknown,
  ...args: A
): Promise<T> {
  return traceApply(context, fn, thisArg, args);
}

/** {@link traceOperation} with the arguments as one array (no rest-parameter copy). */
export function traceApply<T, A extends unknown[]>(
  context: CacheOperationContext,
  fn: (...args: A) => Promise<T>,
  thisArg: unknown,
  args: A,
): Promise<T> {
  const tracing = cacheChannels[context.family];
  if (!tracing.hasSubscribers) return fn.apply(thisArg, args);
  // The outcome is recorded inside the traced promise, so subscribers see it from asyncStart on.
  return tracing.tracePromise(
    () =>
      fn.apply(thisArg, args).then(
        (result) => {
          recordOutcome(context, result);
          return result;
        },
        (error: unknown) => {
          context.errorCode = CacheError.is(error) ? error.code : 'INTERNAL';
          throw error;
        },
      ),
    context,
  );
}

// ---- events ----

/** Who sent an event. */
export interface CacheEventSource {
  readonly backend: string;
  readonly namespace: string | undefined;
}

/** An entry removed to respect a bound (memory: `maxItems` / `maxSizeBytes`). */
export interface EvictionEvent extends CacheEventSource {
  /** The evicted key (without the namespace), only with `traceKeys: true`. */
  readonly key?: string | undefined;
}

/** One tick of the periodic expiry sweep that removed at least one entry. */
export interface ExpirySweepEvent extends CacheEventSource {
  readonly removed: number;
  readonly durationMs: number;
}

/** A connection to a server dropped (lost) or came back (restored). */
export interface ConnectionEvent extends CacheEventSource {
  /** Where, without credentials: e.g. `redis at 127.0.0.1:6379`. */
  readonly endpoint: string;
  /** `connectionRestored` only: how long it was down, in ms. */
  readonly downMs?: number | undefined;
}

/** The invalidation bus of a tiered cache lost (`busDisconnected`) or regained (`busReconnected`) delivery. */
export interface BusEvent extends CacheEventSource {
  readonly bus: string;
}

/** Declared for the circuit breaker (emitted once the breaker lands). */
export interface BreakerEvent extends CacheEventSource {
  /** `breakerOpened`: how long it stays open, in ms. */
  readonly openMs?: number | undefined;
}

/** Declared for background refresh (emitted once stale-while-revalidate lands). */
export interface RefreshFailedEvent extends CacheEventSource {
  readonly errorCode: string;
  /** Only with `traceKeys: true`. */
  readonly key?: string | undefined;
}

/** Every event name and its payload. */
export interface CacheEventMap {
  eviction: EvictionEvent;
  expirySweep: ExpirySweepEvent;
  connectionLost: ConnectionEvent;
  connectionRestored: ConnectionEvent;
  busDisconnected: BusEvent;
  busReconnected: BusEvent;
  breakerOpened: BreakerEvent;
  breakerClosed: BreakerEvent;
  refreshFailed: RefreshFailedEvent;
}
/** One of the {@link CacheEventMap} names. */
export type CacheEventName = keyof CacheEventMap;
/** A listener of event `E`. */
export type CacheEventListener<E extends CacheEventName> = (event: CacheEventMap[E]) => void;

/** What {@link CACHE_EVENTS_CHANNEL} publishes. */
export interface CacheEventMessage<E extends CacheEventName = CacheEventName> {
  readonly cache: object;
  readonly name: E;
  readonly event: CacheEventMap[E];
}

/**
 * The listeners of one cache. Not an EventEmitter: there is no `'error'`
 * event to leave unhandled, and a listener that throws does not fail the
 * cache operation (its error is rethrown on the next tick, as
 * `diagnostics_channel` does with a throwing subscriber).
 */
export class CacheEvents {
  readonly #owner: object;
  #listeners: Map<CacheEventName, Set<(event: never) => void>> | undefined;

  constructor(owner: object) {
    this.#owner = owner;
  }

  /** Adds `listener` for `name`; returns the function that removes it. */
  on<E extends CacheEventName>(name: E, listener: CacheEventListener<E>): () => void {
    this.#listeners ??= new Map();
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    // A fresh wrapper per call: the same function subscribed twice is removed once per unsubscribe.
    const entry = (event: never): void => listener(event);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Whether anybody would receive `name`: test it before building the event. */
  wants(name: CacheEventName): boolean {
    return (this.#listeners?.get(name)?.size ?? 0) > 0 || eventsChannel.hasSubscribers;
  }

  /** Delivers `event` to the listeners and the events channel. */
  emit<E extends CacheEventName>(name: E, event: CacheEventMap[E]): void {
    const set = this.#listeners?.get(name);
    if (set !== undefined) {
      for (const listener of set) {
        try {
          listener(event as never);
        } catch (error) {
          process.nextTick(() => {
            throw error;
          });
        }
      }
    }
    if (eventsChannel.hasSubscribers) {
      eventsChannel.publish({ cache: this.#owner, name, event } satisfies CacheEventMessage<E>);
    }
  }
}
