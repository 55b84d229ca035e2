import { CacheError, type CacheErrorCode, CacheErrorCode as Codes } from '@pywatt/cache-core';
import type { WireValue } from '../protocol/values.js';

/** One request of a {@link ClientLink}, from `call()` until it is settled. */
export interface LinkCall {
  readonly op: string;
  readonly code: number;
  readonly args: WireValue[];
  readonly resolve: (value: WireValue) => void;
  readonly reject: (error: CacheError) => void;
  /** The request's deadline; undefined once it fired or the call is settled. */
  timer: NodeJS.Timeout | undefined;
  /** The request id on the current connection; 0 until sent. */
  id: number;
}

const KNOWN_CODES = new Set<string>(Object.values(Codes));

/** Clears the call's deadline and resolves or rejects it. */
export function settleCall(call: LinkCall, outcome: CacheError | { value: WireValue }): void {
  if (call.timer !== undefined) clearTimeout(call.timer);
  call.timer = undefined;
  if (outcome instanceof CacheError) call.reject(outcome);
  else call.resolve(outcome.value);
}

/** A CacheError from the proxy client. */
export function linkError(code: CacheErrorCode, message: string, operation: string): CacheError {
  return new CacheError(code, message, { operation, backend: 'proxy' });
}

/** The server's error code when this client knows it, otherwise `fallback`. */
export function knownCode(code: string, fallback: CacheErrorCode): CacheErrorCode {
  return KNOWN_CODES.has(code) ? (code as CacheErrorCode) : fallback;
}
