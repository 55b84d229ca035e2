// `@pywatt/cache-core/store`: what a backend author needs beyond the user API.
export {
  checkToken,
  checkValue,
  checkValueBytes,
  decodeWith,
  encodeWith,
  resolveLockTtl,
  resolveTtl,
} from '../argument-checks.js';
export { type BackoffOptions, backoffDelayMs } from '../backoff.js';
export { deepFreeze, jsonText, jsonTextCodec, parseJsonText } from '../codecs.js';
export {
  type BackendConfig,
  baseConfigSchema,
  type ConfigSchema,
  checkFields,
  type FieldRule,
  type InferConfig,
  type RuleType,
  rules,
  validateConfig,
  type WithOptionalType,
} from '../config-validation.js';
export { ConnectionEvents, type ConnectionSource } from '../connection-events.js';
export { entriesToArray, keysToArray } from '../entries.js';
export { isCallerError } from '../errors.js';
export {
  addToStoredInteger,
  encodeStoredInteger,
  notNumeric,
  outOfRange,
  parseStoredInteger,
  validateDelta,
} from '../integers.js';
export {
  LOCK_KEY_SPACE,
  namespacePrefix,
  RESERVED_KEY_PREFIX,
  validateKey,
  validateNamespace,
  validatePrefix,
} from '../keys.js';
export { readyOrClosed } from '../ready.js';
export { buildStats, createCounters, type StatsCounters } from '../stats.js';
export type {
  Awaitable,
  BackendStats,
  CacheStore,
  StoreCapabilities,
  StoreObserver,
} from '../store.js';
export { mapStoreError } from '../store-cache.js';
export { normalizeTtl } from '../ttl.js';
