import { CacheError } from './errors.js';
import { validateNamespace } from './keys.js';
import type { CacheType } from './types.js';

/** Checks one config field; returns what is wrong with it, or undefined when it is fine. */
export type FieldRule = (value: unknown) => string | undefined;

/** The rules of a backend's config, one per accepted field (`type` included). */
export type ConfigSchema = Readonly<Record<string, FieldRule>>;

const show = (value: unknown): string => {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
};

/** Ready-made field rules. */
export const rules = {
  string: (): FieldRule => (v) =>
    typeof v === 'string' ? undefined : `must be a string, got ${show(v)}`,
  nonEmptyString: (): FieldRule => (v) =>
    typeof v === 'string' && v.length > 0
      ? undefined
      : `must be a non-empty string, got ${show(v)}`,
  boolean: (): FieldRule => (v) =>
    typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`,
  /** A whole number within [min, max]. */
  integer:
    (min: number, max = Number.MAX_SAFE_INTEGER): FieldRule =>
    (v) =>
      Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
        ? undefined
        : `must be a whole number from ${min} to ${max}, got ${show(v)}`,
  /** Milliseconds: positive and finite, or Infinity when allowed. */
  durationMs:
    (options: { allowInfinity?: boolean } = {}): FieldRule =>
    (v) =>
      typeof v === 'number' &&
      v > 0 &&
      (Number.isFinite(v) || (options.allowInfinity === true && v === Number.POSITIVE_INFINITY))
        ? undefined
        : `must be a positive number of milliseconds${options.allowInfinity ? ' or Infinity' : ''}, got ${show(v)}`,
  oneOf:
    (allowed: readonly string[]): FieldRule =>
    (v) =>
      typeof v === 'string' && allowed.includes(v)
        ? undefined
        : `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`,
  stringArray:
    (options: { nonEmpty?: boolean } = {}): FieldRule =>
    (v) =>
      Array.isArray(v) &&
      v.every((s) => typeof s === 'string' && s.length > 0) &&
      (!options.nonEmpty || v.length > 0)
        ? undefined
        : `must be an array of${options.nonEmpty ? ' at least one' : ''} non-empty strings`,
  /** A password or token: a non-empty string; its value never appears in the message. */
  secret: (): FieldRule => (v) =>
    typeof v === 'string' && v.length > 0
      ? undefined
      : `must be a non-empty string (got a ${v === null ? 'null' : typeof v}; the value is not shown)`,
  /** Anything (checked by the backend itself). */
  any: (): FieldRule => () => undefined,
  /** An object whose own fields follow `schema`. */
  object:
    (schema: ConfigSchema): FieldRule =>
    (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        return `must be an object, got ${show(v)}`;
      for (const key of Object.keys(v)) if (!(key in schema)) return `has unknown field '${key}'`;
      for (const [key, rule] of Object.entries(schema)) {
        const problem = rule((v as Record<string, unknown>)[key]);
        if (problem !== undefined) return `field '${key}' ${problem}`;
      }
      return undefined;
    },
  /** Accepts undefined, else applies `rule`. */
  optional:
    (rule: FieldRule): FieldRule =>
    (v) =>
      v === undefined ? undefined : rule(v),
  /** Accepts values that pass any of the rules. */
  either:
    (...options: FieldRule[]): FieldRule =>
    (v) => {
      const problems = options.map((rule) => rule(v));
      return problems.some((p) => p === undefined) ? undefined : problems.join(', or ');
    },
} as const;

/** The fields every backend accepts, with their rules. */
export const baseConfigSchema: ConfigSchema = {
  namespace: rules.optional(rules.any()),
  defaultTtlMs: rules.optional(rules.durationMs({ allowInfinity: true })),
  maxValueBytes: rules.optional(rules.integer(1)),
  operationTimeoutMs: rules.optional(rules.durationMs()),
  traceKeys: rules.optional(rules.boolean()),
};

/**
 * Validates a backend's config against `schema` plus the shared fields.
 * Throws CONFIGURATION naming the first unknown field, wrong type or
 * impossible value. `type` may be left out; when given it must be `backend`.
 */
export function validateConfig<C extends object>(
  backend: CacheType,
  config: unknown,
  schema: ConfigSchema,
): C {
  const fail = (message: string): never => {
    throw new CacheError('CONFIGURATION', `${backend} cache config: ${message}`, {
      operation: 'create',
      backend,
    });
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    fail(`must be an object, got ${show(config)}`);
  const record = config as Record<string, unknown>;
  if (record.type !== undefined && record.type !== backend) {
    fail(`field 'type' is ${show(record.type)}; this factory only builds '${backend}' caches`);
  }
  const all: Record<string, FieldRule> = { ...baseConfigSchema, ...schema };
  for (const key of Object.keys(record)) {
    if (key !== 'type' && !(key in all))
      fail(`unknown field '${key}'; accepted fields are ${Object.keys(all).join(', ')}`);
  }
  for (const [key, rule] of Object.entries(all)) {
    const problem = rule(record[key]);
    if (problem !== undefined) fail(`field '${key}' ${problem}`);
  }
  if (record.namespace !== undefined) validateNamespace(record.namespace, backend);
  return config as C;
}
