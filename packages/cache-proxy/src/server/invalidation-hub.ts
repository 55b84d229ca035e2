import { randomBytes } from 'node:crypto';
import { CacheError } from '@pywatt/cache-core';
import {
  MAX_SUBSCRIBED_PREFIX_BYTES,
  MAX_SUBSCRIBED_PREFIXES,
  type OpName,
} from '../protocol/constants.js';
import type { PushedInvalidation } from '../protocol/push-frame.js';
import type { WireValue } from '../protocol/values.js';

/** A connection that asked for pushes, as the hub sees it. */
export interface PushSubscriber {
  /** The connection's scope (`tokenNamespace:`, or with its own namespace): pushes are relative to it. */
  readonly scope: string;
  /** Prefixes (relative to `scope`) it wants; `''` is everything. */
  prefixes: readonly string[];
  /** Queues one PUSH frame for it. */
  push(origin: string, invalidation: PushedInvalidation): void;
}

/** A write's effect in absolute key space (every key and prefix starts with the writer's scope). */
type Effect = { keys: string[] } | { prefix: string };

/**
 * Tells every subscribed connection which of its entries a write made stale,
 * whichever client wrote. Subscriptions are scoped like requests: a
 * subscriber only hears of keys inside its own scope (token namespaces are
 * disjoint), so one tenant never learns another's keys.
 */
export class InvalidationHub {
  /** Prefix of every origin id: origins stay unique across server restarts. */
  readonly #instance = randomBytes(6).toString('base64url');
  readonly #subscribers = new Set<PushSubscriber>();

  /** The origin id of connection `connectionId`, announced to it in WELCOME. */
  origin(connectionId: number): string {
    return `${this.#instance}.${connectionId}`;
  }

  /** Adds or updates a subscriber; throws INVALID_ARGUMENT for a bad prefix list. */
  subscribe(subscriber: PushSubscriber, prefixes: WireValue): void {
    subscriber.prefixes = checkPrefixes(prefixes);
    this.#subscribers.add(subscriber);
  }

  unsubscribe(subscriber: PushSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  /**
   * Reports a write that `op` applied (or, `failed`, may have applied) for a
   * connection confined to `scope`. Cheap when nobody listens.
   */
  written(
    origin: string,
    scope: string,
    op: OpName,
    args: WireValue[],
    result: WireValue,
    failed: boolean,
  ): void {
    if (this.#subscribers.size === 0) return;
    const effect = effectOf(scope, op, args, failed ? true : result);
    if (effect === undefined) return;
    for (const subscriber of this.#subscribers) {
      const invalidation = forSubscriber(subscriber, effect);
      if (invalidation !== undefined) subscriber.push(origin, invalidation);
    }
  }
}

// Called after dispatch ran the operation, so the arguments have been checked already.
function effectOf(
  scope: string,
  op: OpName,
  args: WireValue[],
  result: WireValue,
): Effect | undefined {
  switch (op) {
    case 'set':
    case 'delete':
    case 'getAndSet':
    case 'increment':
      return { keys: [scope + (args[0] as string)] };
    case 'setIfAbsent':
      return result === true ? { keys: [scope + (args[0] as string)] } : undefined;
    case 'setMany':
    case 'deleteMany': {
      const keys = args[0] as string[];
      return keys.length === 0 ? undefined : { keys: keys.map((k) => scope + k) };
    }
    case 'clear':
      return { prefix: args[0] === undefined ? scope : `${scope}${args[0] as string}:` };
    default:
      return undefined;
  }
}

function forSubscriber(s: PushSubscriber, effect: Effect): PushedInvalidation | undefined {
  const { scope, prefixes } = s;
  if ('keys' in effect) {
    const keys: string[] = [];
    for (const key of effect.keys) {
      if (!key.startsWith(scope)) continue;
      const relative = key.slice(scope.length);
      if (prefixes.some((p) => relative.startsWith(p))) keys.push(relative);
    }
    return keys.length === 0 ? undefined : { kind: 'keys', keys };
  }
  const { prefix } = effect;
  if (!prefix.startsWith(scope)) return scope.startsWith(prefix) ? { kind: 'all' } : undefined;
  const relative = prefix.slice(scope.length);
  if (relative === '') return { kind: 'all' };
  return prefixes.some((p) => relative.startsWith(p) || p.startsWith(relative))
    ? { kind: 'prefix', prefix: relative }
    : undefined;
}

function checkPrefixes(value: WireValue): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > MAX_SUBSCRIBED_PREFIXES ||
    !value.every(
      (p): p is string =>
        typeof p === 'string' &&
        p.isWellFormed() &&
        Buffer.byteLength(p) <= MAX_SUBSCRIBED_PREFIX_BYTES,
    )
  ) {
    throw new CacheError(
      'INVALID_ARGUMENT',
      `subscribe needs 1 to ${MAX_SUBSCRIBED_PREFIXES} prefixes, each a string of at most ${MAX_SUBSCRIBED_PREFIX_BYTES} UTF-8 bytes ('' for every key)`,
      { operation: 'subscribe', backend: 'proxy' },
    );
  }
  return [...value];
}
