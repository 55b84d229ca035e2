import { CacheError, type FieldRule, rules } from '@pywatt/cache-core';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/constants.js';
import type { CacheServerOptions, ListenTarget } from './cache-server.js';

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
  cache: (v) => (typeof v === 'object' && v !== null ? undefined : 'must be a cache'),
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
  for (const key of Object.keys(options))
    if (!(key in fields))
      fail(`unknown option '${key}'; accepted: ${Object.keys(fields).join(', ')}`);
  for (const [key, rule] of Object.entries(fields)) {
    const problem = rule((options as unknown as Record<string, unknown>)[key]);
    if (problem !== undefined) fail(`'${key}' ${problem}`);
  }
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
