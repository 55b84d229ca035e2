import memjs from 'memjs';
import { EMPTY, encodeRequest, Op, type RawResponse } from './protocol.js';
import { fromDriverError, TransportError } from './transport-error.js';

/** What this module uses of memjs's Server beyond its typings. */
interface MemjsServer {
  username: string | undefined;
  password: string | undefined;
  responseCallbacks: Record<number, unknown>;
  onResponse(seq: number, fn: (response: RawResponse) => void): void;
  error(error: Error): void;
}

/** What this module uses of memjs's Client beyond its typings. */
interface MemjsClient {
  seq: number;
  incrSeq(): void;
  perform(
    key: string,
    request: Buffer,
    seq: number,
    callback: (error: unknown, response: RawResponse | null) => void,
    retries?: number,
  ): void;
  stats(
    callback: (error: unknown, server: string, stats: Record<string, string> | null) => void,
  ): void;
}

/** Options of one connection. */
export interface ServerConnectionOptions {
  username: string | undefined;
  password: string | undefined;
  /** Per request, in ms (memjs counts seconds). */
  timeoutMs: number;
  /** Extra attempts for idempotent requests after a failure. */
  retries: number;
}

const SILENT = { log: () => {} };

/**
 * One memcached server, through its own single-server memjs client (so memjs's
 * `hash % n` routing never applies; the hash ring picks the connection).
 * Requests are encoded here (memjs cannot send CAS) and written through
 * memjs's socket, response matching, SASL and timeouts.
 */
export class ServerConnection {
  /** `host:port`. */
  readonly address: string;
  readonly #client: MemjsClient;
  readonly #server: MemjsServer;
  readonly #timeoutMs: number;
  readonly #attempts: number;

  constructor(host: string, port: number, options: ServerConnectionOptions) {
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.#timeoutMs = options.timeoutMs;
    this.#attempts = options.retries + 1;
    const seconds = options.timeoutMs / 1000;
    const server = new memjs.Server(host, port, options.username, options.password, {
      timeout: seconds,
      conntimeout: seconds,
      keepAlive: true,
    });
    // memjs falls back to MEMCACHIER_*/MEMCACHE_* environment credentials: only the config counts.
    (server as unknown as MemjsServer).username = options.username;
    (server as unknown as MemjsServer).password = options.password;
    const client = new memjs.Client([server], {
      retries: this.#attempts,
      retry_delay: 0.05,
      failover: false,
      logger: SILENT,
    } as memjs.ClientOptions);
    this.#client = client as unknown as MemjsClient;
    this.#server = server as unknown as MemjsServer;
  }

  /**
   * Sends one request and resolves with the response, whatever its status.
   * Only `idempotent` requests are tried again after a failure: a timed-out
   * ADD or CAS write may have been applied.
   */
  request(
    opcode: number,
    key: Buffer,
    extras: Buffer = EMPTY,
    value: Uint8Array = EMPTY,
    options: { cas?: Buffer; idempotent?: boolean } = {},
  ): Promise<RawResponse> {
    const client = this.#client;
    client.incrSeq();
    const seq = client.seq;
    const request = encodeRequest(opcode, key, extras, value, seq, options.cas);
    return new Promise((resolve, reject) => {
      client.perform(
        '',
        request,
        seq,
        (error, response) => {
          if (error || response === null) reject(fromDriverError(error, this.address));
          else resolve(response);
        },
        options.idempotent === true ? this.#attempts : 1,
      );
    });
  }

  /**
   * Fetches many keys in one write: quiet GETKQ requests answer only hits, and
   * a final NOOP marks the end. Resolves with a response (hit or error status)
   * or undefined (miss) per key.
   */
  getMany(keys: readonly Buffer[]): Promise<Array<RawResponse | undefined>> {
    const client = this.#client;
    const server = this.#server;
    const results: Array<RawResponse | undefined> = new Array(keys.length).fill(undefined);
    const seqs: number[] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < keys.length; i++) {
      client.incrSeq();
      const seq = client.seq;
      seqs.push(seq);
      server.onResponse(seq, (response) => {
        results[i] = response;
      });
      parts.push(encodeRequest(Op.GETKQ, keys[i] as Buffer, EMPTY, EMPTY, seq));
    }
    client.incrSeq();
    const end = client.seq;
    parts.push(encodeRequest(Op.NOOP, EMPTY, EMPTY, EMPTY, end));
    return new Promise((resolve, reject) => {
      // memjs's deadline bookkeeping is one entry per write, and each quiet hit consumes one,
      // so a batch keeps its own deadline.
      const timer = setTimeout(
        () => server.error(new Error('socket timed out waiting on response.')),
        this.#timeoutMs,
      );
      timer.unref();
      client.perform(
        '',
        Buffer.concat(parts),
        end,
        (error, response) => {
          clearTimeout(timer);
          for (const seq of seqs) delete server.responseCallbacks[seq];
          if (error || response === null) reject(fromDriverError(error, this.address));
          else resolve(results);
        },
        1,
      );
    });
  }

  /** The server's `stats` as name → value. */
  stats(): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new TransportError('timeout', this.address, 'stats timed out')),
        this.#timeoutMs,
      );
      timer.unref();
      this.#client.stats((error, _server, stats) => {
        clearTimeout(timer);
        if (error || stats === null) reject(fromDriverError(error, this.address));
        else resolve(stats);
      });
    });
  }

  /** Fails every pending request with `closed` and drops the socket. */
  close(): void {
    const closed = new TransportError('closed', this.address, 'the cache was closed');
    // memjs retries through client.perform: after close every attempt fails at once, unsent.
    this.#client.perform = (_key, _request, _seq, callback) => callback(closed, null);
    this.#server.error(closed);
  }
}
