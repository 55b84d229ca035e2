import { CacheError } from '@pywatt/cache-core';
import { checkFields, type FieldRule, rules } from '@pywatt/cache-core/store';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/constants.js';
import type { IpcChannel } from '../transport/ipc-channel.js';
import type { AuthOptions } from './auth.js';
import type { ConnectionEvent } from './connection.js';
import type { Servable } from './hosted-cache.js';
import type { ServerMetrics } from './server-metrics.js';

/** Where a server takes connections. */
export type ListenTarget =
  /** A Unix domain socket, created with file mode 0600 (a stale socket file is replaced; any other file at the path is a CONFIGURATION error). */
  | { socketPath: string }
  /** TCP on a loopback address (`127.0.0.1`, `::1`, `localhost`); port 0 picks a free one. */
  | { host: string; port: number }
  /** A Node IPC channel: a forked child's `ChildProcess`, or `process` in the child. */
  | { ipc: IpcChannel };

/** Options of {@link startCacheServer}. */
export interface CacheServerOptions {
  /**
   * What to serve: a `CacheStore`, or a cache made by `createCache` (any
   * PyWatt backend's cache), whose store and namespace are then used. The
   * server never closes it. Proxied calls are counted in the clients' stats,
   * not in the hosted cache's.
   */
  cache: Servable;
  /** One or more places to take connections. */
  listen: ListenTarget | readonly ListenTarget[];
  /** The tokens clients present, each confined to its own namespace. */
  auth: AuthOptions;
  /** Largest frame accepted, in bytes; checked before allocating. Default 64 MiB. */
  maxFrameBytes?: number | undefined;
  /** Most requests run at once per connection; more are refused with CAPACITY_EXCEEDED. Default 1024. */
  maxInFlight?: number | undefined;
  /** A connection that has not authenticated within this many ms is closed. Default 5000. */
  handshakeTimeoutMs?: number | undefined;
  /** A connection with nothing running for this many ms is closed (the client reconnects when needed). Default 300 000; `Infinity` disables. */
  idleTimeoutMs?: number | undefined;
  /** A frame whose first bytes arrived must be complete within this many ms, else the connection closes with TIMEOUT. Default 30 000. */
  frameTimeoutMs?: number | undefined;
  /** close() waits at most this many ms for running requests before cutting connections. Default 10 000. */
  drainTimeoutMs?: number | undefined;
  /** Most connections at once; more are closed on arrival. Default 1024. */
  maxConnections?: number | undefined;
  /** Called once per connection event (open, authenticated, rejected, closed). */
  log?: ((event: ConnectionEvent) => void) | undefined;
  /** Counters to keep for a Prometheus `/metrics` endpoint (see {@link serveMetrics}). */
  metrics?: ServerMetrics | undefined;
}

/** The checked settings of a server. */
export interface ServerSettings {
  targets: ListenTarget[];
  maxFrameBytes: number;
  maxInFlight: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  frameTimeoutMs: number;
  drainTimeoutMs: number;
  maxConnections: number;
}

const fail = (message: string): never => {
  throw new CacheError('CONFIGURATION', `cache server options: ${message}`, {
    operation: 'startCacheServer',
    backend: 'proxy',
  });
};

const fields: Record<string, FieldRule> = {
  cache: (v) => (typeof v === 'object' && v !== null ? undefined : 'must be a cache or a store'),
  listen: rules.any(),
  auth: rules.any(),
  log: (v) => (v === undefined || typeof v === 'function' ? undefined : 'must be a function'),
  metrics: (v) =>
    v === undefined || typeof v === 'object' ? undefined : 'must be a ServerMetrics',
  maxFrameBytes: rules.optional(rules.integer(64, 0xffffffff)),
  maxInFlight: rules.optional(rules.integer(1, 1_000_000)),
  handshakeTimeoutMs: rules.optional(rules.durationMs()),
  idleTimeoutMs: rules.optional(rules.durationMs({ allowInfinity: true })),
  drainTimeoutMs: rules.optional(rules.durationMs()),
  frameTimeoutMs: rules.optional(rules.durationMs()),
  maxConnections: rules.optional(rules.integer(1)),
};

const target = rules.either(
  rules.object({ socketPath: rules.nonEmptyString() }),
  rules.object({ host: rules.nonEmptyString(), port: rules.integer(0, 65535) }),
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    'ipc' in v &&
    typeof (v as { ipc: { on?: unknown } }).ipc?.on === 'function'
      ? undefined
      : 'must be { ipc: childProcess | process }',
);

/** Checks {@link CacheServerOptions}; throws CONFIGURATION naming the field. */
export function validateServerOptions(options: CacheServerOptions): ServerSettings {
  if (typeof options !== 'object' || options === null) fail('must be an object');
  const problem = checkFields({ ...options }, fields, 'option');
  if (problem !== undefined) fail(problem);
  const targets = (
    Array.isArray(options.listen) ? options.listen : [options.listen]
  ) as ListenTarget[];
  if (targets.length === 0) fail("'listen' must name at least one socket, port or IPC channel");
  for (const [i, t] of targets.entries()) {
    const problem = target(t);
    if (problem !== undefined) fail(`'listen[${i}]' ${problem}`);
  }
  return {
    targets,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxInFlight: options.maxInFlight ?? 1024,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
    frameTimeoutMs: options.frameTimeoutMs ?? 30_000,
    maxConnections: options.maxConnections ?? 1024,
  };
}
