import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const worker = fileURLToPath(new URL('../fixtures/tier-process.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** A reply of the tier process: the command's answer, or the error it failed with. */
export type Reply<T> = T & { error?: string; code?: string };

/** A tiered cache over the proxy, with the proxy bus, in a child process driven one JSON command at a time. */
export interface TierPeer {
  /** Sends a command; resolves with its reply (errors come back as `{ error, code }`). */
  ask<T>(command: Record<string, unknown>): Promise<Reply<T>>;
  close(): Promise<void>;
}

/** Starts a tier process connected to the server at `port`; resolves once its tiered cache has joined the bus. */
export function startTierPeer(
  port: number,
  token: string,
  namespace: string | undefined,
): Promise<TierPeer> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', worker, '127.0.0.1', String(port), token, namespace ?? '-'],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting: Array<(line: unknown) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    waiting.shift()?.(JSON.parse(line));
  });
  const next = () => new Promise<unknown>((resolve) => waiting.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const peer: TierPeer = {
    async ask<T>(command: Record<string, unknown>) {
      const reply = next();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      return (await reply) as Reply<T>;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        await peer.ask({ op: 'close' });
        await exited;
      }
    },
  };
  return Promise.race([
    next().then(() => peer),
    exited.then(() => {
      throw new Error('the tier process exited before it was ready');
    }),
  ]);
}
