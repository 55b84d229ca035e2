import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin the tests run, as a user's shell would. */
export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'bin.js');

/** What one run of the bin wrote and how it exited. */
export interface BinResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** The environment of a run: nothing the test process had that would change the output. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !/^(PYWATT_CACHE_URL|NO_COLOR|FORCE_COLOR)$/.test(name))
      env[name] = value;
  return { ...env, ...extra };
}

/** Runs `node dist/bin.js ...args` with stdin a pipe (not a terminal) fed `input`, to its exit. */
export function runBin(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<BinResult> {
  return runProcess(process.execPath, [BIN, ...args], options);
}

/**
 * Runs the bin on a pseudo-terminal (util-linux `script`), typing `input`
 * into it: stdin, stdout and stderr are all the terminal, so the output is
 * everything the terminal showed, in `stdout`.
 */
export function runBinOnTerminal(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<BinResult> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return runProcess('script', ['-qefc', command, '/dev/null'], {
    ...options,
    env: { TERM: 'xterm', ...options.env },
  });
}

function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string | Buffer },
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: cleanEnv(options.env ?? {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * A `runBin` that keeps every result, so a test can check afterwards that no
 * run (error paths included) ever printed a secret.
 */
export function recordingRunner(): {
  cli: (args: string[], options?: Parameters<typeof runBin>[1]) => Promise<BinResult>;
  outputs: BinResult[];
} {
  const outputs: BinResult[] = [];
  const cli = async (args: string[], options: Parameters<typeof runBin>[1] = {}) => {
    const result = await runBin(args, options);
    outputs.push(result);
    return result;
  };
  return { cli, outputs };
}
