// The forms an entry's value is held in (bytes, or a string kept as given) and how it is
// copied in, sized and handed out.

/**
 * What an entry holds: bytes, or a string (UTF-8 text, counted by its UTF-8
 * length) kept in the form it was written or last read in.
 */
export type StoredValue = Uint8Array | string;

// Below this many UTF-16 units a loop in JS beats the call into Buffer.byteLength.
const SHORT_TEXT = 64;

/**
 * The UTF-8 length of a well-formed string (what the store is given: the
 * service replaces lone surrogates), so each surrogate unit is half of a 4-byte pair.
 */
export function utf8Length(text: string): number {
  const units = text.length;
  if (units > SHORT_TEXT) return Buffer.byteLength(text, 'utf8');
  let bytes = units;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += unit < 0x800 || (unit >= 0xd800 && unit <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** The size of a value, as the bounds count it: its bytes, or its UTF-8 length. */
export const sizeOf = (value: StoredValue): number =>
  typeof value === 'string' ? utf8Length(value) : value.byteLength;

/** A string's size not measured yet (no `maxSizeBytes`: only `bytes` needs it). */
export const UNMEASURED = -1;
export const measured = (size: number): number => Math.max(size, 0);

// V8 keeps typed arrays up to 64 bytes on the JS heap: far cheaper than a backing store.
const ON_HEAP_BYTES = 64;

/**
 * A private copy: always its own unshared memory, never a view into Node's
 * Buffer pool (which would pin 8 KiB per small value and spoil the accounting).
 */
export function copyIn(value: Uint8Array): Uint8Array {
  if (value.byteLength <= ON_HEAP_BYTES) return new Uint8Array(value);
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return copy;
}

/**
 * The copy a reader gets: a Buffer, allocated from Node's pool when small
 * (short-lived, so sharing the pool costs nothing and halves the price of the copy).
 * Issue 19 measured the alternatives (bench memory-copies): views into a 64 KiB slab of
 * the store's own, as Buffers, made no difference to the whole `get` (0.22× lru-cache
 * both, one interleaved A/B run) and would pin 64 KiB per copy kept; plain Uint8Array
 * views were cheaper alone but are not Buffers, which callers of `get` got until now.
 */
export function copyOut(value: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(value.byteLength);
  copy.set(value);
  return copy;
}

export const utf8 = new TextEncoder();

/** Bytes a reader may keep: a copy of stored bytes, or a string's UTF-8 (fresh either way). */
export const bytesOut = (value: StoredValue): Uint8Array =>
  typeof value === 'string' ? Buffer.from(value, 'utf8') : copyOut(value);

/** The stored bytes for `increment` and the like, which only read them. */
export const bytesOf = (value: StoredValue): Uint8Array =>
  typeof value === 'string' ? utf8.encode(value) : value;
