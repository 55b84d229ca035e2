import { protocolError, type Reader } from './reader.js';
import type { Writer } from './writer.js';

/** What a frame can carry: the arguments and results of every CacheService method. */
export type WireValue =
  | undefined
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | WireValue[]
  | Map<string, WireValue>
  | { [key: string]: WireValue };

const T = {
  UNDEFINED: 0,
  NULL: 1,
  FALSE: 2,
  TRUE: 3,
  F64: 4,
  STRING: 5,
  BYTES: 6,
  ARRAY: 7,
  OBJECT: 8,
  MAP: 9,
  U32: 10,
} as const;

/** Nesting deeper than this is refused, so a hostile frame cannot exhaust the stack. */
const MAX_DEPTH = 8;

/** Appends one tagged value (see PROTOCOL.md, "Values"). */
export function writeValue(w: Writer, value: WireValue, depth = 0): void {
  if (depth > MAX_DEPTH) throw protocolError('value nests too deeply to encode', 'encode');
  if (value === undefined) w.u8(T.UNDEFINED);
  else if (value === null) w.u8(T.NULL);
  else if (value === true) w.u8(T.TRUE);
  else if (value === false) w.u8(T.FALSE);
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
      w.u8(T.U32);
      w.u32(value);
    } else {
      w.u8(T.F64);
      w.f64(value);
    }
  } else if (typeof value === 'string') {
    w.u8(T.STRING);
    w.string(value);
  } else if (value instanceof Uint8Array) {
    w.u8(T.BYTES);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.u8(T.ARRAY);
    w.u32(value.length);
    for (const item of value) writeValue(w, item, depth + 1);
  } else if (value instanceof Map) {
    w.u8(T.MAP);
    w.u32(value.size);
    for (const [key, item] of value) {
      w.string(key);
      writeValue(w, item, depth + 1);
    }
  } else if (typeof value === 'object') {
    const keys = Object.keys(value);
    w.u8(T.OBJECT);
    w.u32(keys.length);
    for (const key of keys) {
      w.string(key);
      writeValue(w, value[key], depth + 1);
    }
  } else {
    throw protocolError(`cannot encode a ${typeof value}`, 'encode');
  }
}

/** Reads one tagged value; throws PROTOCOL on an unknown tag, a short frame or deep nesting. */
export function readValue(r: Reader, depth = 0): WireValue {
  if (depth > MAX_DEPTH) throw protocolError('value nests too deeply');
  const tag = r.u8();
  switch (tag) {
    case T.UNDEFINED:
      return undefined;
    case T.NULL:
      return null;
    case T.FALSE:
      return false;
    case T.TRUE:
      return true;
    case T.F64:
      return r.f64();
    case T.U32:
      return r.u32();
    case T.STRING:
      return r.string();
    case T.BYTES:
      return r.bytes();
    case T.ARRAY: {
      const count = countOf(r);
      const out: WireValue[] = [];
      for (let i = 0; i < count; i++) out.push(readValue(r, depth + 1));
      return out;
    }
    case T.MAP: {
      const count = countOf(r);
      const out = new Map<string, WireValue>();
      for (let i = 0; i < count; i++) {
        const key = r.string();
        out.set(key, readValue(r, depth + 1));
      }
      return out;
    }
    case T.OBJECT: {
      const count = countOf(r);
      const out: Record<string, WireValue> = {};
      for (let i = 0; i < count; i++) {
        const key = r.string();
        // defineProperty, so a key named __proto__ is data, never a prototype.
        Object.defineProperty(out, key, {
          value: readValue(r, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      throw protocolError(`unknown value tag ${tag}`);
  }
}

// Every element takes at least one byte, so a count larger than what is left is a lie.
function countOf(r: Reader): number {
  const count = r.u32();
  if (count > r.remaining)
    throw protocolError(`count ${count} exceeds the bytes left in the frame`);
  return count;
}
