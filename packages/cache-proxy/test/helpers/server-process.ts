import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '..', 'fixtures', 'server-process.ts');
const packageDir = join(here, '..', '..');

/** Tokens the tests use (at least 16 characters each, as the server requires). */
export const TOKENS = {
  alpha: 'alpha-token-0123456789',
  beta: 'beta-token-0123456789x',
} as const;

export const DEFAULT_GRANTS = [
  { token: TOKENS.alpha, namespace: 'alpha' },
  { token: TOKENS.beta, namespace: 'beta' },
];

/** A cache server running in a child process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/** Forks `fixtures/server-process.ts` (with an advanced-serialization IPC channel) and waits until it listens. */
export async function startServerProcess(spec: Record<string, unknown>): Promise<ServerProcess> {
  const child = fork(script, [JSON.stringify({ tokens: DEFAULT_GRANTS, ...spec })], {
    cwd: packageDir,
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`server process exited with ${code} before it was ready: ${out}`)),
    );
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
}
