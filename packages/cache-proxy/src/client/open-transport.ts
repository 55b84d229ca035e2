import { randomInt } from 'node:crypto';
import { createConnection } from 'node:net';
import { CacheError } from '@pywatt/cache-core';
import { channelOpen, type IpcChannel, ipcTransport, unwrapIpc } from '../transport/ipc-channel.js';
import { socketTransport } from '../transport/socket-transport.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';

/** Where a client connects. */
export type ClientTransport = 'ipc' | { socketPath: string } | { host: string; port: number };

/** An open transport, and for IPC how to stop listening on the shared channel. */
export interface OpenedTransport {
  transport: Transport;
  detach: (() => void) | undefined;
}

/**
 * Starts one connection attempt. Socket errors arrive later through
 * `handlers.onClose`; a missing IPC channel throws CONNECTION at once.
 */
export function openClientTransport(
  target: ClientTransport,
  channel: IpcChannel | undefined,
  where: string,
  handlers: TransportHandlers,
): OpenedTransport {
  if (target !== 'ipc') {
    const socket =
      'socketPath' in target
        ? createConnection({ path: target.socketPath })
        : createConnection({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    return { transport: socketTransport(socket, where, handlers), detach: undefined };
  }
  const ipc: IpcChannel = channel ?? process;
  if (!channelOpen(ipc)) {
    throw new CacheError(
      'CONNECTION',
      'this process has no open IPC channel; the server must fork it (child_process.fork) or pass its ChildProcess as channel',
      { backend: 'proxy' },
    );
  }
  // A fresh logical connection number per attempt: late messages of an old attempt are ignored.
  const id = randomInt(1, 2 ** 47);
  const route = ipcTransport(ipc, id, handlers);
  const onMessage = (message: unknown) => {
    const envelope = unwrapIpc(message);
    if (envelope !== undefined && envelope.c === id) route.deliver(envelope);
  };
  const onDisconnect = () => route.closeFromPeer(new Error('IPC channel disconnected'));
  ipc.on('message', onMessage);
  ipc.on('disconnect', onDisconnect);
  return {
    transport: route,
    // Removing the listeners also unrefs the channel, so an idle child can exit.
    detach: () => {
      ipc.off('message', onMessage);
      ipc.off('disconnect', onDisconnect);
    },
  };
}
