import { createHash } from 'node:crypto';

/** Ring points per server, as in libketama (40 MD5 digests × 4 points). */
export const POINTS_PER_SERVER = 160;

/** A 32-bit FNV-1a of the key's UTF-16 units with murmur3's finaliser, for routing. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A ketama-style consistent-hash ring: every server owns
 * {@link POINTS_PER_SERVER} points placed by MD5 of `"host:port-i"`, and a key
 * belongs to the first point at or after its hash. Adding one server to n
 * moves about 1/(n+1) of the keys, all of them to the new server.
 */
export class HashRing {
  readonly #points: Uint32Array;
  readonly #owners: Uint16Array;
  readonly #size: number;

  /** `nodes` are the server names (`host:port`); their order does not matter. */
  constructor(nodes: readonly string[]) {
    this.#size = nodes.length;
    const pairs: Array<[number, number]> = [];
    nodes.forEach((node, owner) => {
      for (let i = 0; i < POINTS_PER_SERVER / 4; i++) {
        const digest = createHash('md5').update(`${node}-${i}`).digest();
        for (let j = 0; j < 4; j++) pairs.push([digest.readUInt32LE(j * 4), owner]);
      }
    });
    // Ties (vanishingly rare) break by name so every client builds the same ring.
    pairs.sort(
      (a, b) => a[0] - b[0] || (nodes[a[1]] as string).localeCompare(nodes[b[1]] as string),
    );
    this.#points = Uint32Array.from(pairs, (p) => p[0]);
    this.#owners = Uint16Array.from(pairs, (p) => p[1]);
  }

  /** The index (into the constructor's `nodes`) of the server that owns `key`. */
  nodeFor(key: string): number {
    if (this.#size === 1) return 0;
    const h = hashKey(key);
    const points = this.#points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === points.length ? 0 : lo] as number;
  }
}
