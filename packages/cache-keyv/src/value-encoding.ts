import { CacheError, jsonCodec } from '@pywatt/cache-core';

// One tag byte says how the rest was written, so every kind of value Keyv hands over
// comes back as the same kind: its serialized strings, or raw values when serialization is off.
const STRING = 0x73; // 's': UTF-8 text
const BYTES = 0x62; // 'b': raw bytes (Buffer / Uint8Array)
const JSON_VALUE = 0x6a; // 'j': anything JSON can hold

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** Encodes a value Keyv hands to a store as tagged bytes. Throws SERIALIZATION when JSON cannot hold it. */
export function encodeKeyvValue(value: unknown): Uint8Array {
  if (typeof value === 'string') return tagged(STRING, encoder.encode(value));
  if (value instanceof Uint8Array) return tagged(BYTES, value);
  return tagged(JSON_VALUE, jsonCodec.encode(value));
}

/** Decodes bytes written by {@link encodeKeyvValue}. Throws SERIALIZATION for bytes it did not write. */
export function decodeKeyvValue(bytes: Uint8Array): unknown {
  const body = bytes.subarray(1);
  switch (bytes[0]) {
    case STRING:
      return decoder.decode(body);
    case BYTES:
      return Buffer.from(body);
    case JSON_VALUE:
      return jsonCodec.decode(body);
    default:
      throw new CacheError(
        'SERIALIZATION',
        'the stored bytes were not written by toKeyvStore (unknown tag byte); was the key written by another client?',
      );
  }
}
