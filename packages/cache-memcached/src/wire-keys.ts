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

/** The memcached key of an internal entry (a lock): `$` + SHA-256 of the full key. */
export function internalWireKey(fullKey: string): Buffer {
  return Buffer.from(`$${digest(fullKey)}`, 'latin1');
}

/** The memcached key holding the generation of `fullPrefix` ('' is the root). */
export function generationWireKey(fullPrefix: string): Buffer {
  return Buffer.from(`%${digest(fullPrefix)}`, 'latin1');
}
