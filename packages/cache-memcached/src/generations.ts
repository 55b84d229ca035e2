import { randomBytes } from 'node:crypto';
import { EMPTY, Op, Status, storageExtras } from './protocol.js';
import type { ServerConnection } from './server-connection.js';
import { statusError, TransportError } from './transport-error.js';
import { generationWireKey } from './wire-keys.js';

const TOKEN = /^[A-Za-z0-9_-]{8}$/;
// Bounds the local cache of prefixes a long-running process has met.
const MAX_CACHED_PREFIXES = 10_000;

interface Cached {
  token: string;
  expiresAt: number;
}

/** A fresh generation: 48 random bits, 8 base64url characters. */
const newToken = (): string => randomBytes(6).toString('base64url');

/** Joined generation tokens, and the connection session they were read on. */
export interface Tokens {
  tokens: string;
  /** {@link ServerConnection.session} of the socket the tokens were read (or written) on. */
  session: number;
}

/**
 * Generation counters, so that `clear()` and `clear(prefix)` are O(1) without
 * scanning or `flush_all`. Every prefix of a key up to a `:` (and the root '')
 * has a generation token on each server; a data key's wire name folds in the
 * tokens of all its prefixes, on the server that holds it. Clearing a prefix
 * writes a new random token on every server, so the old entries are never
 * addressed again and memcached's LRU reclaims them.
 *
 * A token missing on a server (never written, evicted, server restarted) is
 * replaced with a new random one (ADD, so concurrent clients agree): entries
 * written under an evicted token are lost, never resurrected.
 *
 * Tokens are cached for `cacheMs`: another process's clear() becomes visible
 * here within that time. The cache of a server holds only tokens read on its
 * current socket: a new socket may reach a restarted, empty server whose
 * tokens every client must read afresh (and agree on), so requests addressed
 * with tokens carry their session and are refused unsent on another socket.
 */
export class Generations {
  readonly #servers: readonly ServerConnection[];
  readonly #cacheMs: number;
  readonly #cached: Array<Map<string, Cached>>;
  /** The session each server's cached tokens were read on. */
  readonly #sessions: number[];
  readonly #pending: Array<Map<string, Promise<Tokens>>>;
  #epoch = 0;

  constructor(servers: readonly ServerConnection[], cacheMs: number) {
    this.#servers = servers;
    this.#cacheMs = cacheMs;
    this.#cached = servers.map(() => new Map());
    this.#sessions = servers.map(() => 0);
    this.#pending = servers.map(() => new Map());
  }

  /** The cache of `server`, emptied first when its socket is not the one the tokens were read on. */
  #fresh(server: number): Map<string, Cached> {
    const map = this.#cached[server] as Map<string, Cached>;
    const connection = this.#servers[server] as ServerConnection;
    if (!connection.connected || connection.session !== this.#sessions[server]) map.clear();
    return map;
  }

  /** The joined tokens for `fullKey` on `server` when all are cached and fresh, else undefined. */
  cached(server: number, fullKey: string, nowMs: number): Tokens | undefined {
    const map = this.#fresh(server);
    let entry = map.get('');
    if (entry === undefined || entry.expiresAt <= nowMs) return undefined;
    let tokens = entry.token;
    for (let i = fullKey.indexOf(':'); i !== -1; i = fullKey.indexOf(':', i + 1)) {
      entry = map.get(fullKey.slice(0, i + 1));
      if (entry === undefined || entry.expiresAt <= nowMs) return undefined;
      tokens += entry.token;
    }
    return { tokens, session: this.#sessions[server] as number };
  }

  /** The joined tokens for `fullKey` on `server`, fetching (or creating) the missing ones. */
  async tokens(server: number, fullKey: string): Promise<Tokens> {
    const now = Date.now();
    const fast = this.cached(server, fullKey, now);
    if (fast !== undefined) return fast;
    const prefixes = [''];
    for (let i = fullKey.indexOf(':'); i !== -1; i = fullKey.indexOf(':', i + 1)) {
      prefixes.push(fullKey.slice(0, i + 1));
    }
    const all = await Promise.all(prefixes.map((p) => this.#token(server, p, now)));
    const session = (all[0] as Tokens).session;
    // Tokens read on different sockets cannot be trusted together: -1 is refused as stale.
    return {
      tokens: all.map((t) => t.tokens).join(''),
      session: all.every((t) => t.session === session) ? session : -1,
    };
  }

  /** Starts a new generation of `fullPrefix` on every server; rejects naming a server that failed. */
  async bump(fullPrefix: string): Promise<void> {
    const token = newToken();
    this.#epoch++;
    const key = generationWireKey(fullPrefix);
    const value = Buffer.from(token, 'latin1');
    const results = await Promise.allSettled(
      this.#servers.map(async (s) => {
        const r = await s.request(Op.SET, key, storageExtras(0, 0), value, { idempotent: true });
        return { status: r.header.status, session: s.session };
      }),
    );
    let failure: unknown;
    results.forEach((result, i) => {
      const server = this.#servers[i] as ServerConnection;
      if (result.status === 'rejected') failure ??= result.reason;
      else if (result.value.status !== Status.OK)
        failure ??= statusError(server, result.value.status, 'store a generation');
      else this.#remember(i, fullPrefix, { tokens: token, session: result.value.session });
    });
    if (failure !== undefined) throw failure;
  }

  #remember(server: number, prefix: string, read: Tokens): void {
    const map = this.#fresh(server);
    const session = this.#sessions[server] as number;
    if (read.session < session) return;
    if (read.session > session) {
      map.clear();
      this.#sessions[server] = read.session;
    }
    if (map.size >= MAX_CACHED_PREFIXES) map.clear();
    map.set(prefix, { token: read.tokens, expiresAt: Date.now() + this.#cacheMs });
  }

  #token(server: number, prefix: string, nowMs: number): Promise<Tokens> {
    const entry = this.#fresh(server).get(prefix);
    if (entry !== undefined && entry.expiresAt > nowMs)
      return Promise.resolve({ tokens: entry.token, session: this.#sessions[server] as number });
    const pending = this.#pending[server] as Map<string, Promise<Tokens>>;
    let promise = pending.get(prefix);
    if (promise === undefined) {
      const epoch = this.#epoch;
      promise = this.#fetch(server, prefix)
        .then((read) => {
          // A clear() that ran meanwhile knows better than this (older) read.
          if (epoch === this.#epoch) this.#remember(server, prefix, read);
          return read;
        })
        .finally(() => pending.delete(prefix));
      pending.set(prefix, promise);
    }
    return promise;
  }

  async #fetch(index: number, prefix: string): Promise<Tokens> {
    const server = this.#servers[index] as ServerConnection;
    const key = generationWireKey(prefix);
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await server.request(Op.GET, key, EMPTY, EMPTY, { idempotent: true });
      if (found.header.status === Status.OK) {
        const token = found.val.toString('latin1');
        if (TOKEN.test(token)) return { tokens: token, session: server.session };
      } else if (found.header.status !== Status.KEY_NOT_FOUND) {
        throw statusError(server, found.header.status, 'read a generation');
      }
      // Missing (or not ours): start a generation nobody has used, unless another client just did.
      const token = newToken();
      const op = found.header.status === Status.OK ? Op.SET : Op.ADD;
      const stored = await server.request(op, key, storageExtras(0, 0), Buffer.from(token));
      if (stored.header.status === Status.OK) return { tokens: token, session: server.session };
      if (stored.header.status !== Status.KEY_EXISTS && stored.header.status !== Status.NOT_STORED)
        throw statusError(server, stored.header.status, 'create a generation');
    }
    throw new TransportError(
      'status',
      server.address,
      'could not settle a generation token after 5 attempts',
    );
  }
}
