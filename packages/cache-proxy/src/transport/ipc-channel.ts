import type { ChildProcess } from 'node:child_process';
import type { Transport, TransportHandlers } from './transport.js';

/**
 * A Node IPC channel: `process` in a forked child (towards its parent), or the
 * `ChildProcess` a parent got from `fork()`. Fork with `serialization:
 * 'advanced'` so frames travel as bytes.
 */
export type IpcChannel = ChildProcess | NodeJS.Process;

/** The part of an {@link IpcChannel} this package uses. */
interface Channel {
  send?: ((message: unknown, callback?: (error: Error | null) => void) => boolean) | undefined;
  readonly connected?: boolean | undefined;
  readonly pid?: number | undefined;
}

const asChannel = (channel: IpcChannel): Channel => channel as unknown as Channel;

/** The pid of the process at the other end, for logs. */
export const channelPid = (channel: IpcChannel): number | undefined => asChannel(channel).pid;

/** True when the channel can send. */
export const channelOpen = (channel: IpcChannel): boolean => {
  const c = asChannel(channel);
  return typeof c.send === 'function' && c.connected !== false;
};

/** The property that marks this package's messages among an application's own. */
export const IPC_TAG = 'pywattCache';

/** One message: bytes `d` of logical connection `c`, or `end` when that connection closes. */
export interface IpcEnvelope {
  c: number;
  d?: Uint8Array;
  end?: true;
  /** Why the sender closed, with `end`. */
  reason?: string;
}

/** Returns the envelope when `message` is one of ours, else undefined. */
export function unwrapIpc(message: unknown): IpcEnvelope | undefined {
  if (typeof message !== 'object' || message === null || !(IPC_TAG in message)) return undefined;
  const envelope = (message as Record<string, unknown>)[IPC_TAG];
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const c = (envelope as Record<string, unknown>).c;
  return typeof c === 'number' ? (envelope as IpcEnvelope) : undefined;
}

/** Bytes from an envelope, or undefined when they arrived mangled (a channel in JSON mode). */
export function envelopeBytes(envelope: IpcEnvelope): Buffer | undefined {
  const d = envelope.d;
  if (d instanceof Uint8Array) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return undefined;
}

/** Sends an envelope, ignoring a channel that has just closed (its 'disconnect' reports that). */
export function sendIpc(channel: IpcChannel, envelope: IpcEnvelope): void {
  const c = asChannel(channel);
  if (c.connected === false || c.send === undefined) return;
  try {
    c.send({ [IPC_TAG]: envelope }, () => {});
  } catch {
    // the channel closed between the check and the send
  }
}

/**
 * One logical connection `id` over an IPC channel. The owner routes the
 * channel's messages for `id` to the returned `deliver`.
 */
export function ipcTransport(
  channel: IpcChannel,
  id: number,
  handlers: TransportHandlers,
): Transport & { deliver(envelope: IpcEnvelope): void; closeFromPeer(error?: Error): void } {
  let closed = false;
  const finish = (error?: Error) => {
    if (closed) return;
    closed = true;
    handlers.onClose(error);
  };
  return {
    description: `ipc:${channelPid(channel) ?? process.pid}#${id}`,
    write(chunk) {
      if (!closed) sendIpc(channel, { c: id, d: chunk });
    },
    end() {
      if (closed) return;
      sendIpc(channel, { c: id, end: true });
      finish();
    },
    destroy() {
      this.end();
    },
    congested: false,
    pause() {},
    resume() {},
    deliver(envelope) {
      if (closed) return;
      if (envelope.end === true) {
        finish(typeof envelope.reason === 'string' ? new Error(envelope.reason) : undefined);
        return;
      }
      const bytes = envelopeBytes(envelope);
      if (bytes === undefined) {
        const reason =
          "IPC messages arrive without their bytes: the channel uses JSON; fork the child with { serialization: 'advanced' }";
        sendIpc(channel, { c: id, end: true, reason });
        finish(new Error(reason));
        return;
      }
      handlers.onData(bytes);
    },
    closeFromPeer(error) {
      finish(error);
    },
  };
}
