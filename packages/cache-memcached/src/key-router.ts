import { Generations } from './generations.js';
import type { HashRing } from './hash-ring.js';
import type { Located } from './item-access.js';
import type { ServerConnection } from './server-connection.js';
import { isStale } from './transport-error.js';
import { dataWireKey, internalWireKey, sharedKey } from './wire-keys.js';

// A request refused as stale is addressed again, with tokens read on the new socket, this often.
const MAX_READDRESS = 5;

/**
 * Decides where a key lives: its server on the libketama ring (placed by the
 * key as other clients see it, {@link sharedKey}) and its memcached key. By
 * default a data key's wire name folds in the generation tokens of its
 * prefixes (so `clear` is a generation bump); in interop mode it is the shared
 * key itself. Internal keys (locks) have no generations and survive `clear`.
 */
export class KeyRouter {
  readonly #servers: readonly ServerConnection[];
  readonly #ring: HashRing;
  readonly #generations: Generations | undefined;

  /** `generationCacheMs` undefined: interop mode, no generations. */
  constructor(
    servers: readonly ServerConnection[],
    ring: HashRing,
    generationCacheMs: number | undefined,
  ) {
    this.#servers = servers;
    this.#ring = ring;
    this.#generations =
      generationCacheMs === undefined ? undefined : new Generations(servers, generationCacheMs);
  }

  /** The index of the server that holds `fullKey` on the ring. */
  #index(fullKey: string): number {
    return this.#servers.length === 1 ? 0 : this.#ring.nodeFor(sharedKey(fullKey));
  }

  /** The server that holds `fullKey` on the ring. */
  serverFor(fullKey: string): ServerConnection {
    return this.#servers[this.#index(fullKey)] as ServerConnection;
  }

  /** A data key's place; synchronous while its generation tokens are cached (always in interop mode). */
  data(fullKey: string): Located | Promise<Located> {
    const index = this.#index(fullKey);
    const server = this.#servers[index] as ServerConnection;
    const generations = this.#generations;
    if (generations === undefined)
      return { server, key: Buffer.from(sharedKey(fullKey), 'latin1'), shared: true };
    const cached = generations.cached(index, fullKey, Date.now());
    if (cached !== undefined)
      return { server, key: dataWireKey(cached.tokens, fullKey), session: cached.session };
    return generations
      .tokens(index, fullKey)
      .then((t) => ({ server, key: dataWireKey(t.tokens, fullKey), session: t.session }));
  }

  /**
   * Runs `use` at the data key's place. When a request of it is refused
   * because the server reconnected since the key was addressed (a restart
   * empties memcached, so the tokens may be gone), addresses it again.
   */
  withData<T>(fullKey: string, use: (at: Located) => Promise<T>): Promise<T> {
    const at = this.data(fullKey);
    const done = at instanceof Promise ? at.then(use) : use(at);
    return done.catch((error: unknown) => this.#again(error, fullKey, use));
  }

  async #again<T>(error: unknown, fullKey: string, use: (at: Located) => Promise<T>): Promise<T> {
    for (let attempt = 2; ; attempt++) {
      if (!isStale(error) || attempt > MAX_READDRESS) throw error;
      try {
        return await use(await this.data(fullKey));
      } catch (next) {
        error = next;
      }
    }
  }

  /** Like {@link withData} for many keys at once. */
  async withMany<T>(
    fullKeys: readonly string[],
    use: (located: readonly Located[]) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await use(await this.#locateAll(fullKeys));
      } catch (error) {
        if (attempt >= MAX_READDRESS || !isStale(error)) throw error;
      }
    }
  }

  /** Every key's place; without a promise per key while their tokens are cached. */
  #locateAll(fullKeys: readonly string[]): Located[] | Promise<Located[]> {
    const located = fullKeys.map((k) => this.data(k));
    if (located.every((at) => !(at instanceof Promise))) return located as Located[];
    return Promise.all(located);
  }

  /** An internal key's place (a lock): no generations, so `clear` keeps it. */
  internal(fullKey: string): Located {
    return { server: this.serverFor(fullKey), key: internalWireKey(fullKey) };
  }

  /** Makes every data key under `fullPrefix` unreachable, on all servers (default mode only). */
  async clear(fullPrefix: string): Promise<void> {
    await this.#generations?.bump(fullPrefix);
  }
}
