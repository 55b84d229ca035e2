import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningCommand, startCommand } from '@pywatt/test-servers/command';
import { afterAll, describe, expect, it } from 'vitest';
import { createCacheService } from '../src/index.js';

// The proxy's command serves any backend by URL when @pywatt/cache-all is installed
// where it runs: here, this package's own directory.
const cli = resolve(import.meta.dirname, '../../cache-proxy/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'pywatt-cli-url-'));
const commands: RunningCommand[] = [];
afterAll(async () => {
  await Promise.all(commands.map((command) => command.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

function serve(args: string[], token: string): RunningCommand {
  const command = startCommand([cli, ...args], {
    cwd: resolve(import.meta.dirname, '..'),
    env: { ...process.env, PYWATT_CACHE_TOKENS: `tenant ${token}` },
  });
  commands.push(command);
  return command;
}

describe('pywatt-cache-server --url', () => {
  it('serves a file backend given by URL to a client that connects by URL', async () => {
    const token = 'url-served-token-0123456789';
    const socketPath = join(dir, 'server.sock');
    const entries = join(dir, 'entries');
    const server = serve(['--url', `file://${entries}`, '--socket', socketPath], token);
    await server.waitFor('listening');
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
    expect(await server.stop()).toBe(0);
  });

  it('refuses --url together with memory options, with exit code 2', async () => {
    const command = serve(
      ['--url', 'memory://', '--max-items', '5', '--socket', join(dir, 'x.sock')],
      'some-token-0123456789',
    );
    const [code] = await once(command.child, 'exit');
    expect(code).toBe(2);
    expect(command.output()).toContain('exclude each other');
  });
});
