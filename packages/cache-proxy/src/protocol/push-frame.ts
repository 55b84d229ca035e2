import { FrameKind } from './constants.js';
import { protocolError, type Reader } from './reader.js';
import { readValue, type WireValue, writeValue } from './values.js';
import type { Writer } from './writer.js';

/**
 * Which entries a write made stale, as a subscriber sees them: keys and
 * prefixes are relative to the subscribing connection's scope. The same shape
 * as `@pywatt/cache-tiered`'s `Invalidation`.
 */
export type PushedInvalidation =
  | { readonly kind: 'keys'; readonly keys: readonly string[] }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'all' };

/** A decoded PUSH frame. */
export interface PushFrame {
  readonly kind: typeof FrameKind.PUSH;
  /** 1, 2, 3… per connection: a gap means pushes were lost. */
  readonly seq: number;
  /** The origin id of the connection whose write this was (see WELCOME's `origin`). */
  readonly origin: string;
  readonly invalidation: PushedInvalidation;
}

/** Appends a PUSH frame. */
export function writePush(
  w: Writer,
  seq: number,
  origin: string,
  invalidation: PushedInvalidation,
): void {
  w.beginFrame(FrameKind.PUSH);
  let body: WireValue[];
  if (invalidation.kind === 'keys') body = [seq, origin, 'k', [...invalidation.keys]];
  else if (invalidation.kind === 'prefix') body = [seq, origin, 'p', invalidation.prefix];
  else body = [seq, origin, 'a'];
  writeValue(w, body);
  w.endFrame();
}

const isSeq = (v: WireValue): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Decodes the rest of a PUSH frame; throws PROTOCOL for anything that does not follow PROTOCOL.md. */
export function readPushBody(r: Reader): PushFrame {
  const v = readValue(r);
  const bad = () => protocolError("PUSH frame must carry [seq, origin, 'k' | 'p' | 'a', ...]");
  if (!Array.isArray(v) || v.length < 3 || !isSeq(v[0]) || typeof v[1] !== 'string') throw bad();
  const [seq, origin, kind] = v as [number, string, WireValue];
  const base = { kind: FrameKind.PUSH, seq, origin } as const;
  if (kind === 'a' && v.length === 3) return { ...base, invalidation: { kind: 'all' } };
  if (kind === 'p' && v.length === 4 && typeof v[3] === 'string')
    return { ...base, invalidation: { kind: 'prefix', prefix: v[3] } };
  const keys = v[3];
  if (
    kind === 'k' &&
    v.length === 4 &&
    Array.isArray(keys) &&
    keys.every((k): k is string => typeof k === 'string')
  )
    return { ...base, invalidation: { kind: 'keys', keys } };
  throw bad();
}
