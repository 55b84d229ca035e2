export {
  DEFAULT_LOCK_STALE_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  type FileCacheConfig,
  type FileCacheOptions,
  fileCacheSchema,
  MIN_LOCK_STALE_MS,
  validateFileCacheConfig,
} from './file-cache-config.js';
export { createFileCache, FileCache, FileStore } from './file-store.js';
export type { SweepReport } from './sweep.js';
