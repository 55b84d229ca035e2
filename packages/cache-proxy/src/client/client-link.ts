import { CacheError, type CacheErrorCode, describeError } from '@pywatt/cache-core';
import { FrameKind, PROTOCOL_VERSION } from '../protocol/constants.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import { FrameSink } from '../protocol/frame-sink.js';
import { type Frame, readFrame, type ServerInfo, writeHello } from '../protocol/messages.js';
import type { PushFrame } from '../protocol/push-frame.js';
import type { WireValue } from '../protocol/values.js';
import type { IpcChannel } from '../transport/ipc-channel.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import { CallTable } from './call-table.js';
import { knownCode, type LinkCall, linkError, settleCall } from './link-call.js';
import { openClientTransport } from './open-transport.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { CLIENT_MAX_FRAME_BYTES, frameRequest } from './request-framing.js';

/** Where and how a client connects. */
export interface LinkOptions {
  transport: 'ipc' | { socketPath: string } | { host: string; port: number };
  channel: IpcChannel | undefined;
  token: string;
  namespace: string | undefined;
  operationTimeoutMs: number;
  connectTimeoutMs: number;
  /** Asks the server for PUSH frames in HELLO and hands them here (the proxy bus's link). */
  push?: PushHandler | undefined;
}

/** Where a link that asked for pushes reports them. */
export interface PushHandler {
  /** A PUSH frame, in the order the server sent it. */
  onPush(frame: PushFrame): void;
  /** The connection that was ready is gone: pushes may have been missed. */
  onLost(): void;
}

/**
 * One multiplexed connection to a cache server: requests carry ids, answers
 * may come in any order, each request has its own deadline, and an answer
 * that arrives after its deadline is dropped (ids are never reused on a
 * connection, so it cannot reach another request). When the link drops,
 * requests already sent fail with CONNECTION (they may or may not have run
 * and are never re-sent); requests not yet sent wait for the reconnection,
 * which is retried with exponential backoff while anything waits.
 *
 * The request table lives in {@link CallTable}, request encoding in
 * {@link frameRequest} and the retry timing in {@link ReconnectBackoff}; this
 * class runs the connection's life cycle and ties them together.
 */
export class ClientLink {
  readonly #o: LinkOptions;
  readonly #sink = new FrameSink();
  readonly #calls = new CallTable();
  readonly #backoff = new ReconnectBackoff();
  #state: 'idle' | 'connecting' | 'ready' | 'closed' = 'idle';
  #transport: Transport | undefined;
  #decoder = new FrameDecoder(CLIENT_MAX_FRAME_BYTES);
  #info: ServerInfo | undefined;
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

  /** True while a connection is up and past its handshake. */
  get ready(): boolean {
    return this.#state === 'ready';
  }

  /** The origin id the server gave the current connection (undefined while down, or from old servers). */
  get origin(): string | undefined {
    return this.#state === 'ready' ? this.#info?.origin : undefined;
  }

  /** Sends one request; resolves with the server's result or rejects with a CacheError. */
  call(op: string, code: number, args: WireValue[]): Promise<WireValue> {
    if (this.#state === 'closed')
      return Promise.reject(linkError('CLOSED', 'proxy cache is closed', op));
    return new Promise((resolve, reject) => {
      const call: LinkCall = { op, code, args, resolve, reject, timer: undefined, id: 0 };
      call.timer = setTimeout(() => this.#expire(call), this.#o.operationTimeoutMs);
      if (this.#state === 'ready' && this.#calls.inFlight < (this.#info?.maxInFlight ?? 0))
        this.#send(call);
      else {
        this.#calls.wait(call);
        if (this.#state === 'idle' && !this.#backoff.scheduled) this.#connect();
      }
    });
  }

  /** Fails everything outstanding with CLOSED and closes the link. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#backoff.cancel();
    clearTimeout(this.#connectTimer);
    for (const call of this.#calls.drainAll())
      settleCall(
        call,
        linkError('CLOSED', 'proxy cache was closed before the answer came', call.op),
      );
    this.#sink.flush();
    this.#transport?.end();
    this.#transport = undefined;
    this.#detachIpc?.();
  }

  #send(call: LinkCall): void {
    this.#calls.assignId(call);
    const limit = this.#info?.maxFrameBytes ?? CLIENT_MAX_FRAME_BYTES;
    const problem = frameRequest(this.#sink.writer, call, limit);
    if (problem !== undefined) {
      settleCall(call, problem);
      return;
    }
    this.#calls.track(call);
    this.#sink.flushSoon();
  }

  #pump(): void {
    const max = this.#info?.maxInFlight ?? 0;
    this.#calls.release(
      () => this.#state === 'ready' && this.#calls.inFlight < max,
      (call) => this.#send(call),
    );
  }

  #expire(call: LinkCall): void {
    call.timer = undefined;
    if (this.#calls.unwait(call)) {
      const connected = this.#state === 'ready';
      settleCall(
        call,
        connected
          ? linkError(
              'TIMEOUT',
              `${call.op} waited ${this.#o.operationTimeoutMs} ms for a free request slot (server maxInFlight)`,
              call.op,
            )
          : linkError(
              'CONNECTION',
              `cache server at ${this.where} is unreachable (${this.#lastProblem}); is pywatt-cache-server running?`,
              call.op,
            ),
      );
      return;
    }
    if (this.#calls.forgetSent(call)) {
      settleCall(
        call,
        linkError(
          'TIMEOUT',
          `${call.op} got no answer within operationTimeoutMs (${this.#o.operationTimeoutMs} ms); it may still run on the server`,
          call.op,
        ),
      );
      this.#pump();
    }
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
    writeHello(
      this.#sink.writer,
      PROTOCOL_VERSION,
      this.#o.token,
      this.#o.namespace,
      this.#o.push === undefined ? undefined : { push: true },
    );
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
      if (this.#o.push !== undefined && !this.#pushGranted(frame)) return;
      if (frame.kind === FrameKind.WELCOME && frame.version === PROTOCOL_VERSION) {
        clearTimeout(this.#connectTimer);
        this.#info = frame.info;
        this.#state = 'ready';
        this.#backoff.reset();
        if (this.#handshakes++ > 0) this.reconnects++;
        this.#pump();
        return;
      }
      if (frame.kind === FrameKind.FATAL) {
        const code = knownCode(frame.code, 'PROTOCOL');
        this.#teardown();
        this.#failWaiting(code, frame.message, false);
        return;
      }
      this.#lost(`unexpected frame kind ${frame.kind} during the handshake`);
      return;
    }
    if (frame.kind === FrameKind.RESULT || frame.kind === FrameKind.ERROR) {
      const call = this.#calls.takeSent(frame.id);
      if (call === undefined) {
        this.lateResponsesDropped++;
        return;
      }
      if (frame.kind === FrameKind.RESULT) settleCall(call, { value: frame.result });
      else settleCall(call, linkError(knownCode(frame.code, 'INTERNAL'), frame.message, call.op));
      this.#pump();
      return;
    }
    if (frame.kind === FrameKind.PUSH && this.#o.push !== undefined) {
      this.#o.push.onPush(frame);
      return;
    }
    if (frame.kind === FrameKind.FATAL) {
      this.#lost(`the server closed the connection: ${frame.code}: ${frame.message}`);
      return;
    }
    this.#lost(`unexpected frame kind ${frame.kind}`);
  }

  // A server from before PUSH refuses the longer HELLO with PROTOCOL (or, if it took it, grants nothing):
  // the waiting requests fail with an error that says so, and nothing is retried.
  #pushGranted(frame: Frame): boolean {
    const refused =
      (frame.kind === FrameKind.FATAL && frame.code === 'PROTOCOL') ||
      (frame.kind === FrameKind.WELCOME && frame.info.push !== true);
    if (!refused) return true;
    this.#teardown();
    this.#failWaiting(
      'PROTOCOL',
      `the cache server at ${this.where} does not support pushed invalidations (PROTOCOL.md, PUSH); upgrade pywatt-cache-server, or use another bus${frame.kind === FrameKind.FATAL ? ` (the server said: ${frame.message})` : ''}`,
      false,
    );
    return false;
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
    const wasReady = this.#state === 'ready';
    this.#lastProblem = problem;
    this.#teardown();
    if (wasReady) this.#o.push?.onLost();
    for (const call of this.#calls.drainSent()) {
      settleCall(
        call,
        linkError(
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
    for (const call of this.#calls.drainWaiting())
      settleCall(call, linkError(code, message, call.op));
    if (retry) this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#calls.waitingCount === 0 || this.#state === 'closed') return;
    this.#backoff.schedule(() => {
      if (this.#state === 'idle' && this.#calls.waitingCount > 0) this.#connect();
    });
  }
}
