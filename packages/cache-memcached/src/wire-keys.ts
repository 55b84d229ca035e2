import { createHash } from 'node:crypto';

/** memcached's longest key, in bytes. */
export const MAX_WIRE_KEY_BYTES = 250;

/** Separates the generation tokens from a plain key; tokens are base64url, so never contain it. */
const PLAIN_SEPARATOR = '~';

const digest = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('base64url');

/** True when every character is printable ASCII without space (0x21–0x7E). */
function isPlain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * The memcached key of a data entry: `tokens~fullKey` when that is printable
 * ASCII of at most 250 bytes, else `#` + SHA-256 (base64url) of the same
 * text. Both forms are injective: tokens have a fixed alphabet without `~`,
 * and the hashed form starts with `#`, which no token does. Nothing the
 * caller wrote reaches the wire unless it is plain printable ASCII.
 */
export function dataWireKey(tokens: string, fullKey: string): Buffer {
  const plain = tokens + PLAIN_SEPARATOR + fullKey;
  if (plain.length <= MAX_WIRE_KEY_BYTES && isPlain(fullKey)) return Buffer.from(plain, 'latin1');
  return Buffer.from(`#${digest(plain)}`, 'latin1');
}

// A plain key of these shapes would pass for a hashed key or a lock: it is hashed too.
const LOOKS_HASHED = /#[A-Za-z0-9_-]{43}$|^\$[A-Za-z0-9_-]{43}$/;
/** The longest plain prefix kept in front of a hashed shared key. */
const MAX_KEPT_PREFIX = 200;

/**
 * The key as every client of the servers sees it, used to place keys on the
 * ring (in both modes) and as the wire key in interop mode: the namespaced
 * key itself when memcached can hold it (printable ASCII, at most 250 bytes),
 * else its longest plain prefix ending in `:` (at most 200 bytes), `#`, and
 * the SHA-256 (base64url) of the whole key. The hashed form keeps the
 * namespace and prefixes visible, so `clear(prefix)` can still find it in a
 * key dump. Injective: plain keys never end in `#` + 43 base64url
 * characters, hashed ones always do.
 */
export function sharedKey(fullKey: string): string {
  if (fullKey.length <= MAX_WIRE_KEY_BYTES && isPlain(fullKey) && !LOOKS_HASHED.test(fullKey))
    return fullKey;
  let kept = fullKey.lastIndexOf(':', MAX_KEPT_PREFIX - 1) + 1;
  while (kept > 0 && !isPlain(fullKey.slice(0, kept)))
    kept = fullKey.lastIndexOf(':', kept - 2) + 1;
  return `${fullKey.slice(0, kept)}#${digest(fullKey)}`;
}

/** True when `fullPrefix` (ending in `:`, or '') appears verbatim at the start of {@link sharedKey} of every key under it. */
export function isSharedPrefix(fullPrefix: string): boolean {
  return fullPrefix.length <= MAX_KEPT_PREFIX && isPlain(fullPrefix);
}

/** The memcached key of an internal entry (a lock): `$` + SHA-256 of the full key. */
export function internalWireKey(fullKey: string): Buffer {
  return Buffer.from(`$${digest(fullKey)}`, 'latin1');
}

/** The memcached key holding the generation of `fullPrefix` ('' is the root). */
export function generationWireKey(fullPrefix: string): Buffer {
  return Buffer.from(`%${digest(fullPrefix)}`, 'latin1');
}
