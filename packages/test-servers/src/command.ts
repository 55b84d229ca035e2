import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A command the tests started, with its output so far. */
export interface RunningCommand {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once its output contains `text`; rejects if it exits first or after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const started = new Set<ChildProcess>();
// If the test process dies first, take the commands it started down with it.
process.once('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/** Starts `node <args>` (or another `command`) and collects its output. */
export function startCommand(
  args: readonly string[],
  options: { command?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunningCommand {
  const child = spawn(options.command ?? process.execPath, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    output: () => out,
    async waitFor(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the command exited before printing ${JSON.stringify(text)}:\n${out}`);
        }
        if (Date.now() > deadline)
          throw new Error(`no ${JSON.stringify(text)} after ${timeoutMs} ms:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
