import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  freePort,
  makeTempDir,
  probe,
  requireBinary,
  type ServerHandle,
  startManagedServer,
} from './process.js';

/** Options of {@link startMemcached}. */
export interface MemcachedOptions {
  /** The server's item size limit in bytes (`-I`); memcached's default is 1 MiB. */
  maxItemBytes?: number;
  /** Start with `-S` and one SASL PLAIN user in a private sasldb. */
  sasl?: { username: string; password: string };
  /** More command-line arguments, appended as given. */
  args?: string[];
  /** A loopback address to listen on instead of 127.0.0.1 (e.g. 127.0.0.2). */
  host?: string;
  /** A fixed port (which the caller checked is free) instead of a free one. */
  port?: number;
}

/** True once something accepts a TCP connection on the port (a SASL server answers no ASCII). */
function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Debian's memcached runs as root only with `-u root`; -U 0 turns UDP off.
function writeSaslConfig(dir: string, username: string, password: string): void {
  const saslpasswd2 = requireBinary('saslpasswd2', 'sasl2-bin');
  const dbPath = join(dir, 'sasldb');
  execFileSync(saslpasswd2, ['-p', '-a', 'memcached', '-c', '-f', dbPath, username], {
    input: password,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  writeFileSync(join(dir, 'memcached.conf'), `mech_list: plain\nsasldb_path: ${dbPath}\n`);
}

/**
 * Starts a real memcached on a free 127.0.0.1 port and resolves once it
 * answers (`version` for a plain server, a TCP accept for a SASL one, which
 * speaks only the binary protocol). Throws, naming the Debian package, when
 * memcached (or saslpasswd2 for `sasl`) is not installed. The temporary
 * directory (pid file, sasldb) is removed by `stop()`.
 */
export async function startMemcached(options: MemcachedOptions = {}): Promise<ServerHandle> {
  const memcached = requireBinary('memcached', 'memcached');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const dir = makeTempDir('memcached');
  const args = ['-l', host, '-p', String(port), '-U', '0', '-u', 'root'];
  args.push('-P', join(dir.path, 'memcached.pid'));
  if (options.maxItemBytes !== undefined) {
    // -I takes k/m suffixes or bytes; memcached wants at least 1 KiB.
    args.push('-I', String(Math.max(1024, Math.ceil(options.maxItemBytes))));
  }
  let binary = memcached;
  if (options.sasl !== undefined) {
    writeSaslConfig(dir.path, options.sasl.username, options.sasl.password);
    args.push('-S');
    // startManagedServer passes no environment of its own: `env` sets SASL_CONF_PATH and then
    // execs memcached, so the handle's pid and signals still reach memcached itself.
    args.unshift(`SASL_CONF_PATH=${dir.path}`, memcached);
    binary = requireBinary('env', 'coreutils');
  }
  args.push(...(options.args ?? []));
  const sasl = options.sasl !== undefined;
  let handle: ServerHandle;
  try {
    handle = await startManagedServer({
      name: 'memcached',
      binary,
      args,
      port,
      host,
      isReady: async () =>
        sasl
          ? accepts(port, host)
          : (await probe(port, 'version\r\n', 500, host))?.startsWith('VERSION') === true,
    });
  } catch (error) {
    dir.remove();
    throw error;
  }
  const cleanup =
    <T>(run: () => Promise<T>) =>
    async (): Promise<T> => {
      try {
        return await run();
      } finally {
        dir.remove();
      }
    };
  return {
    host: handle.host,
    port: handle.port,
    get pid() {
      return handle.pid;
    },
    stop: cleanup(() => handle.stop()),
    // kill() is a crash the test may restart() from, so the directory stays until stop().
    kill: () => handle.kill(),
    pause: () => handle.pause(),
    resume: () => handle.resume(),
    restart: () => handle.restart(),
  };
}
