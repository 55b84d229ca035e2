import { CacheError } from '@pywatt/cache-core';
import {
  type BackendConfig,
  type FieldRule,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core/store';

/** Defaults of the optional fields. */
export const DEFAULTS = {
  operationTimeoutMs: 1000,
  retries: 0,
  generationCacheMs: 1000,
  /** memcached's default item size (`-I 1m`). */
  maxValueBytes: 1024 * 1024,
} as const;

/** One server of the config. */
export interface ServerAddress {
  host: string;
  port: number;
  /** Its share of the keys on the ring (`host:port:weight`, as libmemcached and pylibmc write it); default 1. */
  weight?: number;
}

const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+)):([0-9]{1,5})(?::([0-9]{1,4}))?$/;

/** Parses `host:port[:weight]` (or `[v6]:port[:weight]`, weight 1–1000); undefined when malformed. */
export function parseServer(text: string): ServerAddress | undefined {
  const match = HOST_PORT.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  const address: ServerAddress = { host: (match[1] ?? match[2]) as string, port };
  if (match[4] === undefined) return address;
  const weight = Number(match[4]);
  return weight >= 1 && weight <= 1000 ? { ...address, weight } : undefined;
}

const serversRule: FieldRule<readonly string[]> = (value) => {
  if (!Array.isArray(value) || value.length === 0)
    return "must be a non-empty array of 'host:port' (or 'host:port:weight') strings, e.g. ['127.0.0.1:11211']";
  if (value.length > 1000) return 'lists more than 1000 servers';
  const seen = new Set<string>();
  for (const entry of value) {
    const parsed = typeof entry === 'string' ? parseServer(entry) : undefined;
    if (parsed === undefined)
      return `has ${typeof entry === 'string' ? JSON.stringify(entry) : `a ${typeof entry}`}, which is not 'host:port' with a port from 1 to 65535 (and an optional ':weight' from 1 to 1000)`;
    const server = `${parsed.host}:${parsed.port}`;
    if (seen.has(server)) return `lists ${JSON.stringify(server)} twice`;
    seen.add(server);
  }
  return undefined;
};

// Never echoes the value: a mistyped password must not end up in a log.
const secretRule: FieldRule<string | undefined> = (value) =>
  value === undefined || (typeof value === 'string' && value.length > 0)
    ? undefined
    : `must be a non-empty string (got a ${typeof value})`;

/** The memcached backend's own fields: each declared once, here; the config type is derived from it. */
export const memcachedConfigSchema = {
  /** `host:port` of each server. */
  servers: serversRule,
  /** SASL PLAIN user; goes with `password`. */
  username: rules.optional(rules.nonEmptyString()),
  /** SASL PLAIN password; never appears in messages. */
  password: secretRule,
  /** Re-tries of idempotent requests (get, set, getMany, ping) after a network error. */
  retries: rules.optional(rules.integer(0, 10)),
  /**
   * How long a generation token (see `clear`) is cached in this process, in
   * ms; another process's `clear()` becomes visible here within this time.
   * 0 reads the tokens on every operation (one extra round trip). Default 1000.
   */
  generationCacheMs: rules.optional(rules.integer(0, 3_600_000)),
  interop: rules.optional(rules.boolean()),
};

/** Memcached through memjs: the config `createCacheService` takes. */
export type MemcachedCacheConfig = BackendConfig<'memcached', typeof memcachedConfigSchema>;

/** The memcached cache's config; `type` may be left out. */
export type MemcachedCacheOptions = WithOptionalType<MemcachedCacheConfig>;

/** Validates a config; throws CONFIGURATION naming the first bad field. */
export function validateMemcachedConfig(config: unknown): MemcachedCacheOptions {
  const valid = validateConfig('memcached', config, memcachedConfigSchema) as MemcachedCacheOptions;
  if ((valid.username === undefined) !== (valid.password === undefined)) {
    throw new CacheError(
      'CONFIGURATION',
      "memcached cache config: fields 'username' and 'password' (SASL PLAIN) go together; give both or neither",
      { operation: 'create', backend: 'memcached' },
    );
  }
  return valid;
}
