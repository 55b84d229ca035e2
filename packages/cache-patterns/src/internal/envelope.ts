// The bytes cache-aside stores: a 38-byte header, then the codec's bytes.
//
//   0..3   magic 0x00 'P' 'W' 'A'   (JSON and UTF-8 text never start with NUL)
//   4      format version (2; version 1 had no grace field and reads as a miss)
//   5      kind: 0 = value, 1 = cached loader error (payload: JSON {name, message}),
//          2 = the loader said "not found" (no payload)
//   6..13  fresh until, ms since the epoch (float64, little endian; Infinity allowed)
//   14..21 stale until (end of stale-while-revalidate), ms since the epoch
//   22..29 δ: how long the load took, ms (for early refresh)
//   30..37 grace until (end of stale-if-error), ms since the epoch
//
// Keeping the expiry in the value, not in the backend's TTL, lets
// stale-while-revalidate and early refresh work on every backend.

const MAGIC_0 = 0x00;
const MAGIC_1 = 0x50;
const MAGIC_2 = 0x57;
const MAGIC_3 = 0x41;
const VERSION = 2;
/** Size of the header in bytes. */
export const HEADER_BYTES = 38;

/** What a stored entry says. */
export const EntryKind = { VALUE: 0, ERROR: 1, NOT_FOUND: 2 } as const;

/** Builds the stored bytes. */
export function encodeEnvelope(
  kind: number,
  freshUntil: number,
  staleUntil: number,
  graceUntil: number,
  deltaMs: number,
  payload: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + payload.byteLength);
  bytes[0] = MAGIC_0;
  bytes[1] = MAGIC_1;
  bytes[2] = MAGIC_2;
  bytes[3] = MAGIC_3;
  bytes[4] = VERSION;
  bytes[5] = kind;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  view.setFloat64(6, freshUntil, true);
  view.setFloat64(14, staleUntil, true);
  view.setFloat64(22, deltaMs, true);
  view.setFloat64(30, graceUntil, true);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

// Hot-path readers: no allocation per read (a DataView per value costs on the hit path).
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/** True when `bytes` carry a cache-aside header (of any version). */
export function hasEnvelope(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= HEADER_BYTES &&
    bytes[0] === MAGIC_0 &&
    bytes[1] === MAGIC_1 &&
    bytes[2] === MAGIC_2 &&
    bytes[3] === MAGIC_3
  );
}

/** Reads the float64 at `offset` (one of the offsets below) of an envelope. */
export function readHeaderNumber(bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < 8; i++) scratch[i] = bytes[offset + i] as number;
  return scratchView.getFloat64(0, true);
}

/** Offsets of the header's numbers, for {@link readHeaderNumber}. */
export const FRESH_UNTIL = 6;
export const STALE_UNTIL = 14;
export const DELTA_MS = 22;
export const GRACE_UNTIL = 30;
/** The format version this code writes and reads. */
export const ENVELOPE_VERSION = VERSION;
