import { createHash } from 'node:crypto';
import { parseServer } from './config.js';

/** Ring points per server of weight 1, as in libketama (40 MD5 digests × 4 points). */
export const POINTS_PER_SERVER = 160;

/** memcached's default port: libmemcached leaves it out of the names it hashes. */
const DEFAULT_PORT = 11211;

/** One server on the ring. */
export interface RingNode {
  host: string;
  port: number;
  /** Relative share of the keys (libmemcached's server weight); default 1. */
  weight?: number;
}

const md5 = (text: string): Buffer => createHash('md5').update(text, 'utf8').digest();

/** libketama's key hash: the first four bytes of MD5, little-endian. */
export function hashKey(key: string): number {
  return md5(key).readUInt32LE(0);
}

/** The name libmemcached hashes for point group `i` of a server: `host-i` on 11211, else `host:port-i`. */
export function pointName(node: RingNode, i: number): string {
  return node.port === DEFAULT_PORT ? `${node.host}-${i}` : `${node.host}:${node.port}-${i}`;
}

/**
 * Points of one server, computed as libmemcached's `update_continuum` does
 * for MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED, in single-precision floats
 * so that uneven weights round exactly as it does.
 */
function pointsFor(weight: number, totalWeight: number, servers: number): number {
  const f = Math.fround;
  const share = f(f(weight) / f(totalWeight));
  const perServer = f(f(f(share * POINTS_PER_SERVER) / 4) * f(servers));
  return Math.floor(perServer + 0.0000000001) * 4;
}

/**
 * A libketama-compatible consistent-hash ring, placing every key where
 * libmemcached's weighted ketama distribution (`MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED`:
 * pylibmc's `ketama_weighted`, PHP's `Memcached::OPT_LIBKETAMA_COMPATIBLE`)
 * does over the same servers: each server of weight 1 owns
 * {@link POINTS_PER_SERVER} points, four per MD5 digest of `pointName`,
 * and a key (hashed with `hashKey`) belongs to the first point at or
 * after its hash. Adding one server to n moves about 1/(n+1) of the keys,
 * all of them to the new server.
 */
export class HashRing {
  readonly #points: Uint32Array;
  readonly #owners: Uint16Array;
  readonly #size: number;

  /** `nodes` are servers, or their `host:port` names; their order does not matter. */
  constructor(nodes: ReadonlyArray<RingNode | string>) {
    const servers = nodes.map((n) => (typeof n === 'string' ? toNode(n) : n));
    this.#size = servers.length;
    const total = servers.reduce((sum, s) => sum + (s.weight ?? 1), 0);
    const pairs: Array<[number, number]> = [];
    servers.forEach((server, owner) => {
      const digests = pointsFor(server.weight ?? 1, total, servers.length) / 4;
      for (let i = 0; i < digests; i++) {
        const digest = md5(pointName(server, i));
        for (let j = 0; j < 4; j++) pairs.push([digest.readUInt32LE(j * 4), owner]);
      }
    });
    // libmemcached's qsort leaves ties (vanishingly rare) in no defined order; break them by name.
    const names = servers.map((s) => pointName(s, 0));
    pairs.sort(
      (a, b) => a[0] - b[0] || (names[a[1]] as string).localeCompare(names[b[1]] as string),
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

function toNode(name: string): RingNode {
  const parsed = parseServer(name);
  if (parsed === undefined) throw new TypeError(`not a 'host:port' server name: ${name}`);
  return parsed;
}
