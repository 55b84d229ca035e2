import {
  CacheError,
  type CacheErrorCode,
  describeError,
  MAX_NAMESPACE_BYTES,
} from '@pywatt/cache-core';
import { isCallerError } from '@pywatt/cache-core/store';
import {
  FrameKind,
  HANDSHAKE_MAX_FRAME_BYTES,
  OP_NAMES,
  Op,
  PROTOCOL_VERSION,
} from '../protocol/constants.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { FrameSink } from '../protocol/frame-sink.js';
import {
  type Frame,
  readFrame,
  writeError,
  writeFatal,
  writeResult,
  writeWelcome,
} from '../protocol/messages.js';
import type { WireValue } from '../protocol/values.js';
import type { Transport } from '../transport/transport.js';
import type { TokenTable } from './auth.js';
import { dispatch } from './dispatch.js';
import type { HostedCache } from './hosted-cache.js';
import type { InvalidationHub } from './invalidation-hub.js';
import { PushSubscription } from './push-subscription.js';
import type { RequestRecord } from './server-metrics.js';

/** One line of the server's connection log. Never carries a token. */
export interface ConnectionEvent {
  event: 'open' | 'authenticated' | 'rejected' | 'closed';
  /** A number unique within the server. */
  connectionId: number;
  /** `unix:/run/cache.sock`, `tcp:127.0.0.1:7000`, `ipc:1234#5`. */
  transport: string;
  /** The token's namespace and the client's own, once authenticated. */
  namespace?: string | undefined;
  /** Why the connection was rejected or closed. */
  reason?: string | undefined;
  /** The CacheError code sent before closing, if any. */
  code?: CacheErrorCode | undefined;
}

/** The server-wide settings a connection follows. */
export interface ConnectionContext {
  hosted: HostedCache;
  tokens: TokenTable;
  /** Pushes invalidations to the connections that subscribed to them. */
  hub: InvalidationHub;
  maxFrameBytes: number;
  maxInFlight: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  frameTimeoutMs: number;
  log(event: ConnectionEvent): void;
  /** Reports each answered request (for `/metrics` and the admin dashboard). */
  onRequest?: ((record: RequestRecord) => void) | undefined;
}

/** The server side of one client connection: handshake, then requests, then close. */
export class ServerConnection {
  readonly id: number;
  readonly #ctx: ConnectionContext;
  readonly #decoder: FrameDecoder;
  readonly #sink = new FrameSink();
  #transport: Transport | undefined;
  #state: 'handshake' | 'ready' | 'draining' | 'closed' = 'handshake';
  #scope = '';
  #namespace = '';
  #tokenNamespace = '';
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #frameTimer: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;
  #origin = '';
  /** Set once HELLO asked for pushes. */
  #pushes: PushSubscription | undefined;
  readonly #onClosed: (connection: ServerConnection) => void;

  constructor(
    id: number,
    ctx: ConnectionContext,
    onClosed: (connection: ServerConnection) => void,
  ) {
    this.id = id;
    this.#ctx = ctx;
    this.#decoder = new FrameDecoder(ctx.maxFrameBytes, HANDSHAKE_MAX_FRAME_BYTES);
    this.#onClosed = onClosed;
  }

  /** Starts serving over `transport` (its handlers must call {@link onData} and {@link onClose}). */
  attach(transport: Transport): void {
    this.#transport = transport;
    this.#sink.transport = transport;
    this.#log({ event: 'open' });
    this.#arm(this.#ctx.handshakeTimeoutMs, 'no handshake');
  }

  onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    try {
      this.#decoder.push(chunk, (payload) => this.#onFrame(readFrame(payload)));
      this.#watchPartialFrame();
    } catch (error) {
      const code = CacheError.is(error) ? error.code : 'PROTOCOL';
      this.#fatal(code, `malformed frame: ${describeError(error)}`);
    }
  }

  onClose(error?: Error): void {
    if (this.#state === 'closed') return;
    this.#finish(error === undefined ? 'peer closed' : `link failed: ${error.message}`);
  }

  onDrain(): void {
    this.#transport?.resume();
  }

  /** Stops taking requests, lets running ones answer, then closes. */
  drain(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    if (this.#state === 'handshake' || this.#inFlight === 0) {
      this.#close('server is shutting down');
      return Promise.resolve();
    }
    this.#state = 'draining';
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  /** Closes now, whatever is running. */
  destroy(reason: string): void {
    if (this.#state === 'closed') return;
    this.#transport?.destroy();
    this.#finish(reason);
  }

  #onFrame(frame: Frame): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'handshake') {
      this.#handshake(frame);
      return;
    }
    if (frame.kind !== FrameKind.REQUEST) {
      throw new CacheError('PROTOCOL', `unexpected frame kind ${frame.kind} after the handshake`);
    }
    const w = this.#sink.writer;
    if (frame.op === Op.subscribe) {
      this.#subscribe(frame.id, frame.args);
    } else if (this.#state === 'draining') {
      writeError(
        w,
        frame.id,
        'CONNECTION',
        'the cache server is shutting down; the request was not run, try again',
      );
    } else if (this.#inFlight >= this.#ctx.maxInFlight) {
      writeError(
        w,
        frame.id,
        'CAPACITY_EXCEEDED',
        `more than ${this.#ctx.maxInFlight} requests in flight on one connection; the request was not run`,
      );
    } else {
      this.#inFlight++;
      this.#arm(0, '');
      const { onRequest } = this.#ctx;
      const startedAt = onRequest === undefined ? 0 : performance.now();
      const tokenNamespace = this.#tokenNamespace;
      const opCode = frame.op;
      dispatch(this.#ctx.hosted, this.#scope, opCode, frame.args).then(
        (result) => {
          this.#written(opCode, frame.args, result, false);
          onRequest?.({
            tokenNamespace,
            opCode,
            durationMs: performance.now() - startedAt,
            result,
          });
          this.#answer(() => writeResult(this.#sink.writer, frame.id, result));
        },
        (error) => {
          const e = this.#ctx.hosted.wrap(error, 'request');
          // A write the backend failed may still have landed; a caller's error never ran.
          if (!isCallerError(e.code)) this.#written(frame.op, frame.args, undefined, true);
          const durationMs = performance.now() - startedAt;
          onRequest?.({ tokenNamespace, opCode, durationMs, error: e });
          this.#answer(() => writeError(this.#sink.writer, frame.id, e.code, e.message));
        },
      );
      return;
    }
    this.#sink.flushSoon();
  }

  #answer(write: () => void): void {
    this.#inFlight--;
    if (this.#state === 'closed') return;
    write();
    this.#sink.flushSoon();
    if (this.#transport?.congested) this.#transport.pause();
    if (this.#inFlight === 0) {
      if (this.#state === 'draining') this.#close('server is shutting down');
      else this.#armIdle();
    }
  }

  // A subscriber that goes quiet is still listening: only connections without a subscription idle out.
  #armIdle(): void {
    this.#arm(this.#pushes?.subscribed ? 0 : this.#ctx.idleTimeoutMs, 'idle');
  }

  // Before the answer: a subscriber's push leaves no later than the writer's acknowledgement.
  #written(code: number, args: WireValue[], result: WireValue, failed: boolean): void {
    const op = OP_NAMES.get(code);
    if (op !== undefined)
      this.#ctx.hub.written(this.#origin, this.#scope, op, args, result, failed);
  }

  #subscribe(id: number, args: WireValue[]): void {
    const w = this.#sink.writer;
    const outcome = this.#pushes?.subscribe(args[0]);
    if (outcome === undefined) {
      writeError(
        w,
        id,
        'INVALID_ARGUMENT',
        'subscribe needs a connection that asked for push in HELLO (see PROTOCOL.md)',
      );
    } else if ('error' in outcome) {
      const e = this.#ctx.hosted.wrap(outcome.error, 'subscribe');
      writeError(w, id, e.code, e.message);
    } else {
      if (this.#inFlight === 0) this.#armIdle();
      writeResult(w, id, outcome.seq);
    }
  }

  #handshake(frame: Frame): void {
    if (frame.kind !== FrameKind.HELLO) {
      this.#fatal(
        'PROTOCOL',
        'the first frame must be HELLO (see PROTOCOL.md); nothing runs before authentication',
      );
      return;
    }
    if (frame.version !== PROTOCOL_VERSION) {
      this.#fatal(
        'PROTOCOL',
        `protocol version ${frame.version} is not supported; this server speaks version ${PROTOCOL_VERSION}`,
      );
      return;
    }
    const tokenNamespace = this.#ctx.tokens.match(frame.token);
    if (tokenNamespace === undefined) {
      this.#fatal(
        'UNAUTHORIZED',
        'the cache server does not know this token; check the token the client was given',
      );
      return;
    }
    const ns = frame.namespace;
    if (
      ns !== undefined &&
      (ns.length === 0 ||
        ns.charCodeAt(0) === 0 ||
        !ns.isWellFormed() ||
        Buffer.byteLength(ns) > MAX_NAMESPACE_BYTES)
    ) {
      this.#fatal(
        'CONFIGURATION',
        `namespace must be a non-empty string of at most ${MAX_NAMESPACE_BYTES} UTF-8 bytes`,
      );
      return;
    }
    this.#tokenNamespace = tokenNamespace;
    this.#namespace = ns === undefined ? tokenNamespace : `${tokenNamespace}:${ns}`;
    this.#scope = `${this.#namespace}:`;
    this.#origin = this.#ctx.hub.origin(this.id);
    if (frame.options.push === true) {
      this.#pushes = new PushSubscription(
        this.#ctx.hub,
        this.#scope,
        this.#sink,
        () => (this.#state === 'closed' ? undefined : this.#transport),
        () => this.destroy('push subscriber is not reading its invalidations'),
      );
    }
    this.#state = 'ready';
    this.#decoder.trust();
    writeWelcome(this.#sink.writer, PROTOCOL_VERSION, {
      backend: this.#ctx.hosted.type,
      maxFrameBytes: this.#ctx.maxFrameBytes,
      maxInFlight: this.#ctx.maxInFlight,
      origin: this.#origin,
      push: this.#pushes !== undefined,
    });
    this.#sink.flushSoon();
    this.#log({ event: 'authenticated', namespace: this.#namespace });
    this.#armIdle();
  }

  // A frame that starts and never finishes (a slow or stalled sender) must not hold the connection forever.
  #watchPartialFrame(): void {
    if (!this.#decoder.partial) {
      clearTimeout(this.#frameTimer);
      this.#frameTimer = undefined;
      return;
    }
    if (this.#frameTimer !== undefined || this.#state === 'closed') return;
    this.#frameTimer = setTimeout(() => {
      this.#frameTimer = undefined;
      if (this.#decoder.partial)
        this.#fatal('TIMEOUT', `a frame was not completed within ${this.#ctx.frameTimeoutMs} ms`);
    }, this.#ctx.frameTimeoutMs);
    this.#frameTimer.unref();
  }

  #arm(ms: number, why: string): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (ms <= 0 || !Number.isFinite(ms)) return;
    this.#timer = setTimeout(() => {
      if (this.#state === 'handshake') this.#fatal('TIMEOUT', `${why} within ${ms} ms; closing`);
      else if (this.#inFlight === 0) this.#close(`${why} for ${ms} ms`);
    }, ms);
    this.#timer.unref();
  }

  #fatal(code: CacheErrorCode, message: string): void {
    if (this.#state === 'closed') return;
    this.#sink.discard();
    // Whatever the peer still sends is never read: a refused connection must not cost buffers.
    this.#transport?.pause();
    writeFatal(this.#sink.writer, code, message);
    this.#sink.flush();
    this.#log({ event: code === 'UNAUTHORIZED' ? 'rejected' : 'closed', reason: message, code });
    this.#close(message, true);
  }

  #close(reason: string, logged = false): void {
    if (this.#state === 'closed') return;
    this.#sink.flush();
    this.#transport?.end();
    this.#finish(reason, logged);
  }

  #finish(reason: string, logged = false): void {
    this.#state = 'closed';
    this.#pushes?.end();
    clearTimeout(this.#timer);
    clearTimeout(this.#frameTimer);
    this.#sink.discard();
    if (!logged) this.#log({ event: 'closed', reason, namespace: this.#namespace || undefined });
    this.#drained?.();
    this.#onClosed(this);
  }

  #log(event: Omit<ConnectionEvent, 'connectionId' | 'transport'>): void {
    this.#ctx.log({
      connectionId: this.id,
      transport: this.#transport?.description ?? '?',
      ...event,
    });
  }
}
