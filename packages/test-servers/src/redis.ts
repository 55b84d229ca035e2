import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  freePort,
  makeTempDir,
  probe,
  requireBinary,
  type ServerHandle,
  startManagedServer,
} from './process.js';

const run = promisify(execFile);

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Sets `requirepass`; the returned `url` then carries it. */
  password?: string;
  /** Extra redis-server arguments, e.g. `['--maxmemory', '10mb']`. */
  args?: string[];
  /** A port chosen by the caller (it must be free); default a free one. */
  port?: number;
}

/** A running redis-server: its handle, its `redis://` URL and its private data directory. */
export type RedisServer = ServerHandle & {
  /** `redis://[:password@]127.0.0.1:port`. */
  readonly url: string;
  /** The server's private `--dir`, removed by `stop()`. */
  readonly dir: string;
};

/**
 * Starts one redis-server on 127.0.0.1 and a free port, with no persistence
 * (`--save '' --appendonly no`) and a private temporary `--dir`. Resolves once
 * it answers PING. Throws, naming the Debian package, when redis-server is
 * missing. `stop()` also removes the directory.
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = requireBinary('redis-server', 'redis-server');
  const port = options.port ?? (await freePort());
  const dir = makeTempDir(`redis-${port}`);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir.path,
    '--daemonize',
    'no',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
    ...(options.args ?? []),
  ];
  let handle: ServerHandle;
  try {
    handle = await startManagedServer({
      name: 'redis-server',
      binary,
      args,
      port,
      cwd: dir.path,
      // A password-protected server answers NOAUTH: it is up all the same.
      isReady: async () => /^(\+PONG|-NOAUTH)/.test((await probe(port, 'PING\r\n')) ?? ''),
    });
  } catch (error) {
    dir.remove();
    throw error;
  }
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    host: handle.host,
    port,
    get pid() {
      return handle.pid;
    },
    url: `redis://${auth}127.0.0.1:${port}`,
    dir: dir.path,
    stop: async () => {
      await handle.stop();
      dir.remove();
    },
    kill: () => handle.kill(),
    pause: () => handle.pause(),
    resume: () => handle.resume(),
    restart: () => handle.restart(),
  };
}

/**
 * Runs `redis-cli` against 127.0.0.1:`port` and returns its output. Throws,
 * naming the Debian package `redis-tools`, when redis-cli is missing.
 */
export async function redisCli(port: number, args: string[], password?: string): Promise<string> {
  const binary = requireBinary('redis-cli', 'redis-tools');
  const auth = password === undefined ? [] : ['--no-auth-warning', '-a', password];
  const { stdout } = await run(binary, ['-h', '127.0.0.1', '-p', String(port), ...auth, ...args], {
    timeout: 30_000,
  });
  return stdout;
}
