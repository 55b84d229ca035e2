import { CacheError } from './errors.js';
import type { CacheType } from './types.js';

/** The longest key accepted, in UTF-8 bytes (the namespace not counted). */
export const MAX_KEY_BYTES = 1024;
/** The longest namespace accepted, in UTF-8 bytes. */
export const MAX_NAMESPACE_BYTES = 256;

/**
 * Keys that start with this character are reserved for the caches' own key
 * spaces (locks, generation counters), so no user key can collide with them.
 */
export const RESERVED_KEY_PREFIX = '\u0000';
/** The key space of locks, inside the namespace: `lock('x')` never meets `get('x')`. */
export const LOCK_KEY_SPACE = `${RESERVED_KEY_PREFIX}lock:`;

function describeKey(key: unknown): string {
  if (typeof key !== 'string') return typeof key;
  return key.length > 40 ? `"${key.slice(0, 40)}…" (${key.length} chars)` : JSON.stringify(key);
}

/**
 * Throws INVALID_KEY unless `key` is a well-formed, non-empty string of at
 * most {@link MAX_KEY_BYTES} UTF-8 bytes that does not start with U+0000.
 */
export function validateKey(
  key: unknown,
  operation: string,
  backend?: CacheType,
): asserts key is string {
  if (isPlainShortKey(key) && key.isWellFormed()) return;
  checkKeyFully(key, operation, backend);
}

/**
 * {@link validateKey} less the lone-surrogate check, for a store that compares keys as exact
 * strings (`StoreCapabilities.exactStringKeys`) under a namespace: there an ill-formed key can
 * match no stored key, so the service checks it when a read misses and the store when a key is
 * new to it.
 */
export function validateKeyExceptSurrogates(
  key: unknown,
  operation: string,
  backend?: CacheType,
): asserts key is string {
  if (hasPlainShape(key) && key.charCodeAt(0) !== 0) return;
  checkKeyFully(key, operation, backend);
}

/**
 * {@link validateKey} less every check that reads the key's characters (a lone surrogate, a
 * leading U+0000), for a store with exact keys and no namespace: the store refuses such a key
 * when it is new, so a read that hits had a valid key and one that misses is checked then.
 *
 * Why not read them: V8 flattens a concatenated string (a `${kind}:${id}` key) in place the
 * first time its characters are read; when that key object is old, every later lookup with it
 * follows one more pointer to the flat copy, and lru-cache, which never reads its keys, does
 * not pay that. The memory store reads a key once, when it stores it.
 */
export function validateKeyShape(
  key: unknown,
  operation: string,
  backend?: CacheType,
): asserts key is string {
  if (hasPlainShape(key)) return;
  checkKeyFully(key, operation, backend);
}

/**
 * A non-empty string short enough that even 3 UTF-8 bytes per UTF-16 unit fit, not starting
 * with U+0000: the usual key, which leaves only the surrogate check (the rest is rare).
 */
function isPlainShortKey(key: unknown): key is string {
  return hasPlainShape(key) && key.charCodeAt(0) !== 0;
}

/** A non-empty string short enough that even 3 UTF-8 bytes per UTF-16 unit fit (its characters unread). */
function hasPlainShape(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_BYTES / 3;
}

// Apart from validateKey so that its fast path stays small enough to inline into every operation.
function checkKeyFully(key: unknown, operation: string, backend?: CacheType): void {
  let problem: string;
  if (typeof key !== 'string') problem = `must be a string, got ${describeKey(key)}`;
  else if (key.length === 0) problem = 'must not be empty';
  else if (key.charCodeAt(0) === 0)
    problem = 'must not start with U+0000 (reserved for internal keys)';
  else if (!key.isWellFormed())
    problem = 'contains a lone UTF-16 surrogate, which has no UTF-8 form';
  else if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
    problem = `is ${Buffer.byteLength(key, 'utf8')} UTF-8 bytes; the limit is ${MAX_KEY_BYTES}`;
  else return;
  throw new CacheError('INVALID_KEY', `key ${describeKey(key)} ${problem}`, { operation, backend });
}

/**
 * Throws INVALID_ARGUMENT unless `prefix` (for `clear(prefix)`) is a
 * well-formed non-empty string of at most {@link MAX_KEY_BYTES} UTF-8 bytes.
 */
export function validatePrefix(
  prefix: unknown,
  operation: string,
  backend?: CacheType,
): asserts prefix is string {
  if (
    typeof prefix === 'string' &&
    prefix.length > 0 &&
    prefix.isWellFormed() &&
    Buffer.byteLength(prefix) <= MAX_KEY_BYTES &&
    prefix.charCodeAt(0) !== 0
  )
    return;
  throw new CacheError(
    'INVALID_ARGUMENT',
    `prefix ${describeKey(prefix)} must be a non-empty string of at most ${MAX_KEY_BYTES} UTF-8 bytes not starting with U+0000`,
    { operation, backend },
  );
}

/** Throws CONFIGURATION unless `namespace` is usable as a key prefix. */
export function validateNamespace(
  namespace: unknown,
  backend?: CacheType,
): asserts namespace is string {
  if (
    typeof namespace === 'string' &&
    namespace.length > 0 &&
    namespace.charCodeAt(0) !== 0 &&
    namespace.isWellFormed() &&
    Buffer.byteLength(namespace) <= MAX_NAMESPACE_BYTES
  )
    return;
  throw new CacheError(
    'CONFIGURATION',
    `config field 'namespace' must be a non-empty string of at most ${MAX_NAMESPACE_BYTES} UTF-8 bytes (got ${describeKey(namespace)})`,
    { operation: 'create', backend },
  );
}

/** The string prepended to every stored key: `'app:'` for namespace `'app'`, else `''`. */
export function namespacePrefix(namespace: string | undefined): string {
  return namespace === undefined ? '' : `${namespace}:`;
}
