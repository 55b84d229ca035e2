import { CacheError, type CacheErrorCode } from '@pywatt/cache-core';

/** Bytes of a UTF-8 string. */
export const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The CacheError `promise` rejects with; throws when it resolves or rejects with something else. */
export async function caught(promise: Promise<unknown>): Promise<CacheError> {
  try {
    await promise;
  } catch (error) {
    if (CacheError.is(error)) return error;
    throw new Error(`expected a CacheError, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

/** Codes an operation may fail with while the server is away. */
export const OUTAGE_CODES: ReadonlySet<CacheErrorCode> = new Set(['CONNECTION', 'TIMEOUT']);

/** A namespace no other test uses. */
let counter = 0;
export const uniqueNamespace = (label: string): string => `${label}-${process.pid}-${++counter}`;
