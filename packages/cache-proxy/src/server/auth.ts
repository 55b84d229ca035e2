import { createHash, timingSafeEqual } from 'node:crypto';
import { CacheError } from '@pywatt/cache-core';
import { validateNamespace } from '@pywatt/cache-core/store';
import { MAX_TOKEN_BYTES } from '../protocol/constants.js';

/** One client identity: the secret it presents and the namespace it is confined to. */
export interface TokenGrant {
  /** The shared secret (at least 16 characters). Never logged. */
  token: string;
  /** The server-side namespace this token's keys live under; the client cannot leave it. */
  namespace: string;
}

/** How clients prove who they are. */
export interface AuthOptions {
  /** The accepted tokens, each with its namespace. At least one. */
  tokens: readonly TokenGrant[];
}

interface Entry {
  digest: Buffer;
  namespace: string;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

const fail = (message: string): never => {
  throw new CacheError('CONFIGURATION', `cache server auth: ${message}`, {
    operation: 'startCacheServer',
    backend: 'proxy',
  });
};

/**
 * The token table. Lookups compare SHA-256 digests (equal length by
 * construction) with `timingSafeEqual` against every entry, so neither a
 * token's content nor its position leaks through timing.
 */
export class TokenTable {
  readonly #entries: Entry[];

  constructor(options: AuthOptions) {
    if (typeof options !== 'object' || options === null || !Array.isArray(options.tokens))
      fail("'auth' must be { tokens: [{ token, namespace }, ...] }");
    if (options.tokens.length === 0) fail("'auth.tokens' must list at least one token");
    this.#entries = options.tokens.map((grant, i) => {
      if (
        typeof grant?.token !== 'string' ||
        grant.token.length < 16 ||
        Buffer.byteLength(grant.token) > MAX_TOKEN_BYTES
      )
        fail(
          `auth.tokens[${i}].token must be a string of at least 16 characters and at most ${MAX_TOKEN_BYTES} bytes`,
        );
      validateNamespace(grant.namespace, 'proxy');
      return { digest: digest(grant.token), namespace: grant.namespace };
    });
    // A namespace inside another ('a' and 'a:b') would let one token reach the other's keys.
    for (const a of this.#entries)
      for (const b of this.#entries)
        if (a.namespace.startsWith(`${b.namespace}:`))
          fail(
            `namespace '${a.namespace}' lies inside namespace '${b.namespace}'; give each token a disjoint namespace`,
          );
  }

  /** The namespace of `token`, or undefined when it is not a known token. */
  match(token: string): string | undefined {
    const candidate = digest(token);
    let found: string | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(candidate, entry.digest) && found === undefined) found = entry.namespace;
    }
    return found;
  }
}
