export { createFileCache } from './create-file-cache.js';
export { FileCache } from './file-cache.js';
export {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  type FileCacheOptions,
  fileCacheSchema,
  MIN_LOCK_STALE_MS,
  validateFileCacheConfig,
} from './file-cache-config.js';
export type { SweepReport } from './sweep.js';
