import { type CacheError, describeError } from '@pywatt/cache-core';
import { writeRequest } from '../protocol/messages.js';
import type { Writer } from '../protocol/writer.js';
import { type LinkCall, linkError } from './link-call.js';

/** The largest frame the client accepts, and sends before the server has said its limit. */
export const CLIENT_MAX_FRAME_BYTES = 1024 * 1024 * 1024;

/**
 * Appends the REQUEST frame of `call` (which has its id) to `writer`. Returns
 * the error to fail the call with when it cannot be encoded, or when the
 * frame exceeds `maxFrameBytes` (then nothing of it stays in `writer`).
 */
export function frameRequest(
  writer: Writer,
  call: LinkCall,
  maxFrameBytes: number,
): CacheError | undefined {
  const before = writer.length;
  let size: number;
  try {
    size = writeRequest(writer, call.id, call.code, call.args);
  } catch (error) {
    return linkError('INTERNAL', `cannot encode ${call.op}: ${describeError(error)}`, call.op);
  }
  if (size > maxFrameBytes) {
    writer.truncate(before);
    return linkError(
      'VALUE_TOO_LARGE',
      `${call.op} request of ${size} bytes exceeds the server's maxFrameBytes (${maxFrameBytes}); store smaller values`,
      call.op,
    );
  }
  return undefined;
}
