import { readyOrClosed } from '@pywatt/cache-core';
import { FileCache } from './file-cache.js';
import type { FileCacheOptions } from './file-cache-config.js';

/**
 * Validates `config`, creates the directory when missing, checks that it is
 * readable and writable, starts the sweep timer and resolves with a ready
 * {@link FileCache}. `type` may be left out.
 *
 * @throws CacheError CONFIGURATION for a bad config (naming the field);
 *   UNAUTHORIZED, CONFIGURATION or CONNECTION when the directory is unusable.
 */
export async function createFileCache(config: FileCacheOptions): Promise<FileCache> {
  return readyOrClosed(new FileCache(config), (cache) => cache.open());
}
