import { type CacheConfig, CacheError, type CacheService } from '@pywatt/cache-core';
import { loadBackend } from './loaders.js';
import { parseCacheUrl, redactCacheUrl } from './url.js';

/**
 * Creates a ready cache from a config object (discriminated by `type`) or a URL
 * (see {@link parseCacheUrl}). Only the backend asked for is imported. Resolves
 * once the backend is connected and answered a ping.
 *
 * Rejects with CONFIGURATION for a bad config or URL (naming the field),
 * BACKEND_NOT_INSTALLED when the backend's package is missing (with the install
 * command), and with the backend's own CONNECTION/TIMEOUT/UNAUTHORIZED errors
 * when it cannot connect. Passwords never appear in the messages.
 */
export async function createCacheService(configOrUrl: CacheConfig | string): Promise<CacheService> {
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
      {
        operation: 'create',
      },
    );
  }
  const factory = await loadBackend(config.type);
  try {
    return await factory(config);
  } catch (error) {
    if (
      typeof configOrUrl === 'string' &&
      CacheError.is(error) &&
      error.message.includes(configOrUrl)
    ) {
      // A backend that echoed the URL back would leak its password: redact it.
      throw new CacheError(
        error.code,
        error.message.split(configOrUrl).join(redactCacheUrl(configOrUrl)),
        {
          operation: error.operation,
          backend: error.backend,
          retryable: error.retryable,
          cause: error.cause,
        },
      );
    }
    throw error;
  }
}
