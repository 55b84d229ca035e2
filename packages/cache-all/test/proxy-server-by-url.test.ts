import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCacheService } from '../src/index.js';

// The proxy's command serves any backend by URL when @pywatt/cache-all is installed
// where it runs: here, this package's own directory.
const cli = resolve(import.meta.dirname, '../../cache-proxy/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pywatt-cli-url-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function serve(
  args: string[],
  token: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: resolve(import.meta.dirname, '..'),
    env: { ...process.env, PYWATT_CACHE_TOKENS: `tenant ${token}` },
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
  const deadline = Date.now() + 20_000;
  while (!out.includes('listening')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`pywatt-cache-server did not start: ${out}`);
    await new Promise((done) => setTimeout(done, 20));
  }
  return { child, output: () => out };
}

describe('pywatt-cache-server --url', () => {
  it('serves a file backend given by URL to a client that connects by URL', async () => {
    const token = 'url-served-token-0123456789';
    const socketPath = join(dir, 'server.sock');
    const entries = join(dir, 'entries');
    const server = await serve(['--url', `file://${entries}`, '--socket', socketPath], token);
    expect(server.output()).toContain('backend=file');
    const client = await createCacheService(
      `proxy+unix://${socketPath}?token=${token}&namespace=app`,
    );
    await client.setString('greeting', 'hello over the proxy');
    expect(await client.getString('greeting')).toBe('hello over the proxy');
    expect(await client.increment('n', 5)).toBe(5);
    await client.close();
    expect(
      readdirSync(entries).length,
      'the entries are files in the served directory',
    ).toBeGreaterThan(0);
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });

  it('refuses --url together with memory options, with exit code 2', async () => {
    const child = spawn(
      process.execPath,
      [cli, '--url', 'memory://', '--max-items', '5', '--socket', join(dir, 'x.sock')],
      {
        env: { ...process.env, PYWATT_CACHE_TOKENS: 'tenant some-token-0123456789' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(err).toContain('exclude each other');
  });
});
