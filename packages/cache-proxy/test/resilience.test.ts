import { CacheError } from '@pywatt/cache-core';
import { makeTempDir, waitFor } from '@pywatt/test-servers/process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createProxyCache, type ProxyCacheService } from '../src/index.js';
import { type ServerProcess, startServerProcess, TOKENS } from './helpers/server-process.js';

const bytes = (s: string) => Buffer.from(s);
const text = (v: Uint8Array | undefined) =>
  v === undefined ? undefined : Buffer.from(v).toString();
const dir = makeTempDir('proxy-res');
const servers: ServerProcess[] = [];
const caches: ProxyCacheService[] = [];

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});
afterAll(() => dir.remove());

async function serve(socketPath: string, spec: Record<string, unknown> = {}) {
  const server = await startServerProcess({ listen: [{ socketPath }], ...spec });
  servers.push(server);
  return server;
}
async function client(socketPath: string, operationTimeoutMs: number) {
  const cache = await createProxyCache({
    transport: { socketPath },
    token: TOKENS.alpha,
    operationTimeoutMs,
  });
  caches.push(cache);
  return cache;
}
const lateDropped = async (cache: ProxyCacheService) =>
  Number((await cache.stats()).backend.lateResponsesDropped);

describe('timeouts', () => {
  it('drops an answer that arrives after its timeout; it never reaches another request', async () => {
    const socketPath = `${dir.path}/late.sock`;
    // A 1 s timeout: the fast gets below must answer within it even on a loaded machine.
    await serve(socketPath, { slowMs: 2500 });
    const cache = await client(socketPath, 1000);
    await cache.set('slow:a', bytes('SLOW'));
    await cache.set('fast', bytes('FAST'));
    const error = await cache.get('slow:a').catch((e: unknown) => e);
    expect(CacheError.is(error, 'TIMEOUT')).toBe(true);
    const seen = new Set<string | undefined>();
    // Keep asking while the late answer is on its way; every answer must be this request's own.
    while ((await lateDropped(cache)) === 0) {
      const values = await Promise.all(Array.from({ length: 20 }, () => cache.get('fast')));
      for (const v of values) seen.add(text(v));
    }
    expect([...seen]).toEqual(['FAST']);
    expect(await lateDropped(cache)).toBe(1);
    expect(text(await cache.get('fast'))).toBe('FAST');
  }, 15_000);

  it('drains running requests on SIGTERM; a later request fails with CONNECTION (no server to reconnect to)', async () => {
    const socketPath = `${dir.path}/drain.sock`;
    const server = await serve(socketPath, { slowMs: 300 });
    const cache = await client(socketPath, 1000);
    await cache.set('slow:x', bytes('done'));
    const running = cache.get('slow:x');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop();
    expect(server.child.exitCode).toBe(0);
    expect(text(await running)).toBe('done');
    const after = await cache.get('k').catch((e: unknown) => e);
    expect(CacheError.is(after, 'CONNECTION')).toBe(true);
  }, 15_000);
});

describe('server restart under load', () => {
  it('fails a write in flight when the server dies with CONNECTION and never re-sends it', async () => {
    const socketPath = `${dir.path}/resend.sock`;
    const first = await serve(socketPath, { slowMs: 2000 });
    const cache = await client(socketPath, 5000);
    // The slow increment is running on the server (it delays before touching the key) when the server dies.
    const running = cache.increment('slow:n').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.kill();
    const error = await running;
    expect(CacheError.is(error, 'CONNECTION'), String(error)).toBe(true);
    expect((error as CacheError).retryable).toBe(true);
    await serve(socketPath);
    expect(
      await cache.get('slow:n'),
      'the increment was not replayed on the new server',
    ).toBeUndefined();
    expect(await cache.increment('slow:n')).toBe(1);
  }, 20_000);

  it('settles every request once with a value or a typed error, and reconnects', async () => {
    const socketPath = `${dir.path}/restart.sock`;
    const first = await serve(socketPath);
    const cache = await client(socketPath, 2000);
    let issued = 0;
    let settled = 0;
    let succeeded = 0;
    const codes = new Map<string, number>();
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        issued++;
        const op =
          i % 3 === 0
            ? cache.increment(`n${w}`)
            : i % 3 === 1
              ? cache.set(`k${w}`, bytes(String(i)))
              : cache.get(`k${w}`);
        try {
          await op;
          succeeded++;
        } catch (error) {
          expect(CacheError.is(error), String(error)).toBe(true);
          const code = (error as CacheError).code;
          codes.set(code, (codes.get(code) ?? 0) + 1);
        } finally {
          settled++;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await waitFor(async () => succeeded > 500, 'load before the crash');
    await first.kill();
    const beforeRestart = succeeded;
    await waitFor(
      async () => (codes.get('CONNECTION') ?? 0) > 0,
      'requests failing while the server is down',
    );
    await serve(socketPath);
    await waitFor(async () => succeeded > beforeRestart + 500, 'load after the restart');
    running = false;
    await load;
    expect(settled).toBe(issued);
    expect(
      [...codes.keys()].every((c) => c === 'CONNECTION' || c === 'TIMEOUT'),
      JSON.stringify([...codes]),
    ).toBe(true);
    await cache.ping();
    expect(Number((await cache.stats()).backend.reconnects)).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
