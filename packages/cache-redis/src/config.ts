import {
  CacheError,
  type ConfigSchema,
  type FieldRule,
  type RedisCacheConfig,
  rules,
  validateConfig,
  type WithOptionalType,
} from '@pywatt/cache-core';
import type { Cluster, Redis } from 'ioredis';

/** Default `operationTimeoutMs`: a command that gets no answer within this rejects with TIMEOUT. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5_000;
/** Default `connectTimeoutMs`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The config of {@link createRedisCache}: core's `RedisCacheConfig` (where each
 * field is documented) with `type` optional and `client` narrowed to an ioredis
 * `Redis` or `Cluster`. `operationTimeoutMs` defaults to 5 000 here.
 */
export interface RedisCacheOptions extends Omit<WithOptionalType<RedisCacheConfig>, 'client'> {
  /** An existing ioredis client to use; its own options then govern timeouts and retries. */
  client?: Redis | Cluster | undefined;
}

/** Anything `createRedisCache` accepts: the narrow options or core's config. */
export type RedisCacheInput = RedisCacheOptions | WithOptionalType<RedisCacheConfig>;

const addressArray =
  (): FieldRule =>
  (v): string | undefined =>
    rules.stringArray({ nonEmpty: true })(v) ??
    (v as string[])
      .filter((a) => parseAddress(a, 6379) === undefined)
      .map((a) => `has ${JSON.stringify(a)}, which is not 'host' or 'host:port'`)[0];

const schema: ConfigSchema = {
  url: rules.optional((v) =>
    typeof v === 'string' && /^rediss?:\/\/./.test(v)
      ? undefined
      : 'must be a redis:// or rediss:// URL',
  ),
  hosts: rules.optional(addressArray()),
  port: rules.optional(rules.integer(1, 65535)),
  username: rules.optional(rules.nonEmptyString()),
  password: rules.optional(rules.string()),
  // Node's TLS options may have any shape: only the type is checked.
  tls: rules.optional((v) =>
    typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v))
      ? undefined
      : 'must be true, false or an object of TLS options',
  ),
  database: rules.optional(rules.integer(0, 2 ** 31 - 1)),
  connectTimeoutMs: rules.optional(rules.durationMs()),
  cluster: rules.optional(rules.object({ nodes: addressArray() })),
  sentinel: rules.optional(
    rules.object({ sentinels: addressArray(), name: rules.nonEmptyString() }),
  ),
  client: rules.optional((v) =>
    typeof v === 'object' && v !== null && typeof (v as Redis).sendCommand === 'function'
      ? undefined
      : 'must be an ioredis Redis or Cluster instance',
  ),
  closeClient: rules.optional(rules.boolean()),
};
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
  const c = validateConfig<RedisCacheOptions>('redis', config, schema);
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
