import { CacheError, describeError } from './errors.js';

/**
 * Turns typed values into bytes (or, for `E = string`, into text) and back.
 * Failures throw; callers wrap them as SERIALIZATION.
 */
export interface Codec<T, E = Uint8Array> {
  encode(value: T): E;
  decode(encoded: E): T;
}

const utf8Encoder = new TextEncoder();
const strictUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function serializationError(message: string, cause?: unknown): CacheError {
  return new CacheError('SERIALIZATION', message, { cause });
}

/** UTF-8 text. Decoding bytes that are not valid UTF-8 throws SERIALIZATION. */
export const stringCodec: Codec<string> = {
  encode(value) {
    if (typeof value !== 'string')
      throw serializationError(`stringCodec can only encode strings, got ${typeof value}`);
    return utf8Encoder.encode(value);
  },
  decode(bytes) {
    try {
      return strictUtf8Decoder.decode(bytes);
    } catch (error) {
      throw serializationError('stored bytes are not valid UTF-8 text', error);
    }
  },
};

/** Bytes as they are (a copy-free identity). */
export const bytesCodec: Codec<Uint8Array> = {
  encode(value) {
    if (!(value instanceof Uint8Array))
      throw serializationError('bytesCodec can only encode a Uint8Array');
    return value;
  },
  decode(bytes) {
    return bytes;
  },
};

// Any \u escape could spell one of the keys, so it also takes the careful path.
const DANGEROUS_KEYS = /__proto__|constructor|prototype|\\u/;

function dropDangerousKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
}

/**
 * UTF-8 JSON. Decoding drops `__proto__`, `constructor` and `prototype` keys
 * at every depth, so a cached payload cannot pollute prototypes when merged.
 * Encoding rejects values JSON cannot represent (undefined, functions, cycles,
 * BigInt) with SERIALIZATION.
 */
export const jsonCodec: Codec<unknown> = {
  encode(value) {
    return utf8Encoder.encode(jsonText(value));
  },
  decode(bytes) {
    return parseJsonText(stringCodec.decode(bytes));
  },
};

/** JSON as text, for stores that hold strings: {@link jsonText} and {@link parseJsonText}. */
export const jsonTextCodec: Codec<unknown, string> = {
  encode: (value) => jsonText(value),
  decode: (text) => parseJsonText(text),
};

/**
 * `value` as JSON text, as {@link jsonCodec} encodes it (before UTF-8): values
 * JSON cannot represent throw SERIALIZATION. The text is always well-formed
 * (JSON.stringify escapes lone surrogates).
 */
export function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw serializationError(`value cannot be encoded as JSON: ${describeError(error)}`, error);
  }
  if (text === undefined) throw serializationError(`a ${typeof value} cannot be encoded as JSON`);
  return text;
}

/** JSON text decoded as {@link jsonCodec} decodes it (dangerous keys dropped); SERIALIZATION when it is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    // The reviver costs a lot on large payloads, so it runs only when a dangerous key may be present.
    return DANGEROUS_KEYS.test(text) ? JSON.parse(text, dropDangerousKeys) : JSON.parse(text);
  } catch (error) {
    throw serializationError(`stored bytes are not valid JSON: ${describeError(error)}`, error);
  }
}

/**
 * Freezes `value` and everything reachable from it, in place, and returns it.
 * Meant for decoded JSON, a tree (no cycles, no shared nodes), so one pass
 * visits each node once.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
