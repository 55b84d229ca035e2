import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, describe, expect, it } from 'vitest';
import { createProxyCache } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = makeTempDir('proxy-cli');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  dir.remove();
});

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(text)) resolve();
        else if (child.exitCode !== null) reject(new Error(`cli exited: ${out}`));
        else setTimeout(check, 20);
      };
      check();
    });
  return { child, output: () => out, waitFor };
}

describe('pywatt-cache-server', () => {
  it('serves the memory backend on a socket with tokens from a file, logs each connection, stops on SIGTERM', async () => {
    const socketPath = join(dir.path, 'cli.sock');
    const tokensFile = join(dir.path, 'tokens');
    const token = 'cli-secret-token-0123456789';
    writeFileSync(tokensFile, `# namespace token\norders ${token}\n`);
    const run = cli(['--socket', socketPath, '--tokens-file', tokensFile, '--max-items', '100']);
    await run.waitFor('listening');
    const cache = await createProxyCache({ transport: { socketPath }, token, namespace: 'v1' });
    await cache.set('a', Buffer.from('1'));
    expect(Buffer.from((await cache.get('a'))!).toString()).toBe('1');
    await cache.close();
    await run.waitFor('closed');
    const exited = once(run.child, 'exit');
    run.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    const log = run.output();
    expect(log).toMatch(/ open #1 unix:/);
    expect(log).toMatch(/ authenticated #1 unix:.* namespace=orders:v1/);
    expect(log).toMatch(/ closed #1 /);
    expect(log).toContain('stopped');
    expect(log).not.toContain(token);
  }, 20_000);

  it('takes tokens from PYWATT_CACHE_TOKENS and refuses to start without any', async () => {
    const bad = cli(['--socket', join(dir.path, 'x.sock')]);
    const [code] = await once(bad.child, 'exit');
    expect(code).toBe(2);
    expect(bad.output()).toContain('no tokens');
    const socketPath = join(dir.path, 'env.sock');
    const token = 'env-secret-token-0123456789';
    const run = cli(['--socket', socketPath], {
      PYWATT_CACHE_TOKENS: JSON.stringify([{ token, namespace: 'env' }]),
    });
    await run.waitFor('listening');
    const cache = await createProxyCache({ transport: { socketPath }, token });
    await cache.ping();
    await cache.close();
    const exited = once(run.child, 'exit');
    run.child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  }, 20_000);
});
