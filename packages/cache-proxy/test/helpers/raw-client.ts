import { createConnection } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { type Frame, readFrame } from '../../src/protocol/messages.js';

/** What a raw connection saw: the frames the server sent and whether it closed the connection. */
export interface Exchange {
  frames: Frame[];
  closedByServer: boolean;
}

/**
 * Connects to a Unix socket, writes `bytes` (in the given chunks), and
 * collects what comes back until the server closes or `waitMs` passes.
 */
export function rawExchange(
  socketPath: string,
  chunks: Buffer[],
  waitMs = 3000,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    const decoder = new FrameDecoder(1 << 24);
    const frames: Frame[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ frames, closedByServer: false });
    }, waitMs);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (chunk) => decoder.push(chunk, (p) => frames.push(readFrame(p))));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ frames, closedByServer: true });
    });
  });
}

/** A u32 big-endian length prefix. */
export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
