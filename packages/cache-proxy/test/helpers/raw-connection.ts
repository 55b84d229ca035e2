import { createConnection, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/protocol/frame-decoder.js';
import { type Frame, readFrame } from '../../src/protocol/messages.js';
import { Writer } from '../../src/protocol/writer.js';

/** A long-lived raw connection: the test writes frames and reads every frame the server sends. */
export interface RawConnection {
  readonly frames: Frame[];
  readonly closed: boolean;
  send(build: (w: Writer) => void): void;
  /** Writes bytes as they are (for malformed input). */
  sendRaw(bytes: Buffer): void;
  /** Resolves with the first frame (from `from` on) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (frame: Frame) => boolean, from?: number, timeoutMs?: number): Promise<Frame>;
  /** Resolves once the server closed the connection. */
  whenClosed(): Promise<void>;
  close(): void;
}

/** Connects to `target` (a Unix socket path or a TCP port on 127.0.0.1). */
export function rawConnect(target: string | number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      typeof target === 'string'
        ? createConnection({ path: target })
        : createConnection({ host: '127.0.0.1', port: target });
    const decoder = new FrameDecoder(1 << 24);
    const frames: Frame[] = [];
    const listeners = new Set<() => void>();
    let closed = false;
    const notify = () => {
      for (const listener of [...listeners]) listener();
    };
    socket.on('data', (chunk) => {
      decoder.push(chunk, (p) => frames.push(readFrame(p)));
      notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      notify();
    });
    const wait = <T>(test: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
      new Promise((done, fail) => {
        const check = () => {
          const found = test();
          if (found === undefined) return;
          listeners.delete(check);
          clearTimeout(timer);
          done(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          fail(
            new Error(
              `no ${what} within ${timeoutMs} ms; frames: ${JSON.stringify(frames.map((f) => f.kind))}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    socket.once('connect', () =>
      resolve({
        frames,
        get closed() {
          return closed;
        },
        send(build) {
          const w = new Writer();
          build(w);
          socket.write(w.take());
        },
        next: (match, from = 0, timeoutMs = 10_000) =>
          wait(() => frames.slice(from).find(match), 'matching frame', timeoutMs),
        whenClosed: () => wait(() => (closed ? true : undefined), 'close', 10_000).then(() => {}),
        sendRaw: (bytes) => socket.write(bytes),
        close: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}
