import { Generations } from './generations.js';
import { HashRing } from './hash-ring.js';
import type { Located } from './item-access.js';
import type { ServerConnection } from './server-connection.js';
import { dataWireKey, internalWireKey } from './wire-keys.js';

/**
 * Decides where a key lives: its server on the consistent-hash ring and its
 * memcached key. A data key's wire name folds in the generation tokens of
 * its prefixes (so `clear` is a generation bump); internal keys (locks) have
 * no generations and survive `clear`.
 */
export class KeyRouter {
  readonly #servers: readonly ServerConnection[];
  readonly #ring: HashRing;
  readonly #generations: Generations;

  constructor(servers: readonly ServerConnection[], generationCacheMs: number) {
    this.#servers = servers;
    this.#ring = new HashRing(servers.map((s) => s.address));
    this.#generations = new Generations(servers, generationCacheMs);
  }

  /** The server that holds `fullKey` on the ring. */
  serverFor(fullKey: string): ServerConnection {
    return this.#servers[this.#ring.nodeFor(fullKey)] as ServerConnection;
  }

  /** A data key's place; synchronous while its generation tokens are cached. */
  data(fullKey: string): Located | Promise<Located> {
    const index = this.#ring.nodeFor(fullKey);
    const server = this.#servers[index] as ServerConnection;
    const tokens = this.#generations.cached(index, fullKey, Date.now());
    if (tokens !== undefined) return { server, key: dataWireKey(tokens, fullKey) };
    return this.#generations
      .tokens(index, fullKey)
      .then((t) => ({ server, key: dataWireKey(t, fullKey) }));
  }

  /** An internal key's place (a lock): no generations, so `clear` keeps it. */
  internal(fullKey: string): Located {
    return { server: this.serverFor(fullKey), key: internalWireKey(fullKey) };
  }

  /** Makes every data key under `fullPrefix` unreachable, on all servers. */
  async clear(fullPrefix: string): Promise<void> {
    await this.#generations.bump(fullPrefix);
  }
}
