import { CacheError, readyOrClosed, rules, validateConfig } from '@pywatt/cache-core';
import { type ProxyCacheOptions, ProxyCacheService } from './proxy-cache-service.js';

/** The environment variable a client reads its token from when the config gives none. */
export const TOKEN_ENV = 'PYWATT_CACHE_TOKEN';

const schema = {
  transport: rules.either(
    rules.oneOf(['ipc']),
    rules.object({ socketPath: rules.nonEmptyString() }),
    rules.object({ host: rules.nonEmptyString(), port: rules.integer(1, 65535) }),
  ),
  token: rules.optional(rules.nonEmptyString()),
  connectTimeoutMs: rules.optional(rules.durationMs()),
  channel: (v: unknown) =>
    v === undefined ||
    (typeof v === 'object' && v !== null && typeof (v as { on?: unknown }).on === 'function')
      ? undefined
      : 'must be a ChildProcess or process',
};

/**
 * Validates `config`, connects to the cache server, authenticates and pings;
 * resolves with the ready cache. The token comes from `config.token`, else
 * the `PYWATT_CACHE_TOKEN` environment variable.
 *
 * @throws CacheError CONFIGURATION (a bad field, no token), CONNECTION
 *   (nothing answers), UNAUTHORIZED (the server does not know the token),
 *   TIMEOUT (no answer within operationTimeoutMs).
 */
export async function createProxyCache(config: ProxyCacheOptions): Promise<ProxyCacheService> {
  const valid = validateConfig<ProxyCacheOptions>('proxy', config, schema);
  const token = valid.token ?? process.env[TOKEN_ENV];
  if (token === undefined || token === '') {
    throw new CacheError(
      'CONFIGURATION',
      `proxy cache config: field 'token' is missing and ${TOKEN_ENV} is not set; give the token the server was configured with`,
      { operation: 'create', backend: 'proxy' },
    );
  }
  if (valid.transport === 'ipc' && valid.channel === undefined && process.send === undefined) {
    throw new CacheError(
      'CONFIGURATION',
      "proxy cache config: transport 'ipc' needs a process forked by the server (child_process.fork) or a 'channel'",
      { operation: 'create', backend: 'proxy' },
    );
  }
  return readyOrClosed(new ProxyCacheService({ ...valid, token }));
}
