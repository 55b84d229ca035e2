import { CacheError } from '@pywatt/cache-core';
import {
  type BackendConfig,
  type FieldRule,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core/store';
import type { Cluster, Redis } from 'ioredis';

/** Default `operationTimeoutMs`: a command that gets no answer within this rejects with TIMEOUT. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5_000;
/** Default `connectTimeoutMs`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const addressArray =
  (): FieldRule<readonly string[]> =>
  (v): string | undefined =>
    rules.stringArray({ nonEmpty: true })(v) ??
    (v as string[])
      .filter((a) => parseAddress(a, 6379) === undefined)
      .map((a) => `has ${JSON.stringify(a)}, which is not 'host' or 'host:port'`)[0];

/**
 * The Redis backend's own fields: each declared once, here; the config type is
 * derived from it. Give exactly one of `url`, `hosts` (+ `port`), `cluster`,
 * `sentinel` or `client`; with none, the cache connects to 127.0.0.1:6379.
 */
export const redisConfigSchema = {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). */
  url: rules.optional<string>((v) =>
    typeof v === 'string' && /^rediss?:\/\/./.test(v)
      ? undefined
      : 'must be a redis:// or rediss:// URL',
  ),
  /** One `host` or `host:port`; several hosts need `cluster` or `sentinel`. */
  hosts: rules.optional(addressArray()),
  /** Port of `hosts` entries that give none. Default 6379. */
  port: rules.optional(rules.integer(1, 65535)),
  /** ACL user (Redis 6+). */
  username: rules.optional(rules.nonEmptyString()),
  /** Password; never appears in error messages. */
  password: rules.optional(rules.string()),
  /** `true` for TLS with default options, or Node `tls.connect` options. Only the type is checked. */
  tls: rules.optional<boolean | Record<string, unknown>>((v) =>
    typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v))
      ? undefined
      : 'must be true, false or an object of TLS options',
  ),
  /** Database index (not in Cluster mode). Default 0. */
  database: rules.optional(rules.integer(0, 2 ** 31 - 1)),
  /** How long connecting may take, in ms. Default 10 000. */
  connectTimeoutMs: rules.optional(rules.durationMs()),
  /** Redis Cluster: seed nodes as `host:port`. */
  cluster: rules.optional(rules.object({ nodes: addressArray() })),
  /** Sentinel: the sentinels as `host:port`, and the master's name. */
  sentinel: rules.optional(
    rules.object({ sentinels: addressArray(), name: rules.nonEmptyString() }),
  ),
  /** An existing ioredis `Redis` or `Cluster` to use instead of connecting; its own options then govern timeouts and retries. */
  client: rules.optional<Redis | Cluster>((v) =>
    typeof v === 'object' && v !== null && typeof (v as Redis).sendCommand === 'function'
      ? undefined
      : 'must be an ioredis Redis or Cluster instance',
  ),
  /** With `client`: whether `close()` also closes it. Default false: the client is yours. */
  closeClient: rules.optional(rules.boolean()),
};

/** Redis through ioredis: the config `createCacheService` takes. `operationTimeoutMs` defaults to 5 000. */
export type RedisCacheConfig = BackendConfig<'redis', typeof redisConfigSchema>;

/** The config of {@link createRedisCache}: {@link RedisCacheConfig} with `type` optional. */
export type RedisCacheOptions = WithOptionalType<RedisCacheConfig>;

/** Anything `createRedisCache` accepts (kept for code written against earlier versions). */
export type RedisCacheInput = RedisCacheOptions;

/** Splits `host`, `host:port` or `[v6]:port`; undefined when malformed. */
export function parseAddress(
  text: string,
  defaultPort: number,
): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  if (match === null) return undefined;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

const fail = (message: string): never => {
  throw new CacheError('CONFIGURATION', `redis cache config: ${message}`, {
    operation: 'create',
    backend: 'redis',
  });
};

/**
 * Validates a Redis config: field types (CONFIGURATION naming the field), then
 * the combinations: one connection source at most, `port` only with `hosts`,
 * no `database` in Cluster mode, connection fields not mixed with `client`.
 */
export function validateRedisConfig(config: unknown): RedisCacheOptions {
  const c = validateConfig('redis', config, redisConfigSchema) as RedisCacheOptions;
  const sources = (['url', 'hosts', 'cluster', 'sentinel', 'client'] as const).filter(
    (field) => c[field] !== undefined,
  );
  if (sources.length > 1) {
    fail(
      `give only one of url, hosts, cluster, sentinel and client (got ${sources.join(' and ')})`,
    );
  }
  if (c.port !== undefined && c.hosts === undefined) {
    fail(`field 'port' goes with 'hosts'; put the port in the url or the node addresses instead`);
  }
  if (c.hosts !== undefined && c.hosts.length > 1) {
    fail(
      `field 'hosts' lists ${c.hosts.length} hosts; for several nodes use cluster: { nodes } or sentinel: { sentinels, name }`,
    );
  }
  if (c.database !== undefined && c.cluster !== undefined) {
    fail(`field 'database' cannot be used with 'cluster': Redis Cluster only has database 0`);
  }
  if (c.client !== undefined) {
    const connection = (
      ['username', 'password', 'tls', 'database', 'connectTimeoutMs', 'operationTimeoutMs'] as const
    ).filter((field) => c[field] !== undefined);
    if (connection.length > 0) {
      fail(
        `field '${connection[0]}' cannot be combined with 'client': configure the ioredis client itself (commandTimeout, db, password...)`,
      );
    }
  } else if (c.closeClient !== undefined) {
    fail(`field 'closeClient' only applies together with 'client'`);
  }
  return c;
}
