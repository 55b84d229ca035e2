import type { Socket } from 'node:net';
import memjs from 'memjs';
import type { RawResponse } from './protocol.js';

/**
 * The one module that touches memjs beyond its documented Client API.
 *
 * Why: memjs's Client cannot send a CAS value, quiet commands (GETKQ, SETQ,
 * DELETEQ) or a pipelined batch, and routes keys by `hash % n`. Its `Server`
 * class (exported, and typed by @types/memjs) does what we want from a driver:
 * the socket, SASL PLAIN, matching responses to requests by opaque, and
 * per-write deadlines. This file uses these members of it, and
 * `test/memjs-adapter-shape.test.ts` pins them against the installed memjs:
 *
 * - `onResponse(opaque, fn)`, `onError(opaque, fn)`, `write(blob)`,
 *   `sock(sasl, go)`, `error(err)`, `close()`, `responseCallbacks`
 *   (typed by @types/memjs);
 * - `fn.quiet = true` on a response callback: `respond` then keeps the
 *   callback (and the write's deadline) for responses with a body, so a
 *   quiet batch gets many answers for one write (memjs's own getMulti relies on it);
 * - `connected` and `_socket`, to write at once on a connected socket and to
 *   number the sockets (sessions);
 * - the `username`/`password` fields, overwritten after construction because
 *   memjs falls back to MEMCACHIER_* / MEMCACHE_* environment credentials.
 */

/** What this module uses of a memjs Server. */
interface ServerInternals {
  connected: boolean;
  _socket: object | undefined;
  username: string | undefined;
  password: string | undefined;
  responseCallbacks: Record<number, unknown>;
  errorCallbacks: Record<number, unknown>;
  onResponse(opaque: number, fn: (response: RawResponse) => void): void;
  onError(opaque: number, fn: (error: unknown) => void): void;
  sock(sasl: boolean, go: (socket: object) => void): void;
  write(blob: Buffer): void;
  error(error: unknown): void;
  close(): void;
}

/** Methods of `memjs.Server.prototype` this adapter calls; the shape test checks each. */
export const MEMJS_SERVER_METHODS = [
  'onResponse',
  'onError',
  'sock',
  'write',
  'error',
  'close',
  'respond',
] as const;

/** Options of one link. */
export interface LinkOptions {
  username: string | undefined;
  password: string | undefined;
  timeoutMs: number;
}

/** Passed to `onError` when a guarded request would have gone out on another session's socket. */
export const STALE_SESSION = Symbol('stale session');

/** Told when a socket of a link becomes ready and when a ready one closes. */
export interface SocketWatcher {
  ready(): void;
  closed(): void;
}

/**
 * One socket to one memcached server through memjs's Server. Counts the
 * sockets it has written on (`session`), so callers can tell that the server
 * they looked something up on may not be the one that will answer.
 */
export class MemjsLink {
  readonly #server: ServerInternals;
  #socket: object | undefined;
  #session = 0;
  #watcher: SocketWatcher | undefined;

  constructor(host: string, port: number, options: LinkOptions) {
    const seconds = options.timeoutMs / 1000;
    const server = new memjs.Server(host, port, options.username, options.password, {
      timeout: seconds,
      conntimeout: seconds,
      keepAlive: true,
    }) as unknown as ServerInternals;
    server.username = options.username;
    server.password = options.password;
    this.#server = server;
  }

  /** Reports each ready socket and the close of each (memjs opens the next one on the next request). */
  watch(watcher: SocketWatcher | undefined): void {
    this.#watcher = watcher;
  }

  /** The number of the socket requests go out on now; 0 before the first. */
  get session(): number {
    return this.#session;
  }

  /** True while the socket of the current session is connected. */
  get connected(): boolean {
    const server = this.#server;
    return server.connected && server._socket === this.#socket && this.#socket !== undefined;
  }

  /**
   * Registers the handlers, then writes `blob` once the socket is up: the
   * request with opaque `last` ends the write (its one answer completes it).
   * `quiet`, when given, answers every request with opaque `quietOpaque`
   * before it: memjs keeps a quiet callback (and the write's deadline) for
   * answers with a body. `onError` is called (once) if the socket fails
   * first. With `session`, the blob is only written on that session's socket:
   * on another it is not sent and `onError` gets {@link STALE_SESSION}.
   */
  send(
    blob: Buffer,
    last: number,
    onResponse: (response: RawResponse) => void,
    onError: (error: unknown) => void,
    session?: number,
    quietOpaque?: number,
    quiet?: (response: RawResponse) => void,
  ): void {
    const server = this.#server;
    if (quiet !== undefined && quietOpaque !== undefined) {
      (quiet as typeof quiet & { quiet?: boolean }).quiet = true;
      server.onResponse(quietOpaque, quiet);
    }
    server.onResponse(last, onResponse);
    server.onError(last, onError);
    if (this.connected) {
      // Connected on this session's socket: memjs writes at once, on it.
      if (session === undefined || session === this.#session) server.write(blob);
      else this.#refuse(last, quietOpaque, onError);
      return;
    }
    server.sock(false, (socket) => {
      if (socket !== this.#socket) {
        this.#socket = socket;
        this.#session++;
        // memjs reconnects lazily and tells nobody of a close: the socket itself does.
        (socket as Socket).once('close', () => this.#watcher?.closed());
        this.#watcher?.ready();
      }
      if (session === undefined || session === this.#session) server.write(blob);
      else this.#refuse(last, quietOpaque, onError);
    });
  }

  #refuse(last: number, quietOpaque: number | undefined, onError: (error: unknown) => void): void {
    const server = this.#server;
    delete server.responseCallbacks[last];
    delete server.errorCallbacks[last];
    if (quietOpaque !== undefined) delete server.responseCallbacks[quietOpaque];
    onError(STALE_SESSION);
  }

  /** Forgets the quiet handler of a batch once the batch has ended. */
  release(quietOpaque: number): void {
    delete this.#server.responseCallbacks[quietOpaque];
  }

  /** Fails every pending request with `error` and drops the socket. */
  fail(error: unknown): void {
    this.#server.error(error);
  }
}
