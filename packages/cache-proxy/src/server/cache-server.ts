import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, isIP, type Server, type Socket } from 'node:net';
import { CacheError, describeError } from '@pywatt/cache-core';
import {
  channelPid,
  type IpcChannel,
  type IpcEnvelope,
  ipcTransport,
  unwrapIpc,
} from '../transport/ipc-channel.js';
import { socketTransport } from '../transport/socket-transport.js';
import { TokenTable } from './auth.js';
import { type ConnectionContext, ServerConnection } from './connection.js';
import { HostedCache } from './hosted-cache.js';
import { InvalidationHub } from './invalidation-hub.js';
import {
  type CacheServerOptions,
  type ListenTarget,
  validateServerOptions,
} from './server-options.js';

export type { CacheServerOptions, ListenTarget };

/** Where a started server listens. */
export type ServerAddress =
  | { socketPath: string }
  | { host: string; port: number }
  | { ipc: number | undefined };

/** A running cache server. */
export interface CacheServer extends AsyncDisposable {
  /** The addresses actually bound (with the real port when 0 was asked). */
  readonly addresses: readonly ServerAddress[];
  /** Connections open now. */
  readonly connectionCount: number;
  /** Serves one more IPC channel (a child forked after the server started). */
  attach(channel: IpcChannel): void;
  /** Stops accepting, lets running requests answer (up to drainTimeoutMs), then closes every connection. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Starts serving `cache`. Resolves once every listener is bound; rejects
 * with CONFIGURATION for bad options (a non-loopback host, a socket path in
 * use, an unknown option) naming what to change.
 */
export async function startCacheServer(options: CacheServerOptions): Promise<CacheServer> {
  const settings = validateServerOptions(options);
  const tokens = new TokenTable(options.auth);
  const hosted = new HostedCache(options.cache);
  const connections = new Set<ServerConnection>();
  let nextId = 1;
  let closing: Promise<void> | undefined;
  const { log, metrics } = options;
  const ctx: ConnectionContext = {
    hosted,
    tokens,
    hub: new InvalidationHub(),
    ...settings,
    log:
      metrics === undefined
        ? (log ?? (() => {}))
        : (event) => {
            metrics.connection(event);
            log?.(event);
          },
    onRequest: metrics === undefined ? undefined : (record) => metrics.record(record),
  };
  const onClosed = (c: ServerConnection) => connections.delete(c);

  const accept = (): ServerConnection | undefined => {
    if (closing !== undefined || connections.size >= settings.maxConnections) return undefined;
    const connection = new ServerConnection(nextId++, ctx, onClosed);
    connections.add(connection);
    return connection;
  };

  const servers: Server[] = [];
  const channels = new Map<IpcChannel, () => void>();
  const addresses: ServerAddress[] = [];

  const onSocket = (describe: (s: Socket) => string) => (socket: Socket) => {
    const connection = accept();
    if (connection === undefined) return void socket.destroy();
    socket.setNoDelay(true);
    connection.attach(
      socketTransport(socket, describe(socket), {
        onData: (chunk) => connection.onData(chunk),
        onClose: (error) => connection.onClose(error),
        onDrain: () => connection.onDrain(),
      }),
    );
  };

  const attach = (channel: IpcChannel): void => {
    if (channels.has(channel)) return;
    const routes = new Map<number, ReturnType<typeof ipcTransport>>();
    const onMessage = (message: unknown) => {
      const envelope: IpcEnvelope | undefined = unwrapIpc(message);
      if (envelope === undefined) return;
      let route = routes.get(envelope.c);
      if (route === undefined) {
        if (envelope.end === true) return;
        const connection = accept();
        if (connection === undefined) return;
        route = ipcTransport(channel, envelope.c, {
          onData: (chunk) => connection.onData(chunk),
          onClose: (error) => {
            routes.delete(envelope.c);
            connection.onClose(error);
          },
        });
        routes.set(envelope.c, route);
        connection.attach(route);
      }
      route.deliver(envelope);
    };
    const onDisconnect = () => {
      for (const route of [...routes.values()])
        route.closeFromPeer(new Error('IPC channel disconnected'));
      detach();
    };
    const detach = () => {
      channel.off('message', onMessage);
      channel.off('disconnect', onDisconnect);
      channels.delete(channel);
    };
    channel.on('message', onMessage);
    channel.on('disconnect', onDisconnect);
    channels.set(channel, detach);
    addresses.push({ ipc: channelPid(channel) });
  };

  try {
    for (const target of settings.targets) {
      if ('ipc' in target) attach(target.ipc);
      else if ('socketPath' in target) {
        await removeStaleSocket(target.socketPath);
        const server = createServer(onSocket(() => `unix:${target.socketPath}`));
        servers.push(server);
        await listen(server, () => {
          // umask makes the socket 0600 from birth, leaving no window where others could connect.
          const previous = safeUmask(0o177);
          try {
            server.listen(target.socketPath);
          } finally {
            if (previous !== undefined) safeUmask(previous);
          }
        });
        chmodSync(target.socketPath, 0o600);
        addresses.push({ socketPath: target.socketPath });
      } else {
        if (
          !LOOPBACK.has(target.host) &&
          !(isIP(target.host) === 4 && target.host.startsWith('127.'))
        ) {
          throw new CacheError(
            'CONFIGURATION',
            `cache server: host '${target.host}' is not a loopback address; serve 127.0.0.1 or ::1, or use a Unix socket`,
            { operation: 'startCacheServer', backend: 'proxy' },
          );
        }
        const server = createServer(onSocket((s) => `tcp:${s.remoteAddress}:${s.remotePort}`));
        servers.push(server);
        await listen(server, () => server.listen(target.port, target.host));
        const bound = server.address();
        addresses.push({
          host: target.host,
          port: typeof bound === 'object' && bound !== null ? bound.port : target.port,
        });
      }
    }
  } catch (error) {
    for (const server of servers) server.close();
    for (const detach of channels.values()) detach();
    throw error;
  }

  const close = (): Promise<void> => {
    closing ??= (async () => {
      // net.Server.close() stops accepting at once but calls back only when every connection is gone.
      const stopped = Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
      const drains = Promise.all([...connections].map((c) => c.drain()));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, settings.drainTimeoutMs);
      });
      await Promise.race([drains, deadline]);
      clearTimeout(timer);
      for (const c of [...connections]) c.destroy('drain timeout');
      for (const detach of [...channels.values()]) detach();
      await stopped;
    })();
    return closing;
  };

  return {
    addresses,
    get connectionCount() {
      return connections.size;
    },
    attach: (channel) => {
      if (closing !== undefined)
        throw new CacheError(
          'CLOSED',
          'cache server is closed; attach() cannot run after close()',
          { operation: 'attach', backend: 'proxy' },
        );
      attach(channel);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new CacheError(
          'CONFIGURATION',
          `cache server cannot listen: ${error.code === 'EADDRINUSE' ? 'the address is already in use; stop the other server or pick another address' : describeError(error)}`,
          { operation: 'startCacheServer', backend: 'proxy', cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
    start();
  });
}

function safeUmask(mask: number): number | undefined {
  try {
    return process.umask(mask);
  } catch {
    return undefined; // worker threads cannot change the umask; chmod below still applies
  }
}

// A socket file left by a crashed server refuses connections: replace it. A live one is an error,
// and so is anything that is not a socket: a mistyped path must never cost the user a file.
async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CacheError(
      'CONFIGURATION',
      `cache server: cannot inspect socketPath ${path}: ${describeError(error)}`,
      { operation: 'startCacheServer', backend: 'proxy', cause: error },
    );
  }
  if (!isSocket) {
    throw new CacheError(
      'CONFIGURATION',
      `cache server: socketPath ${path} exists and is not a socket; it is left untouched: remove it or choose another socketPath`,
      { operation: 'startCacheServer', backend: 'proxy' },
    );
  }
  const alive = await new Promise<boolean | undefined>((resolve) => {
    const probe = createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? undefined : false),
    );
  });
  if (alive === true) {
    throw new CacheError(
      'CONFIGURATION',
      `cache server: another server is listening on ${path}; stop it or choose another socketPath`,
      { operation: 'startCacheServer', backend: 'proxy' },
    );
  }
  if (alive === false) {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  }
}
