import { CacheError, type StoreCache } from '@pywatt/cache-core';
import type { FileCacheConfig } from '@pywatt/cache-file';
import type { MemcachedCacheConfig } from '@pywatt/cache-memcached';
import type { MemoryCacheConfig } from '@pywatt/cache-memory';
import type { ProxyCacheConfig } from '@pywatt/cache-proxy';
import type { RedisCacheConfig } from '@pywatt/cache-redis';
import {
  type CustomCacheConfig,
  knownParamNames,
  knownSchemes,
  loadBackend,
  registrationForScheme,
  registrationOf,
} from './registry.js';
import type { TierFields } from './tier.js';
import {
  type ParamKind,
  readParams,
  scrubSecrets,
  secretsOf,
  splitCacheUrl,
  urlError,
} from './url.js';

/** The config of a built-in backend, each declared by its own package. */
export type BuiltinCacheConfig =
  | MemoryCacheConfig
  | FileCacheConfig
  | (RedisCacheConfig & TierFields)
  | MemcachedCacheConfig
  | ProxyCacheConfig;

/** Any backend's configuration, discriminated by `type`: a built-in's, or a registered one's. */
export type CacheConfig = BuiltinCacheConfig | CustomCacheConfig;

// The fields every backend accepts (core's base schema), as URL parameters.
export const SHARED_PARAMS: Readonly<Record<string, ParamKind>> = {
  namespace: 'string',
  defaultTtlMs: 'number',
  maxValueBytes: 'number',
  operationTimeoutMs: 'number',
};

/**
 * Reads a cache URL into a config object (not yet validated by the backend):
 * `memory://?maxItems=1000&policy=lfu`, `file:///abs/dir`, `file:./relative/dir`,
 * `redis://user:pass@host:6379/2?namespace=app`, `rediss://…`,
 * `redis+sentinel://s1:26379,s2:26379/mymaster/0`, `redis+cluster://h1:7000,h2:7001`,
 * `memcached://h1:11211,h2:11211`, `proxy+unix:///run/cache.sock`,
 * `proxy+tcp://host:port?token=…`, and the schemes of backends added with
 * `registerBackend`. Other fields come as typed query parameters.
 *
 * @throws CacheError CONFIGURATION for anything it cannot read; the message
 *   never contains the URL or a value from it.
 */
export function parseCacheUrl(url: string): CacheConfig {
  if (typeof url !== 'string' || url.length === 0) {
    throw new CacheError(
      'CONFIGURATION',
      'a cache URL must be a non-empty string such as memory:// or redis://host:6379',
      { operation: 'create' },
    );
  }
  // `file:./dir` and `file:dir`: a relative directory, which `file://` cannot express.
  const relative = /^file:(?!\/\/)([^?]*)(?:\?(.*))?$/is.exec(url);
  const { parts, query } = relative
    ? {
        parts: {
          scheme: 'file',
          username: undefined,
          password: undefined,
          hosts: [],
          path: decodeRelative(relative[1] ?? ''),
          segments: [],
        },
        query: relative[2] ?? '',
      }
    : splitCacheUrl(url);
  const registration = registrationForScheme(parts.scheme);
  if (registration?.fromUrl === undefined) {
    const scheme = /^[a-z][a-z0-9+.-]{0,30}$/.test(parts.scheme) ? `'${parts.scheme}'` : 'it';
    return urlError(undefined, `unknown scheme ${scheme}; use ${knownSchemes().join(', ')}`);
  }
  const fields = registration.fromUrl(parts);
  const kinds = { ...SHARED_PARAMS, ...registration.params };
  const params = readParams(parts.scheme, query, kinds, knownParamNames());
  return { type: registration.type, ...fields, ...params } as CacheConfig;
}

function decodeRelative(path: string): string {
  if (path === '')
    urlError('file', 'file: needs a directory, e.g. file:./cache or file:///var/cache/app');
  try {
    return decodeURIComponent(path);
  } catch {
    return urlError('file', 'the path is not valid percent-encoding');
  }
}

/** Copies `error` with every one of `secrets` scrubbed from its message, stack and cause. */
function scrubbed(error: CacheError, secrets: readonly string[]): CacheError {
  const clean = new CacheError(error.code, scrubSecrets(error.message, secrets), {
    operation: error.operation,
    backend: error.backend,
    retryable: error.retryable,
  });
  // The driver's own error may quote the server or the URL: keep only its scrubbed text.
  if (error.cause !== undefined) {
    const text = error.cause instanceof Error ? error.cause.message : String(error.cause);
    Object.defineProperty(clean, 'cause', {
      value: new Error(scrubSecrets(text, secrets)),
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return clean;
}

const mentions = (text: string | undefined, secrets: readonly string[]): boolean =>
  text !== undefined &&
  secrets.some((s) => text.includes(s) || text.includes(encodeURIComponent(s)));

function leaks(error: unknown, secrets: readonly string[], depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as { message?: string; stack?: string; cause?: unknown };
  return (
    mentions(e.message, secrets) || mentions(e.stack, secrets) || leaks(e.cause, secrets, depth + 1)
  );
}

/**
 * Creates a ready cache from a config object (discriminated by `type`) or a URL
 * (see {@link parseCacheUrl}). Only the backend asked for is imported. Resolves
 * once the backend is connected and answered a ping.
 *
 * Rejects with CONFIGURATION for a bad config or URL (naming the field),
 * BACKEND_NOT_INSTALLED when the backend's package is missing (with the install
 * command), and with the backend's own CONNECTION/TIMEOUT/UNAUTHORIZED errors
 * when it cannot connect. Passwords and tokens never appear in an error's
 * message, stack or cause.
 */
export async function createCacheService(configOrUrl: CacheConfig | string): Promise<StoreCache> {
  let config: CacheConfig;
  if (typeof configOrUrl === 'string') {
    config = parseCacheUrl(configOrUrl);
  } else if (
    typeof configOrUrl === 'object' &&
    configOrUrl !== null &&
    !Array.isArray(configOrUrl)
  ) {
    config = configOrUrl;
  } else {
    throw new CacheError(
      'CONFIGURATION',
      'createCacheService takes a config object such as { type: "memory" } or a URL such as "memory://"',
      { operation: 'create' },
    );
  }
  registrationOf(config.type);
  const factory = await loadBackend(config.type);
  try {
    return await factory(config as CustomCacheConfig);
  } catch (error) {
    // Defence in depth: a backend or driver that quoted a secret of the URL gets it scrubbed by value.
    const secrets = typeof configOrUrl === 'string' ? secretsOf(configOrUrl) : [];
    if (CacheError.is(error) && leaks(error, secrets)) throw scrubbed(error, secrets);
    throw error;
  }
}
