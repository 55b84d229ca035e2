import { MemjsLink, type SocketWatcher, STALE_SESSION } from './memjs-adapter.js';
import {
  EMPTY,
  encodeInto,
  encodeRequest,
  Op,
  type RawResponse,
  requestBytes,
  Status,
} from './protocol.js';
import { fromDriverError, TransportError } from './transport-error.js';

/** Options of one connection. */
export interface ServerConnectionOptions {
  username: string | undefined;
  password: string | undefined;
  /** Per request, in ms. */
  timeoutMs: number;
  /** Extra attempts for idempotent requests after a failure. */
  retries: number;
}

/** Per-request options. */
export interface RequestOptions {
  cas?: Buffer | undefined;
  /** Safe to send again after a failure (a GET, a plain SET); others may have been applied. */
  idempotent?: boolean;
  /**
   * Send only on this session's socket ({@link ServerConnection.session}):
   * the request was addressed with state read on that socket (generation
   * tokens), which a reconnected (perhaps restarted, emptied) server no
   * longer holds. On another socket it fails with a `stale` TransportError, unsent.
   */
  session?: number | undefined;
}

const RETRY_DELAY_MS = 50;
const MAX_OPAQUE = 0xffffffff;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One memcached server. Requests are encoded here (memjs cannot send CAS or
 * quiet batches) and written through {@link MemjsLink}, which keeps the
 * socket, SASL and deadlines; the hash ring picks the connection.
 */
export class ServerConnection {
  /** `host:port`. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly #link: MemjsLink;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  #opaque = 0;
  #closed: TransportError | undefined;

  constructor(host: string, port: number, options: ServerConnectionOptions) {
    this.address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.host = host;
    this.port = port;
    this.#timeoutMs = options.timeoutMs;
    this.#attempts = options.retries + 1;
    this.#link = new MemjsLink(host, port, options);
  }

  /** The socket requests go out on now (see {@link RequestOptions.session}); 0 before the first. */
  get session(): number {
    return this.#link.session;
  }

  /** True while the current session's socket is connected. */
  get connected(): boolean {
    return this.#link.connected;
  }

  /** Reports ready sockets and closes of ready ones, except the closes {@link ServerConnection.close} causes. */
  watch(watcher: SocketWatcher): void {
    this.#link.watch({
      ready: () => watcher.ready(),
      closed: () => {
        if (this.#closed === undefined) watcher.closed();
      },
    });
  }

  /** `count` consecutive unused opaques; the first is returned. */
  #reserve(count: number): number {
    if (this.#opaque + count >= MAX_OPAQUE) this.#opaque = 0;
    const first = this.#opaque + 1;
    this.#opaque += count;
    return first;
  }

  /**
   * Sends one request and resolves with the response, whatever its status.
   * Only `idempotent` requests are tried again after a failure, and never
   * on another session than the one `session` names.
   */
  request(
    opcode: number,
    key: Buffer,
    extras: Buffer = EMPTY,
    value: Uint8Array = EMPTY,
    options: RequestOptions = {},
  ): Promise<RawResponse> {
    const first = this.#once(opcode, key, extras, value, options);
    if (options.idempotent !== true || this.#attempts === 1) return first;
    return first.catch((error) => this.#retry(error, opcode, key, extras, value, options));
  }

  async #retry(
    error: unknown,
    opcode: number,
    key: Buffer,
    extras: Buffer,
    value: Uint8Array,
    options: RequestOptions,
  ): Promise<RawResponse> {
    for (let attempt = 2; ; attempt++) {
      const failure = (error as TransportError).failure;
      if (failure === 'closed' || failure === 'stale') throw error;
      await pause(RETRY_DELAY_MS);
      try {
        return await this.#once(opcode, key, extras, value, options);
      } catch (next) {
        if (attempt >= this.#attempts) throw next;
        error = next;
      }
    }
  }

  #once(
    opcode: number,
    key: Buffer,
    extras: Buffer,
    value: Uint8Array,
    options: RequestOptions,
  ): Promise<RawResponse> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const opaque = this.#reserve(1);
    const blob = encodeRequest(opcode, key, extras, value, opaque, options.cas);
    return new Promise((resolve, reject) => {
      this.#link.send(
        blob,
        opaque,
        resolve,
        (error) => reject(this.#failure(error)),
        options.session,
      );
    });
  }

  #failure(error: unknown): TransportError {
    if (error === STALE_SESSION)
      return new TransportError('stale', this.address, 'reconnected since the key was addressed');
    return fromDriverError(error, this.address);
  }

  /**
   * Sends one quiet request per key (`opcode`: GETKQ, SETQ, DELETEQ; the
   * same `extras` for all, `values[i]` for key i) in one write, then a NOOP
   * that marks the end. The quiet requests share one opaque: `onAnswer` gets
   * what the server answered (GETKQ hits, which carry their key; SETQ and
   * DELETEQ failures), in request order. One deadline for the whole batch.
   */
  batch(
    opcode: number,
    keys: readonly Buffer[],
    extras: Buffer,
    values: ReadonlyArray<Uint8Array> | undefined,
    session: number | undefined,
    onAnswer: (response: RawResponse) => void,
  ): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const quiet = this.#reserve(2);
    const end = quiet + 1;
    let size = requestBytes(EMPTY, EMPTY, EMPTY);
    for (let i = 0; i < keys.length; i++)
      size += requestBytes(keys[i] as Buffer, extras, values?.[i] ?? EMPTY);
    const blob = Buffer.allocUnsafe(size);
    let offset = 0;
    for (let i = 0; i < keys.length; i++) {
      const value = values?.[i] ?? EMPTY;
      offset = encodeInto(blob, offset, opcode, keys[i] as Buffer, extras, value, quiet);
    }
    encodeInto(blob, offset, Op.NOOP, EMPTY, EMPTY, EMPTY, end);
    return new Promise((resolve, reject) => {
      // Quiet answers with a body keep memjs's per-write deadline alive, so a batch keeps its own.
      const timer = setTimeout(
        () => this.#link.fail(new Error('socket timed out waiting on response.')),
        this.#timeoutMs,
      );
      timer.unref();
      const settle = (error: unknown) => {
        clearTimeout(timer);
        this.#link.release(quiet);
        if (error === undefined) resolve();
        else reject(this.#failure(error));
      };
      this.#link.send(blob, end, () => settle(undefined), settle, session, quiet, onAnswer);
    });
  }

  /** The server's `stats` as name → value. */
  stats(): Promise<Record<string, string>> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const stats: Record<string, string> = {};
    const opaque = this.#reserve(1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#link.release(opaque);
        reject(new TransportError('timeout', this.address, 'stats timed out'));
      }, this.#timeoutMs);
      timer.unref();
      // One response per statistic, then one with an empty key (and body) ends the list.
      const onResponse = (r: RawResponse) => {
        if (r.key.length > 0) {
          stats[r.key.toString('latin1')] = r.val.toString('latin1');
          return;
        }
        clearTimeout(timer);
        if (r.header.status === Status.OK) resolve(stats);
        else reject(new TransportError('status', this.address, 'stats refused'));
      };
      // Registered as quiet (the same function), so memjs keeps it until the empty answer.
      this.#link.send(
        encodeRequest(Op.STAT, EMPTY, EMPTY, EMPTY, opaque),
        opaque,
        onResponse,
        (error) => {
          clearTimeout(timer);
          reject(fromDriverError(error, this.address));
        },
        undefined,
        opaque,
        onResponse,
      );
    });
  }

  /** Fails every pending request with `closed` and drops the socket; later requests fail at once. */
  close(): void {
    this.#closed = new TransportError('closed', this.address, 'the cache was closed');
    this.#link.fail(this.#closed);
  }
}
