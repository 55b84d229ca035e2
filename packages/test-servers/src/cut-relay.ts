import { connect, createServer, type Socket } from 'node:net';

/** A TCP relay in front of a real server (Redis, a cache server), whose links the test can cut and restore. */
export interface CutRelay {
  readonly port: number;
  /** `redis://127.0.0.1:<relay port>`, for a relay in front of Redis. */
  readonly url: string;
  /** Drops every relayed connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A network fault a real server cannot produce on demand: one client's
 * connections (a process's bus, a proxy client) go away while the server and
 * every other client keep running.
 */
export async function startCutRelay(targetPort: number): Promise<CutRelay> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (refusing) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
