import { backoffDelayMs } from '@pywatt/cache-core/store';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_OPERATION_TIMEOUT_MS,
  parseAddress,
  type RedisCacheOptions,
} from './config.js';
import { Dispatcher } from './dispatch.js';
import { SentinelWatch } from './sentinel-watch.js';

/** What the cache talks to, plus a password-free description for messages. */
export interface Connection {
  readonly client: Redis | Cluster;
  /** Sends every command of the cache: batching per tick, the timeout sweep, the failover hold. */
  readonly dispatcher: Dispatcher;
  /** Sentinel only: follows failovers (start it once connected). */
  readonly watch: SentinelWatch | undefined;
  /** e.g. `redis at 127.0.0.1:6379`, `redis cluster at a:1, b:2`. */
  readonly endpoint: string;
  /** Whether close() closes the client. */
  readonly owned: boolean;
  /** Configured command timeout in ms, for messages (undefined for a passed client). */
  readonly operationTimeoutMs: number | undefined;
  /** How long connecting may take, in ms. */
  readonly connectTimeoutMs: number;
}

/** Longest failover hold without a `+switch-master` or an abort (a lost event): see SentinelWatch. */
const MAX_HOLD_MS = 10_000;

/**
 * Reconnect delay: core's one backoff, exponential from 100 ms to 500 ms with jitter so clients
 * do not reconnect in step. The low cap puts a client back within half a second of Redis
 * returning (a tiered cache's coherence after an outage waits on it); a refused connect costs little.
 */
export function backoffMs(attempt: number): number {
  return Math.round(backoffDelayMs(attempt, RECONNECT_DELAYS));
}
const RECONNECT_DELAYS = { baseDelayMs: 100, maxDelayMs: 500, factor: 2 } as const;

// A replica that was the master before a failover answers READONLY: reconnect (never re-send).
const reconnectOnReadOnly = (error: Error): boolean | 1 => error.message.startsWith('READONLY');

/** Builds (without connecting) the ioredis client a config asks for. */
export function buildConnection(config: RedisCacheOptions): Connection {
  if (config.client !== undefined) {
    const client = config.client;
    return {
      client,
      dispatcher: new Dispatcher(client, undefined),
      watch: undefined,
      endpoint: describeClient(client),
      owned: config.closeClient === true,
      operationTimeoutMs: undefined,
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    };
  }
  const operationTimeoutMs = config.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const connectTimeoutMs = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const common: RedisOptions = {
    lazyConnect: true,
    // The Dispatcher batches the commands of one tick itself (dispatch.ts).
    enableAutoPipelining: false,
    connectTimeout: Math.ceil(connectTimeoutMs),
    // Commands in flight when a connection drops are rejected, never re-sent:
    // an increment that may have run must not run twice.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    reconnectOnError: reconnectOnReadOnly,
    username: config.username,
    password: config.password,
    ...(config.tls === undefined || config.tls === false
      ? {}
      : { tls: config.tls === true ? {} : config.tls }),
  };
  if (config.cluster !== undefined) {
    const nodes = config.cluster.nodes.map(
      (n) => parseAddress(n, 6379) as { host: string; port: number },
    );
    const { lazyConnect: _l, enableAutoPipelining: _a, ...rest } = common;
    // Cluster builds its node clients itself: they keep ioredis's timer per command.
    const redisOptions = { ...rest, commandTimeout: Math.ceil(operationTimeoutMs) };
    const options: ClusterOptions = {
      lazyConnect: true,
      // Not auto-pipelined: ioredis re-runs a whole batch on the ASK target when the batch's
      // failed commands share one ASK and the others are reads, replacing the reads' answers
      // from the source with the target's (a miss for a key not migrated yet).
      enableAutoPipelining: false,
      // Not ready (slots unknown, every node down): fail at once rather than queue without bound.
      enableOfflineQueue: false,
      scaleReads: 'master',
      clusterRetryStrategy: backoffMs,
      // No silent re-send after a dropped connection; MOVED/ASK redirections are still followed.
      retryDelayOnFailover: 0,
      maxRedirections: 16,
      slotsRefreshTimeout: Math.ceil(connectTimeoutMs),
      redisOptions,
    };
    const client = new Cluster(nodes, options);
    return {
      client,
      dispatcher: new Dispatcher(client, undefined),
      watch: undefined,
      endpoint: `redis cluster at ${config.cluster.nodes.join(', ')}`,
      owned: true,
      operationTimeoutMs,
      connectTimeoutMs,
    };
  }
  const base: RedisOptions = {
    ...common,
    db: config.database ?? 0,
    retryStrategy: backoffMs,
    enableOfflineQueue: true,
  };
  if (config.sentinel !== undefined) {
    const sentinels = config.sentinel.sentinels.map(
      (s) => parseAddress(s, 26379) as { host: string; port: number },
    );
    const client = new Redis({
      ...base,
      sentinels,
      name: config.sentinel.name,
      sentinelRetryStrategy: backoffMs,
    });
    const dispatcher = new Dispatcher(client, operationTimeoutMs);
    return {
      client,
      dispatcher,
      watch: new SentinelWatch(client, dispatcher, {
        sentinels,
        name: config.sentinel.name,
        maxHoldMs: Math.max(MAX_HOLD_MS, 2 * operationTimeoutMs),
        retryStrategy: backoffMs,
      }),
      endpoint: `redis master '${config.sentinel.name}' via sentinels ${config.sentinel.sentinels.join(', ')}`,
      owned: true,
      operationTimeoutMs,
      connectTimeoutMs,
    };
  }
  if (config.url !== undefined) {
    const url = new URL(config.url);
    const client = new Redis(config.url, {
      ...base,
      db: config.database ?? (url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0),
      username:
        config.username ?? (url.username === '' ? undefined : decodeURIComponent(url.username)),
      password:
        config.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password)),
      ...(url.protocol === 'rediss:' && base.tls === undefined ? { tls: {} } : {}),
    });
    return {
      client,
      dispatcher: new Dispatcher(client, operationTimeoutMs),
      watch: undefined,
      endpoint: `redis at ${url.hostname || '127.0.0.1'}:${url.port || '6379'}`,
      owned: true,
      operationTimeoutMs,
      connectTimeoutMs,
    };
  }
  const host = parseAddress(config.hosts?.[0] ?? '127.0.0.1', config.port ?? 6379) as {
    host: string;
    port: number;
  };
  const client = new Redis({ ...base, host: host.host, port: host.port });
  return {
    client,
    dispatcher: new Dispatcher(client, operationTimeoutMs),
    watch: undefined,
    endpoint: `redis at ${host.host}:${host.port}`,
    owned: true,
    operationTimeoutMs,
    connectTimeoutMs,
  };
}

function describeClient(client: Redis | Cluster): string {
  if (client.isCluster) {
    const nodes = (client as Cluster).nodes().map((n) => `${n.options.host}:${n.options.port}`);
    return nodes.length > 0
      ? `redis cluster at ${nodes.join(', ')}`
      : 'redis cluster (passed client)';
  }
  const options = (client as Redis).options;
  if (options.sentinels != null && options.sentinels.length > 0) {
    return `redis master '${options.name}' via sentinels ${options.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
  }
  return `redis at ${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
