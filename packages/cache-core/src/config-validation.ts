import { CacheError } from './errors.js';
import { LOCK_KEY_SPACE, MAX_KEY_BYTES, namespacePrefix, validateNamespace } from './keys.js';
import type { CacheStore } from './store.js';
import { DEFAULT_TTL_MS } from './ttl.js';
import type { CacheType } from './types.js';

/**
 * Checks one config field; returns what is wrong with it, or undefined when it
 * is fine. `T` is the type a passing value has, so a config type can be derived
 * from its schema ({@link InferConfig}) and the two cannot drift.
 */
export interface FieldRule<T = unknown> {
  (value: unknown): string | undefined;
  /** Type-level only: the type of a value that passes. Never set. */
  readonly __type?: T;
}

/** The rules of a config, one per accepted field. */
export type ConfigSchema = Readonly<Record<string, FieldRule>>;

/** The type of a value that passes `R`. */
export type RuleType<R> = R extends FieldRule<infer T> ? T : never;

/** The config type a schema accepts: fields whose rule allows undefined are optional. */
export type InferConfig<S extends ConfigSchema> = {
  -readonly [K in keyof S as undefined extends RuleType<S[K]> ? K : never]?: RuleType<S[K]>;
} & {
  -readonly [K in keyof S as undefined extends RuleType<S[K]> ? never : K]: RuleType<S[K]>;
};

const show = (value: unknown): string => {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Own properties only: `key in schema` would accept 'constructor', 'toString' or '__proto__'.
const unknownField = (record: object, schema: ConfigSchema): string | undefined =>
  Object.keys(record).find((key) => !Object.hasOwn(schema, key));

/**
 * What is wrong with `record` under `schema`: its first unknown field (own
 * properties only) or the first field its rule refuses, worded as
 * `unknown field 'x'…` or `field 'x' must…` (`label` replaces "field"); undefined
 * when it is fine. The one loop behind every config, option and nested-object check.
 */
export function checkFields(
  record: Record<string, unknown>,
  schema: ConfigSchema,
  label = 'field',
): string | undefined {
  const unknown = unknownField(record, schema);
  if (unknown !== undefined) {
    const accepted = Object.keys(schema).filter((k) => k !== 'type');
    return `unknown ${label} '${unknown}'; accepted: ${accepted.join(', ')}`;
  }
  for (const [key, rule] of Object.entries(schema)) {
    const problem = rule(record[key]);
    if (problem !== undefined) return `${label} '${key}' ${problem}`;
  }
  return undefined;
}

/** Ready-made field rules: the one validation dialect of every package. */
export const rules = {
  string: (): FieldRule<string> => (v) =>
    typeof v === 'string' ? undefined : `must be a string, got ${show(v)}`,
  nonEmptyString: (): FieldRule<string> => (v) =>
    typeof v === 'string' && v.length > 0
      ? undefined
      : `must be a non-empty string, got ${show(v)}`,
  boolean: (): FieldRule<boolean> => (v) =>
    typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`,
  /** A whole number within [min, max]. */
  integer:
    (min: number, max = Number.MAX_SAFE_INTEGER): FieldRule<number> =>
    (v) =>
      Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
        ? undefined
        : `must be a whole number from ${min} to ${max}, got ${show(v)}`,
  /** Milliseconds: positive and finite, or Infinity when allowed. */
  durationMs:
    (options: { allowInfinity?: boolean } = {}): FieldRule<number> =>
    (v) =>
      typeof v === 'number' &&
      v > 0 &&
      (Number.isFinite(v) || (options.allowInfinity === true && v === Number.POSITIVE_INFINITY))
        ? undefined
        : `must be a positive number of milliseconds${options.allowInfinity ? ' or Infinity' : ''}, got ${show(v)}`,
  oneOf:
    <const T extends string>(allowed: readonly T[]): FieldRule<T> =>
    (v) =>
      typeof v === 'string' && (allowed as readonly string[]).includes(v)
        ? undefined
        : `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`,
  stringArray:
    (options: { nonEmpty?: boolean } = {}): FieldRule<readonly string[]> =>
    (v) =>
      Array.isArray(v) &&
      v.every((s) => typeof s === 'string' && s.length > 0) &&
      (!options.nonEmpty || v.length > 0)
        ? undefined
        : `must be an array of${options.nonEmpty ? ' at least one' : ''} non-empty strings`,
  /** A password or token: a non-empty string; its value never appears in the message. */
  secret: (): FieldRule<string> => (v) =>
    typeof v === 'string' && v.length > 0
      ? undefined
      : `must be a non-empty string (got a ${v === null ? 'null' : typeof v}; the value is not shown)`,
  /** Anything of type `T` (checked by the backend itself). */
  any:
    <T = unknown>(): FieldRule<T> =>
    () =>
      undefined,
  /** An object whose own fields follow `schema`. */
  object:
    <S extends ConfigSchema>(schema: S): FieldRule<InferConfig<S>> =>
    (v) => {
      if (!isRecord(v)) return `must be an object, got ${show(v)}`;
      const problem = checkFields(v, schema);
      return problem === undefined ? undefined : `has ${problem}`;
    },
  /** Accepts undefined, else applies `rule`. */
  optional:
    <T>(rule: FieldRule<T>): FieldRule<T | undefined> =>
    (v) =>
      v === undefined ? undefined : rule(v),
  /** Accepts values that pass any of the rules. */
  either:
    <R extends readonly FieldRule[]>(...options: R): FieldRule<RuleType<R[number]>> =>
    (v) => {
      const problems = options.map((rule) => rule(v));
      return problems.some((p) => p === undefined) ? undefined : problems.join(', or ');
    },
} as const;

/** The fields every backend accepts, with their rules. */
export const baseConfigSchema = {
  /** Prefix of every stored key (`app` stores `k` as `app:k`); the cache never touches keys outside it. */
  namespace: rules.optional(rules.any<string>()),
  /** TTL of writes that give none, in ms; `Infinity` for no expiry. Default 300 000. */
  defaultTtlMs: rules.optional(rules.durationMs({ allowInfinity: true })),
  /** Largest value accepted, in bytes; larger writes reject with VALUE_TOO_LARGE. */
  maxValueBytes: rules.optional(rules.integer(1)),
  /** Network backends fail an operation with TIMEOUT after this many ms. */
  operationTimeoutMs: rules.optional(rules.durationMs()),
  /** Put keys in tracing contexts and events (docs/OBSERVABILITY.md). Default false: keys can be personal data. */
  traceKeys: rules.optional(rules.boolean()),
} satisfies ConfigSchema;

/** Fields every backend accepts. */
export type BaseCacheConfig = InferConfig<typeof baseConfigSchema>;

/** A backend's config: its `type`, the shared fields and the fields of its own schema. */
export type BackendConfig<Type extends string, S extends ConfigSchema> = {
  type: Type;
} & BaseCacheConfig &
  InferConfig<S>;

/** A backend's own factory accepts its config with `type` left out. */
export type WithOptionalType<C extends { type: CacheType }> = Omit<C, 'type'> & {
  type?: C['type'];
};

/**
 * Validates a backend's config against `schema` plus the shared fields.
 * Throws CONFIGURATION naming the first unknown field (own properties only:
 * `constructor` or a JSON `__proto__` are unknown fields), wrong type or
 * impossible value. `type` may be left out; when given it must be `backend`.
 */
export function validateConfig<S extends ConfigSchema>(
  backend: CacheType,
  config: unknown,
  schema: S,
): WithOptionalType<BackendConfig<string, S>> {
  const fail = (message: string): never => {
    throw new CacheError('CONFIGURATION', `${backend} cache config: ${message}`, {
      operation: 'create',
      backend,
    });
  };
  if (!isRecord(config)) return fail(`must be an object, got ${show(config)}`);
  if (Object.hasOwn(config, 'type') && config.type !== undefined && config.type !== backend) {
    fail(`field 'type' is ${show(config.type)}; this factory only builds '${backend}' caches`);
  }
  const problem = checkFields(config, { type: rules.any(), ...baseConfigSchema, ...schema });
  if (problem !== undefined) fail(problem);
  if (config.namespace !== undefined) validateNamespace(config.namespace, backend);
  return config as WithOptionalType<BackendConfig<string, S>>;
}

/** What {@link createCache} takes besides the store. */
export interface CacheServiceOptions {
  /** Prefix of every stored key (`app` stores `k` as `app:k`); the cache never touches keys outside it. */
  namespace?: string | undefined;
  /** TTL of writes that give none, in ms; `Infinity` for no expiry. Default 300 000. */
  defaultTtlMs?: number | undefined;
  /** Largest value accepted, in bytes. Default: the store's `capabilities.maxValueBytes`. */
  maxValueBytes?: number | undefined;
  /** Put keys in tracing contexts and events (docs/OBSERVABILITY.md). Default false: keys can be personal data. */
  traceKeys?: boolean | undefined;
}

const serviceSchema = {
  namespace: baseConfigSchema.namespace,
  defaultTtlMs: baseConfigSchema.defaultTtlMs,
  maxValueBytes: baseConfigSchema.maxValueBytes,
  traceKeys: baseConfigSchema.traceKeys,
} satisfies ConfigSchema;

/** The checked options of a service: the key prefix, default TTL and value bound. */
export function resolveServiceOptions(
  store: CacheStore,
  options: CacheServiceOptions,
): {
  keyPrefix: string;
  defaultTtlMs: number;
  maxValueBytes: number;
  namespace: string | undefined;
  traceKeys: boolean;
} {
  const fail = (message: string): never => {
    throw new CacheError('CONFIGURATION', `createCache: ${message}`, {
      operation: 'create',
      backend: typeof store?.name === 'string' ? store.name : undefined,
    });
  };
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function')
    fail('the first argument must be a CacheStore');
  if (typeof store.name !== 'string' || store.name.length === 0)
    fail("the store's name must be a non-empty string");
  if (typeof store.capabilities !== 'object' || store.capabilities === null)
    fail(`store '${store.name}' has no capabilities`);
  if (!isRecord(options)) return fail(`options must be an object, got ${show(options)}`);
  const problem = checkFields(options, serviceSchema, 'option');
  if (problem !== undefined) fail(problem);
  const valid = options as CacheServiceOptions;
  if (valid.namespace !== undefined) validateNamespace(valid.namespace, store.name);
  const keyPrefix = namespacePrefix(valid.namespace);
  // The longest full key the service can hand the store: a lock on a maximum-length key.
  const longestKeyBytes = Buffer.byteLength(keyPrefix + LOCK_KEY_SPACE) + MAX_KEY_BYTES;
  const storeMaxKey = store.capabilities.maxKeyBytes;
  if (!(storeMaxKey >= longestKeyBytes)) {
    fail(
      `store '${store.name}' accepts full keys of at most ${String(storeMaxKey)} UTF-8 bytes, but this cache needs ${longestKeyBytes} (the namespace prefix, the lock key space and a ${MAX_KEY_BYTES}-byte key); use a shorter namespace or a store that accepts longer keys`,
    );
  }
  const storeMax = store.capabilities.maxValueBytes;
  return {
    keyPrefix,
    defaultTtlMs: valid.defaultTtlMs ?? DEFAULT_TTL_MS,
    maxValueBytes: Math.min(valid.maxValueBytes ?? storeMax, storeMax),
    namespace: valid.namespace,
    traceKeys: valid.traceKeys === true,
  };
}
