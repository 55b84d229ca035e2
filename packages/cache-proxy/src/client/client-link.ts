import {
  CacheError,
  type CacheErrorCode,
  CacheErrorCode as Codes,
  describeError,
} from '@pywatt/cache-core';
import { FrameKind, PROTOCOL_VERSION } from '../protocol/constants.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { FrameSink } from '../protocol/frame-sink.js';
import {
  type Frame,
  readFrame,
  type ServerInfo,
  writeHello,
  writeRequest,
} from '../protocol/messages.js';
import type { WireValue } from '../protocol/values.js';
import type { IpcChannel } from '../transport/ipc-channel.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import { openClientTransport } from './open-transport.js';

/** Where and how a client connects. */
export interface LinkOptions {
  transport: 'ipc' | { socketPath: string } | { host: string; port: number };
  channel: IpcChannel | undefined;
  token: string;
  namespace: string | undefined;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
}

interface Call {
  readonly op: string;
  readonly code: number;
  readonly args: WireValue[];
  readonly resolve: (value: WireValue) => void;
  readonly reject: (error: CacheError) => void;
  timer: NodeJS.Timeout | undefined;
  id: number;
}

const CLIENT_MAX_FRAME_BYTES = 1024 * 1024 * 1024;
const MAX_BACKOFF_MS = 2000;
const KNOWN_CODES = new Set<string>(Object.values(Codes));

/**
 * One multiplexed connection to a cache server: requests carry ids, answers
 * may come in any order, each request has its own deadline, and an answer
 * that arrives after its deadline is dropped (ids are never reused on a
 * connection, so it cannot reach another request). When the link drops,
 * requests already sent fail with CONNECTION (they may or may not have run
 * and are never re-sent); requests not yet sent wait for the reconnection,
 * which is retried with exponential backoff while anything waits.
 */
export class ClientLink {
  readonly #o: LinkOptions;
  readonly #sink = new FrameSink();
  #state: 'idle' | 'connecting' | 'ready' | 'closed' = 'idle';
  #transport: Transport | undefined;
  #decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES);
  #info: ServerInfo | undefined;
  readonly #pending = new Map<number, Call>();
  readonly #waiting = new Set<Call>();
  #nextId = 1;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #lastProblem = 'not connected yet';
  #detachIpc: (() => void) | undefined;
  /** Answers that arrived after their request had timed out, and were dropped. */
  lateResponsesDropped = 0;
  /** Successful handshakes after the first. */
  reconnects = 0;
  #handshakes = 0;

  constructor(options: LinkOptions) {
    this.#o = options;
  }

  /** `unix:/path`, `tcp:host:port` or `ipc`, for messages. */
  get where(): string {
    const t = this.#o.transport;
    if (t === 'ipc') return 'the IPC channel';
    return 'socketPath' in t ? `unix:${t.socketPath}` : `tcp:${t.host}:${t.port}`;
  }

  /** The server's WELCOME, once connected. */
  get serverInfo(): ServerInfo | undefined {
    return this.#info;
  }

  /** Sends one request; resolves with the server's result or rejects with a CacheError. */
  call(op: string, code: number, args: WireValue[]): Promise<WireValue> {
    if (this.#state === 'closed')
      return Promise.reject(this.#error('CLOSED', 'proxy cache is closed', op));
    return new Promise((resolve, reject) => {
      const call: Call = { op, code, args, resolve, reject, timer: undefined, id: 0 };
      call.timer = setTimeout(() => this.#expire(call), this.#o.operationTimeoutMs);
      if (this.#state === 'ready' && this.#pending.size < (this.#info?.maxInFlight ?? 0))
        this.#send(call);
      else {
        this.#waiting.add(call);
        if (this.#state === 'idle' && this.#retryTimer === undefined) this.#connect();
      }
    });
  }

  /** Fails everything outstanding with CLOSED and closes the link. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    const all = [...this.#pending.values(), ...this.#waiting];
    this.#pending.clear();
    this.#waiting.clear();
    for (const call of all)
      this.#settle(
        call,
        this.#error('CLOSED', 'proxy cache was closed before the answer came', call.op),
      );
    this.#sink.flush();
    this.#transport?.end();
    this.#transport = undefined;
    this.#detachIpc?.();
  }

  #send(call: Call): void {
    do {
      this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    } while (this.#pending.has(this.#nextId));
    call.id = this.#nextId;
    const w = this.#sink.writer;
    const before = w.length;
    let size: number;
    try {
      size = writeRequest(w, call.id, call.code, call.args);
    } catch (error) {
      this.#settle(
        call,
        this.#error('INTERNAL', `cannot encode ${call.op}: ${describeError(error)}`, call.op),
      );
      return;
    }
    const limit = this.#info?.maxFrameBytes ?? CLIENT_MAX_FRAME_BYTES;
    if (size > limit) {
      w.truncate(before);
      this.#settle(
        call,
        this.#error(
          'VALUE_TOO_LARGE',
          `${call.op} request of ${size} bytes exceeds the server's maxFrameBytes (${limit}); store smaller values`,
          call.op,
        ),
      );
      return;
    }
    this.#pending.set(call.id, call);
    this.#sink.flushSoon();
  }

  #pump(): void {
    const max = this.#info?.maxInFlight ?? 0;
    for (const call of this.#waiting) {
      if (this.#state !== 'ready' || this.#pending.size >= max) return;
      this.#waiting.delete(call);
      this.#send(call);
    }
  }

  #expire(call: Call): void {
    call.timer = undefined;
    if (this.#waiting.delete(call)) {
      const connected = this.#state === 'ready';
      this.#settle(
        call,
        connected
          ? this.#error(
              'TIMEOUT',
              `${call.op} waited ${this.#o.operationTimeoutMs} ms for a free request slot (server maxInFlight)`,
              call.op,
            )
          : this.#error(
              'CONNECTION',
              `cache server at ${this.where} is unreachable (${this.#lastProblem}); is pywatt-cache-server running?`,
              call.op,
            ),
      );
      return;
    }
    if (this.#pending.get(call.id) === call) {
      this.#pending.delete(call.id);
      this.#settle(
        call,
        this.#error(
          'TIMEOUT',
          `${call.op} got no answer within operationTimeoutMs (${this.#o.operationTimeoutMs} ms); it may still run on the server`,
          call.op,
        ),
      );
      this.#pump();
    }
  }

  #settle(call: Call, outcome: CacheError | { value: WireValue }): void {
    if (call.timer !== undefined) clearTimeout(call.timer);
    call.timer = undefined;
    if (outcome instanceof CacheError) call.reject(outcome);
    else call.resolve(outcome.value);
  }

  #error(code: CacheErrorCode, message: string, operation: string): CacheError {
    return new CacheError(code, message, { operation, backend: 'proxy' });
  }

  #connect(): void {
    this.#state = 'connecting';
    this.#decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES);
    let current: Transport | undefined;
    const handlers: TransportHandlers = {
      onData: (chunk) => {
        if (current !== this.#transport) return;
        try {
          this.#decoder.push(chunk, (payload) => this.#onFrame(readFrame(payload)));
        } catch (error) {
          this.#lost(`the server sent a malformed frame (${describeError(error)})`);
        }
      },
      onClose: (error) => {
        if (current !== this.#transport) return;
        this.#lost(error === undefined ? 'the server closed the connection' : describeError(error));
      },
    };
    try {
      current = this.#open(handlers);
    } catch (error) {
      this.#state = 'idle';
      this.#failWaiting(
        CacheError.is(error) ? error.code : 'CONNECTION',
        describeError(error),
        false,
      );
      return;
    }
    this.#transport = current;
    this.#sink.transport = current;
    writeHello(this.#sink.writer, PROTOCOL_VERSION, this.#o.token, this.#o.namespace);
    this.#sink.flushSoon();
    this.#connectTimer = setTimeout(() => {
      this.#transport?.destroy();
      this.#lost(`no handshake within connectTimeoutMs (${this.#o.connectTimeoutMs} ms)`);
    }, this.#o.connectTimeoutMs);
    this.#connectTimer.unref();
  }

  #open(handlers: TransportHandlers): Transport {
    this.#detachIpc?.();
    const opened = openClientTransport(this.#o.transport, this.#o.channel, this.where, handlers);
    const detach = opened.detach;
    this.#detachIpc =
      detach === undefined
        ? undefined
        : () => {
            detach();
            this.#detachIpc = undefined;
          };
    return opened.transport;
  }

  #onFrame(frame: Frame): void {
    if (this.#state === 'connecting') {
      if (frame.kind === FrameKind.WELCOME && frame.version === PROTOCOL_VERSION) {
        clearTimeout(this.#connectTimer);
        this.#info = frame.info;
        this.#state = 'ready';
        this.#attempt = 0;
        if (this.#handshakes++ > 0) this.reconnects++;
        this.#pump();
        return;
      }
      if (frame.kind === FrameKind.FATAL) {
        const code = KNOWN_CODES.has(frame.code) ? (frame.code as CacheErrorCode) : 'PROTOCOL';
        this.#teardown();
        this.#failWaiting(code, frame.message, false);
        return;
      }
      this.#lost(`unexpected frame kind ${frame.kind} during the handshake`);
      return;
    }
    if (frame.kind === FrameKind.RESULT || frame.kind === FrameKind.ERROR) {
      const call = this.#pending.get(frame.id);
      if (call === undefined) {
        this.lateResponsesDropped++;
        return;
      }
      this.#pending.delete(frame.id);
      if (frame.kind === FrameKind.RESULT) this.#settle(call, { value: frame.result });
      else {
        const code = KNOWN_CODES.has(frame.code) ? (frame.code as CacheErrorCode) : 'INTERNAL';
        this.#settle(call, this.#error(code, frame.message, call.op));
      }
      this.#pump();
      return;
    }
    if (frame.kind === FrameKind.FATAL) {
      this.#lost(`the server closed the connection: ${frame.code}: ${frame.message}`);
      return;
    }
    this.#lost(`unexpected frame kind ${frame.kind}`);
  }

  #teardown(): void {
    clearTimeout(this.#connectTimer);
    const transport = this.#transport;
    this.#transport = undefined;
    this.#sink.transport = undefined;
    this.#sink.discard();
    transport?.destroy();
    this.#detachIpc?.();
    if (this.#state !== 'closed') this.#state = 'idle';
  }

  #lost(problem: string): void {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    this.#lastProblem = problem;
    this.#teardown();
    const sent = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of sent) {
      this.#settle(
        call,
        this.#error(
          'CONNECTION',
          `the link to the cache server at ${this.where} dropped (${problem}); ${call.op} may or may not have run and was not re-sent`,
          call.op,
        ),
      );
    }
    this.#scheduleRetry();
  }

  #failWaiting(code: CacheErrorCode, message: string, retry: boolean): void {
    this.#lastProblem = message;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const call of waiting) this.#settle(call, this.#error(code, message, call.op));
    if (retry) this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#waiting.size === 0 || this.#state === 'closed' || this.#retryTimer !== undefined)
      return;
    const delay = Math.min(MAX_BACKOFF_MS, 25 * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt = Math.min(this.#attempt + 1, 10);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#state === 'idle' && this.#waiting.size > 0) this.#connect();
    }, delay);
    this.#retryTimer.unref();
  }
}
