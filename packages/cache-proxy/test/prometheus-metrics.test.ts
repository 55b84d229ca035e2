import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError } from '@pywatt/cache-core';
import { startCommand } from '@pywatt/test-servers/command';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, describe, expect, it } from 'vitest';
import { createProxyCache } from '../src/index.js';
import { rawExchange, u32 } from './helpers/raw-client.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = makeTempDir('proxy-metrics');
afterAll(() => dir.remove());

const ORDERS = 'orders-secret-token-0123456789';
const USERS = 'users-secret-token-0123456789';

/** Lines of the exposition that are samples (not # HELP / # TYPE). */
const samples = (text: string): string[] =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('pywatt-cache-server --metrics-port', () => {
  it('serves /metrics in the text format: connections, auth failures, frame errors, requests per token namespace', async () => {
    const socketPath = join(dir.path, 'metrics.sock');
    const tokensFile = join(dir.path, 'tokens');
    writeFileSync(tokensFile, `orders ${ORDERS}\nusers ${USERS}\n`);
    const run = startCommand(
      [
        '--import',
        'tsx',
        'src/cli.ts',
        '--socket',
        socketPath,
        '--tokens-file',
        tokensFile,
        '--metrics-port',
        '0',
      ],
      { cwd: packageDir },
    );
    try {
      await run.waitFor('listening');
      const port = Number(/metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(run.output())?.[1]);
      const url = `http://127.0.0.1:${port}/metrics`;

      const orders = await createProxyCache({
        transport: { socketPath },
        token: ORDERS,
        namespace: 'v1',
      });
      await orders.set('a', Buffer.from('not a number'));
      await orders.get('a');
      await expect(orders.increment('a')).rejects.toMatchObject({ code: 'NOT_NUMERIC' });
      const users = await createProxyCache({ transport: { socketPath }, token: USERS });
      await users.set('u', Buffer.from('1'));
      const open = await fetch(url);
      expect(open.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(samples(await open.text())).toContain('pywatt_cache_server_connections 2');
      await orders.close();
      await users.close();

      const refused = await createProxyCache({
        transport: { socketPath },
        token: 'wrong-secret-token-0123456789',
      }).catch((error: unknown) => error);
      expect(CacheError.is(refused, 'UNAUTHORIZED')).toBe(true);
      const garbage = await rawExchange(socketPath, [u32(0)]);
      expect(garbage.closedByServer).toBe(true);
      // Four connections, each logged once as closed or rejected: then every count is final.
      const ends = (): number => (run.output().match(/ (closed|rejected) #\d+/g) ?? []).length;
      while (ends() < 4) await new Promise((resolve) => setTimeout(resolve, 20));

      const text = await (await fetch(url)).text();
      expect(text).toContain('# TYPE pywatt_cache_server_requests_total counter');
      expect(text).not.toContain(ORDERS);
      expect(samples(text).sort()).toEqual(
        [
          'pywatt_cache_server_connections_total 4',
          'pywatt_cache_server_connections 0',
          'pywatt_cache_server_auth_failures_total 1',
          'pywatt_cache_server_frame_errors_total{code="PROTOCOL"} 1',
          // createProxyCache pings once: ping, set, get for orders; ping, set for users.
          'pywatt_cache_server_requests_total{namespace="orders",outcome="ok"} 3',
          'pywatt_cache_server_requests_total{namespace="orders",outcome="NOT_NUMERIC"} 1',
          'pywatt_cache_server_requests_total{namespace="users",outcome="ok"} 2',
        ].sort(),
      );
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect(await run.stop()).toBe(0);
    } finally {
      await run.stop('SIGKILL');
    }
  }, 30_000);
});
