import { crc32 } from 'node:zlib';

/** The first bytes of every entry file: "PWFC" (PyWatt File Cache). */
const MAGIC = 0x50574643;
/** The format written by this version. A reader treats other versions as a miss. */
export const FORMAT_VERSION = 1;
/** Bytes before the key: magic 4, version 1, flags 1, key length 2, expiry 8, value length 8, crc32 4. */
export const FIXED_HEADER_BYTES = 28;
const CRC_OFFSET = 24;

/** Header flag: an internal entry (a lock), which clear() keeps and eviction skips. */
export const FLAG_INTERNAL = 1;

/** A decoded entry file. */
export interface DecodedEntry {
  readonly kind: 'entry';
  /** Header flags ({@link FLAG_INTERNAL}). */
  readonly flags: number;
  /** Absolute expiry, ms since the Unix epoch; `Infinity` for none. */
  readonly expiresAtMs: number;
  /** The full (namespaced) key, as UTF-8 bytes. */
  readonly key: Buffer;
  /** A view of the value inside the file's buffer. */
  readonly value: Buffer;
}

/** Why an entry file could not be used. */
export type UnusableEntry =
  /** Torn, truncated, bit-flipped or foreign bytes: remove the file. */
  | { readonly kind: 'corrupt'; readonly reason: string }
  /** Written by a newer format version: a miss, but leave the file alone. */
  | { readonly kind: 'newer-version'; readonly version: number };

/** Builds the bytes of an entry file: header, key, value, with a CRC-32 over all of them. */
export function encodeEntry(
  keyBytes: Buffer,
  value: Uint8Array,
  expiresAtMs: number,
  flags = 0,
): Buffer {
  const out = Buffer.allocUnsafe(FIXED_HEADER_BYTES + keyBytes.length + value.byteLength);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt8(FORMAT_VERSION, 4);
  out.writeUInt8(flags, 5);
  out.writeUInt16BE(keyBytes.length, 6);
  out.writeDoubleBE(expiresAtMs, 8);
  out.writeDoubleBE(value.byteLength, 16);
  keyBytes.copy(out, FIXED_HEADER_BYTES);
  out.set(value, FIXED_HEADER_BYTES + keyBytes.length);
  const crc = crc32(out.subarray(FIXED_HEADER_BYTES), crc32(out.subarray(0, CRC_OFFSET)));
  out.writeUInt32BE(crc, CRC_OFFSET);
  return out;
}

/** Reads the fixed header; enough for expiry and sizes (the sweep), without the checksum. */
export function decodeHead(
  bytes: Buffer,
  fileBytes: number,
): { expiresAtMs: number; flags: number; key: Buffer | undefined } | UnusableEntry {
  if (bytes.length < FIXED_HEADER_BYTES) return corrupt('shorter than the header');
  if (bytes.readUInt32BE(0) !== MAGIC) return corrupt('wrong magic number');
  const version = bytes.readUInt8(4);
  if (version !== FORMAT_VERSION) {
    return version > FORMAT_VERSION ? { kind: 'newer-version', version } : corrupt('bad version');
  }
  const keyBytes = bytes.readUInt16BE(6);
  const expiresAtMs = bytes.readDoubleBE(8);
  const valueBytes = bytes.readDoubleBE(16);
  if (Number.isNaN(expiresAtMs)) return corrupt('expiry is not a number');
  if (FIXED_HEADER_BYTES + keyBytes + valueBytes !== fileBytes) return corrupt('length mismatch');
  const keyEnd = FIXED_HEADER_BYTES + keyBytes;
  return {
    expiresAtMs,
    flags: bytes.readUInt8(5),
    key: bytes.length >= keyEnd ? bytes.subarray(FIXED_HEADER_BYTES, keyEnd) : undefined,
  };
}

/** Decodes and verifies a whole entry file (magic, version, lengths, CRC-32). */
export function decodeEntry(file: Buffer): DecodedEntry | UnusableEntry {
  const head = decodeHead(file, file.length);
  if ('kind' in head) return head;
  const stored = file.readUInt32BE(CRC_OFFSET);
  const actual = crc32(file.subarray(FIXED_HEADER_BYTES), crc32(file.subarray(0, CRC_OFFSET)));
  if (stored !== actual) return corrupt('checksum mismatch');
  const keyEnd = FIXED_HEADER_BYTES + file.readUInt16BE(6);
  return {
    kind: 'entry',
    flags: head.flags,
    expiresAtMs: head.expiresAtMs,
    key: file.subarray(FIXED_HEADER_BYTES, keyEnd),
    value: file.subarray(keyEnd),
  };
}

function corrupt(reason: string): UnusableEntry {
  return { kind: 'corrupt', reason };
}
