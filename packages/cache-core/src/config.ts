import type { CachePolicy, CacheType } from './types.js';

/** Fields every backend accepts. */
export interface BaseCacheConfig {
  /** Prefix of every stored key (`app` stores `k` as `app:k`); the cache never touches keys outside it. */
  namespace?: string | undefined;
  /** TTL of writes that give none, in ms; `Infinity` for no expiry. Default 300 000. */
  defaultTtlMs?: number | undefined;
  /** Largest value accepted, in bytes; larger writes reject with VALUE_TOO_LARGE. */
  maxValueBytes?: number | undefined;
  /** Network backends fail an operation with TIMEOUT after this many ms. */
  operationTimeoutMs?: number | undefined;
  /** Put keys in tracing contexts and events (docs/OBSERVABILITY.md). Default false: keys can be personal data. */
  traceKeys?: boolean | undefined;
}

/** The in-process backend. */
export interface MemoryCacheConfig extends BaseCacheConfig {
  type: 'memory';
  /** Eviction policy once a bound is reached. Default `lru`. */
  policy?: CachePolicy | undefined;
  /** Most entries held. */
  maxItems?: number | undefined;
  /** Most bytes held (key bytes + value bytes). */
  maxSizeBytes?: number | undefined;
  /** How often expired entries are swept, in ms. */
  sweepIntervalMs?: number | undefined;
  /** Copy values on the way in and out (default true). */
  copyValues?: boolean | undefined;
  /** Follow this many hottest keys by the frequency sketch (`lfu`, `tinylfu`; off by default). */
  hotKeys?: number | undefined;
}

/** One file per entry in a local directory. */
export interface FileCacheConfig extends BaseCacheConfig {
  type: 'file';
  /** The directory that holds the entries; created when missing. */
  directory: string;
  /** Most entries kept; the sweep evicts the least recently used above it. */
  maxItems?: number | undefined;
  /** Most bytes kept (entry files); the sweep evicts the least recently used above it. */
  maxSizeBytes?: number | undefined;
  /** How often expired entries, orphaned temp files and excess entries are swept, in ms. */
  sweepIntervalMs?: number | undefined;
  /** A per-key file lock older than this many ms is taken as abandoned. */
  lockStaleMs?: number | undefined;
  /** fsync each write before it is renamed into place. */
  durable?: boolean | undefined;
}

/**
 * Redis through ioredis. Give exactly one of `url`, `hosts` (+ `port`),
 * `cluster`, `sentinel` or `client`; with none, the cache connects to 127.0.0.1:6379.
 */
export interface RedisCacheConfig extends BaseCacheConfig {
  type: 'redis';
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). */
  url?: string | undefined;
  /** One `host` or `host:port`; several hosts need `cluster` or `sentinel`. */
  hosts?: readonly string[] | undefined;
  /** Port of `hosts` entries that give none. Default 6379. */
  port?: number | undefined;
  /** ACL user (Redis 6+). */
  username?: string | undefined;
  /** Password; never appears in error messages. */
  password?: string | undefined;
  /** `true` for TLS with default options, or Node `tls.connect` options. */
  tls?: boolean | Record<string, unknown> | undefined;
  /** Database index (not in Cluster mode). Default 0. */
  database?: number | undefined;
  /** How long connecting may take, in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined;
  /** Redis Cluster: seed nodes as `host:port`. */
  cluster?: { nodes: readonly string[] } | undefined;
  /** Sentinel: the sentinels as `host:port`, and the master's name. */
  sentinel?: { sentinels: readonly string[]; name: string } | undefined;
  /** An existing ioredis `Redis` or `Cluster` to use instead of connecting. */
  client?: unknown;
  /** With `client`: whether `close()` also closes it. Default false: the client is yours. */
  closeClient?: boolean | undefined;
}

/** Memcached through memjs. */
export interface MemcachedCacheConfig extends BaseCacheConfig {
  type: 'memcached';
  /** `host:port` of each server. */
  servers: readonly string[];
  username?: string | undefined;
  password?: string | undefined;
  /** Re-tries of idempotent requests (get, set, getMany, ping) after a network error. */
  retries?: number | undefined;
  /** How long a namespace's generation token is cached locally, in ms (0: read it every time). */
  generationCacheMs?: number | undefined;
}

/** A cache served by another process. */
export interface ProxyCacheConfig extends BaseCacheConfig {
  type: 'proxy';
  /** `'ipc'` (the parent's channel), a Unix socket or a loopback TCP address. */
  transport: 'ipc' | { socketPath: string } | { host: string; port: number };
  /** The token the server knows this client by. */
  token?: string | undefined;
  connectTimeoutMs?: number | undefined;
}

/** Any backend's configuration, discriminated by `type`. */
export type CacheConfig =
  | MemoryCacheConfig
  | FileCacheConfig
  | RedisCacheConfig
  | MemcachedCacheConfig
  | ProxyCacheConfig;

/** A backend's own factory accepts its config with `type` left out. */
export type WithOptionalType<C extends { type: CacheType }> = Omit<C, 'type'> & {
  type?: C['type'];
};
