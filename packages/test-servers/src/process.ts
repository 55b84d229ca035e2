import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A server process the tests started, on 127.0.0.1 (or the loopback address it was given). */
export interface ServerHandle {
  readonly host: string;
  readonly port: number;
  /** The current process id (a restart changes it). */
  readonly pid: number;
  /** SIGTERM, then waits until the process exited and the port is closed. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), then waits until the port is closed. */
  kill(): Promise<void>;
  /** SIGSTOP: the server freezes with its sockets open. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Starts the same command again on the same port and directory; waits until it answers. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
const running = new Set<ChildProcess>();

// If the test process dies without stopping its servers, take them down with it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The path of `command` on PATH (or in the sbin folders), or undefined. */
export function findBinary(command: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/bin',
    '/usr/local/sbin',
  ];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Finds `command` like {@link findBinary}, or throws naming the Debian package to install. */
export function requireBinary(command: string, debianPackage: string): string {
  const found = findBinary(command);
  if (found !== undefined) return found;
  throw new Error(
    `${command} is not installed, and the tests need a real one: install the Debian package '${debianPackage}' ` +
      `(as root: apt-get install -y ${debianPackage}), or run 'npm test' as root, which installs it.`,
  );
}

/** A TCP port on 127.0.0.1 that was free a moment ago (and `port + offset` too, when asked). */
export async function freePort(alsoFreeAtOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, HOST, () => {
        const address = server.address();
        server.close(() =>
          resolve(typeof address === 'object' && address !== null ? address.port : 0),
        );
      });
    });
    if (alsoFreeAtOffset === undefined) return port;
    if (port + alsoFreeAtOffset < 65536 && (await isPortFree(port + alsoFreeAtOffset))) return port;
  }
  throw new Error('could not find a free loopback port');
}

/** True when nothing listens on `host:port` (a bind there succeeds). */
export function isPortFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Sends `request` and resolves with the first bytes answered, or undefined if nothing listens. */
export function probe(
  port: number,
  request: string,
  timeoutMs = 500,
  host = HOST,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let answer = '';
    const done = (value: string | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(answer || undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer);
    });
  });
}

/** Polls `check` every 25 ms until it is true, or throws `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A private temporary directory; removed by the returned function. */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `pywatt-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** How to start, probe and describe one server. */
export interface ManagedServerSpec {
  /** For messages: 'redis-server', 'memcached'. */
  name: string;
  /** Absolute path of the binary (from {@link requireBinary}). */
  binary: string;
  args: string[];
  port: number;
  /** The loopback address it listens on; default 127.0.0.1. */
  host?: string;
  cwd?: string;
  /** Environment of the server process (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** True once the server answers on its port. */
  isReady: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/** Starts a server process and returns its handle once it answers. */
export async function startManagedServer(spec: ManagedServerSpec): Promise<ServerHandle> {
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(spec.binary, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    running.add(proc);
    proc.stdout?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    proc.once('exit', () => running.delete(proc));
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    try {
      await waitFor(
        async () => {
          if (exited)
            throw new Error(`${spec.name} exited at start on port ${spec.port}:\n${output}`);
          return spec.isReady();
        },
        `${spec.name} to answer on ${spec.host ?? HOST}:${spec.port}`,
        spec.readyTimeoutMs ?? 10_000,
      );
    } catch (error) {
      proc.kill('SIGKILL');
      throw error;
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGCONT');
    proc.kill(signal);
    await exited;
    await waitFor(() => isPortFree(spec.port, spec.host), `port ${spec.port} to close`, 10_000);
  };

  await launch();
  return {
    host: spec.host ?? HOST,
    port: spec.port,
    get pid() {
      return child?.pid ?? -1;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    restart: async () => {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
