import { createServer, type Server, type Socket } from 'node:net';
import { FrameKind, Op, PROTOCOL_VERSION } from '../../src/protocol/constants.js';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import {
  readFrame,
  writeError,
  writeFatal,
  writeResult,
  writeWelcome,
} from '../../src/protocol/messages.js';
import { type PushedInvalidation, writePush } from '../../src/protocol/push-frame.js';
import { Writer } from '../../src/protocol/writer.js';

/**
 * Servers a real one cannot be made to act like on demand: `'v1'` answers as
 * servers from before PUSH did (the four-element HELLO is a malformed frame,
 * WELCOME has no origin); `'pushing'` grants push and sends whatever PUSH
 * frames the test asks for, sequence gaps included. Both keep values in a Map.
 */
export interface FakeServer {
  readonly port: number;
  /** get requests served so far. */
  readonly gets: number;
  /** Sends a PUSH frame with this exact sequence number to every subscribed connection. */
  push(seq: number, invalidation: PushedInvalidation): void;
  close(): Promise<void>;
}

export async function startFakeServer(mode: 'v1' | 'pushing'): Promise<FakeServer> {
  const values = new Map<string, Uint8Array>();
  const subscribed = new Set<Socket>();
  const sockets = new Set<Socket>();
  let gets = 0;
  const serve = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      subscribed.delete(socket);
    });
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(1 << 20);
    let ready = false;
    socket.on('data', (chunk) =>
      decoder.push(chunk, (payload) => {
        const frame = readFrame(payload);
        const w = new Writer();
        if (!ready && frame.kind === FrameKind.HELLO) {
          if (mode === 'v1' && frame.options.push === true) {
            writeFatal(
              w,
              'PROTOCOL',
              'malformed frame: HELLO frame must carry [version, token, namespace]',
            );
            socket.end(w.take());
            return;
          }
          ready = true;
          writeWelcome(w, PROTOCOL_VERSION, {
            backend: 'fake',
            maxFrameBytes: 1 << 20,
            maxInFlight: 16,
            ...(mode === 'pushing' ? { origin: 'fake.1', push: frame.options.push } : {}),
          });
        } else if (frame.kind === FrameKind.REQUEST) {
          const key = frame.args[0] as string;
          if (frame.op === Op.get) {
            gets++;
            writeResult(w, frame.id, values.get(key));
          } else if (frame.op === Op.set) {
            values.set(key, frame.args[1] as Uint8Array);
            writeResult(w, frame.id, undefined);
          } else if (frame.op === Op.ping) writeResult(w, frame.id, undefined);
          else if (frame.op === Op.subscribe && mode === 'pushing') {
            subscribed.add(socket);
            writeResult(w, frame.id, 0);
          } else writeError(w, frame.id, 'INVALID_ARGUMENT', `unknown operation code ${frame.op}`);
        }
        socket.write(w.take());
      }),
    );
  };
  const server: Server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get gets() {
      return gets;
    },
    push(seq, invalidation) {
      const w = new Writer();
      writePush(w, seq, 'fake.2', invalidation);
      const bytes = w.take();
      for (const socket of subscribed) socket.write(bytes);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
