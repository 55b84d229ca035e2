/** Binary-protocol opcodes this backend sends (memcached's protocol_binary.h). */
export const Op = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  NOOP: 0x0a,
  GETKQ: 0x0d,
  STAT: 0x10,
  SETQ: 0x11,
  DELETEQ: 0x14,
} as const;

/** Binary-protocol response statuses this backend tells apart. */
export const Status = {
  OK: 0x00,
  KEY_NOT_FOUND: 0x01,
  KEY_EXISTS: 0x02,
  VALUE_TOO_LARGE: 0x03,
  INVALID_ARGUMENTS: 0x04,
  NOT_STORED: 0x05,
  DELTA_BADVAL: 0x06,
  AUTH_ERROR: 0x20,
  AUTH_CONTINUE: 0x21,
  UNKNOWN_COMMAND: 0x81,
  OUT_OF_MEMORY: 0x82,
} as const;

/** One parsed response, as memjs hands it over (its `cas` is the 8 raw header bytes). */
export interface RawResponse {
  header: { status: number; opcode: number; opaque: number; cas: Buffer; totalBodyLength: number };
  key: Buffer;
  extras: Buffer;
  val: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Encodes one binary-protocol request. memjs cannot send a CAS value (its own
 * request builder leaves the field zero), so every request is built here and
 * written through memjs's connection (see memjs-adapter.ts).
 */
export function encodeRequest(
  opcode: number,
  key: Buffer,
  extras: Buffer,
  value: Uint8Array,
  opaque: number,
  cas?: Buffer,
): Buffer {
  const buf = Buffer.allocUnsafe(requestBytes(key, extras, value));
  encodeInto(buf, 0, opcode, key, extras, value, opaque, cas);
  return buf;
}

/** The encoded size of a request. */
export function requestBytes(key: Buffer, extras: Buffer, value: Uint8Array): number {
  return 24 + extras.length + key.length + value.length;
}

/** Encodes a request into `buf` at `offset` (a batch is one buffer); returns the offset after it. */
export function encodeInto(
  buf: Buffer,
  offset: number,
  opcode: number,
  key: Buffer,
  extras: Buffer,
  value: Uint8Array,
  opaque: number,
  cas?: Buffer,
): number {
  const bodyLength = extras.length + key.length + value.length;
  buf.writeUInt8(0x80, offset);
  buf.writeUInt8(opcode, offset + 1);
  buf.writeUInt16BE(key.length, offset + 2);
  buf.writeUInt8(extras.length, offset + 4);
  buf.writeUInt8(0, offset + 5);
  buf.writeUInt16BE(0, offset + 6);
  buf.writeUInt32BE(bodyLength, offset + 8);
  buf.writeUInt32BE(opaque >>> 0, offset + 12);
  if (cas === undefined) buf.fill(0, offset + 16, offset + 24);
  else cas.copy(buf, offset + 16, 0, 8);
  let at = offset + 24;
  at += extras.copy(buf, at);
  at += key.copy(buf, at);
  buf.set(value, at);
  return at + value.length;
}

/** The 8 extras bytes of SET/ADD: 32-bit flags, then the expiration. */
export function storageExtras(flags: number, exptime: number): Buffer {
  const extras = Buffer.allocUnsafe(8);
  extras.writeUInt32BE(flags >>> 0, 0);
  extras.writeUInt32BE(exptime >>> 0, 4);
  return extras;
}

/** The 32-bit flags a GET response carries in its extras (0 when absent). */
export function responseFlags(response: RawResponse): number {
  return response.extras.length >= 4 ? response.extras.readUInt32BE(0) : 0;
}

export { EMPTY };
