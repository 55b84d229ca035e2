import { CacheError } from '@pywatt/cache-core';
import { type CacheConfig, parseCacheUrl, SHARED_PARAMS } from './create.js';
import { registrationOf } from './registry.js';
import { readParams } from './url.js';

const camelCase = (snake: string): string =>
  snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads a cache config from the environment, for twelve-factor apps:
 * `${prefix}URL` (required, any URL {@link parseCacheUrl} takes), plus
 * `${prefix}<FIELD>` for other fields in SCREAMING_SNAKE_CASE
 * (`CACHE_NAMESPACE`, `CACHE_DEFAULT_TTL_MS`, `CACHE_PASSWORD`), which override
 * the URL's. Throws CONFIGURATION when the URL is missing or a value is malformed.
 */
export function cacheConfigFromEnv(
  prefix = 'CACHE_',
  env: NodeJS.ProcessEnv = process.env,
): CacheConfig {
  const url = env[`${prefix}URL`];
  if (url === undefined || url === '') {
    throw new CacheError(
      'CONFIGURATION',
      `${prefix}URL is not set; set it to a cache URL such as memory:// or redis://host:6379`,
      {
        operation: 'create',
      },
    );
  }
  const query = new URLSearchParams();
  const overrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || name === `${prefix}URL` || value === undefined) continue;
    const field = camelCase(name.slice(prefix.length));
    if (field === 'password' || field === 'username') overrides[field] = value;
    else query.append(field, value);
  }
  const fromUrl = parseCacheUrl(url);
  const kinds = { ...SHARED_PARAMS, ...registrationOf(fromUrl.type).params };
  const fields = readParams(undefined, query.toString(), kinds);
  return { ...fromUrl, ...fields, ...overrides } as CacheConfig;
}
