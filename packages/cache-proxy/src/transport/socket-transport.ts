import type { Socket } from 'node:net';
import type { Transport, TransportHandlers } from './transport.js';

const CONGESTED_BYTES = 4 * 1024 * 1024;

/** A Unix-socket or TCP connection as a {@link Transport}. */
export function socketTransport(
  socket: Socket,
  description: string,
  handlers: TransportHandlers,
): Transport {
  let closed = false;
  let lastError: Error | undefined;
  socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
  socket.on('error', (error) => {
    lastError = error;
  });
  socket.on('drain', () => handlers.onDrain?.());
  socket.on('close', () => {
    if (closed) return;
    closed = true;
    handlers.onClose(lastError);
  });
  return {
    description,
    write: (chunk) => {
      if (!socket.destroyed) socket.write(chunk);
    },
    end: () => {
      socket.end();
      // A peer that never closes its half must not hold the socket open.
      setTimeout(() => socket.destroy(), 1000).unref();
    },
    destroy: () => {
      socket.destroy();
    },
    get congested() {
      return socket.writableLength > CONGESTED_BYTES;
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}
