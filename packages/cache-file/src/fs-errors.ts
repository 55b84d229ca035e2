import { CacheError, CacheType, describeError } from '@pywatt/cache-core';

/** The `code` of a Node.js system error, if `error` is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps a file-system error to a CacheError whose message says what happened
 * and what to do. Paths in messages are the cache directory and hashed file
 * names, never a key.
 */
export function mapFsError(error: unknown, operation: string, directory: string): CacheError {
  const code = errnoCode(error);
  const make = (cacheCode: CacheError['code'], message: string, retryable?: boolean): CacheError =>
    new CacheError(cacheCode, `file cache ${operation} in ${directory}: ${message}`, {
      operation,
      backend: CacheType.FILE,
      cause: error,
      retryable,
    });
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return make(
        'CAPACITY_EXCEEDED',
        `the disk or quota is full (${code}); free space or lower maxSizeBytes. The cache works again once space is free`,
        true,
      );
    case 'EMFILE':
    case 'ENFILE':
      return make(
        'CAPACITY_EXCEEDED',
        `too many open files (${code}); raise the limit (ulimit -n) or run fewer cache operations at once, then retry`,
        true,
      );
    case 'EACCES':
    case 'EPERM':
      return make(
        'UNAUTHORIZED',
        `permission denied (${code}); give the user running Node.js read and write access to the directory and everything in it`,
      );
    case 'EROFS':
      return make(
        'UNAUTHORIZED',
        'the file system is read-only (EROFS); point directory at a writable place',
      );
    case 'ENOTDIR':
    case 'EISDIR':
    case 'EEXIST':
      return make(
        'CONFIGURATION',
        `part of the cache directory is not a folder (${code}); check the directory setting`,
      );
    case 'ENAMETOOLONG':
      return make(
        'CONFIGURATION',
        'the directory path is too long for this file system; use a shorter directory',
      );
    case 'EIO':
      return make('CONNECTION', 'the disk reported an I/O error (EIO); check the device', true);
    case 'ENOENT':
      return make(
        'CONNECTION',
        'the cache directory is missing and could not be recreated (ENOENT); check that its parent exists',
        true,
      );
    default:
      return make('INTERNAL', `unexpected file-system error: ${describeError(error)}`);
  }
}
