import { join } from 'node:path';
import { CacheError } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStats } from '../src/admin/live-stats.js';
import { parseCli } from '../src/cli/cli-options.js';
import {
  type AdminEndpoint,
  type AdminEvent,
  type CacheServer,
  createProxyCache,
  ServerMetrics,
  serveAdmin,
  startCacheServer,
} from '../src/index.js';

const ADMIN = 'admin-secret-token-0123456789';
const ORDERS = 'orders-secret-token-0123456789';
const USERS = 'users-secret-token-01234567890';
const GRANTS = [
  { token: ORDERS, namespace: 'orders' },
  { token: USERS, namespace: 'users' },
];

const dir = makeTempDir('proxy-admin');
const socketPath = join(dir.path, 'admin.sock');
const events: AdminEvent[] = [];
const memory = await createMemoryCache({ policy: 'tinylfu', hotKeys: 16, maxItems: 10_000 });
const metrics = new ServerMetrics();
let server: CacheServer;
let admin: AdminEndpoint;
let base = '';

beforeAll(async () => {
  server = await startCacheServer({
    cache: memory,
    listen: { socketPath },
    auth: { tokens: GRANTS },
    metrics,
  });
  admin = await serveAdmin({
    token: ADMIN,
    port: 0,
    metrics,
    cache: memory,
    namespaces: ['orders', 'users'],
    log: (event) => events.push(event),
  });
  base = `http://127.0.0.1:${admin.port}`;
});

afterAll(async () => {
  await admin?.close();
  await server?.close();
  await memory.close();
  dir.remove();
});

interface ErrorBody {
  error: { code: string; message: string };
}
interface StatsBody {
  backend: string;
  namespaces: string[];
  totals: Record<string, { requests: number; errors: number }>;
  hotKeys: Array<{ namespace: string; key: string; estimate: number }>;
  errors: Array<{ code: string; namespace?: string; op?: string }>;
}
const errorOf = async (response: Response) => ((await response.json()) as ErrorBody).error;

const bearer = (token = ADMIN) => ({ authorization: `Bearer ${token}` });
const clear = (body: unknown, headers: Record<string, string> = bearer()) =>
  fetch(`${base}/api/clear`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const client = (token: string, namespace?: string) =>
  createProxyCache({ transport: { socketPath }, token, ...(namespace ? { namespace } : {}) });

describe('the admin endpoint (serveAdmin)', () => {
  it('serves the page and its assets, uPlot included, without a token and with a strict CSP', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/assets/uPlot.iife.min.js"');
    expect(html).not.toContain('http://');
    for (const asset of ['uPlot.iife.min.js', 'uPlot.min.css', 'dashboard.js', 'dashboard.css']) {
      const response = await fetch(`${base}/assets/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(500);
    }
    expect((await fetch(`${base}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it('refuses every data request without the admin token (401) or with another one (403), and logs it without the token', async () => {
    events.length = 0;
    const routes: Array<[string, string]> = [
      ['GET', '/api/stats'],
      ['GET', '/metrics'],
      ['POST', '/api/clear'],
    ];
    for (const [method, path] of routes) {
      const none = await fetch(`${base}${path}`, { method });
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await errorOf(none)).code).toBe('UNAUTHORIZED');
      for (const token of [ORDERS, `${ADMIN}x`]) {
        const wrong = await fetch(`${base}${path}`, { method, headers: bearer(token) });
        expect(wrong.status, path).toBe(403);
        expect(await wrong.text()).not.toContain(token);
      }
      const basic = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`a:${ADMIN}`).toString('base64')}` },
      });
      expect(basic.status, path).toBe(401);
    }
    expect(events.map((e) => `${e.event} ${e.status} ${e.method} ${e.path}`)).toEqual(
      routes.flatMap(([m, p]) => [401, 403, 403, 401].map((s) => `refused ${s} ${m} ${p}`)),
    );
    expect(JSON.stringify(events)).not.toContain(ADMIN);
  });

  it('serves /metrics and live stats: both namespaces, exact totals, hot keys, recent errors', async () => {
    const orders = await client(ORDERS, 'v1');
    const users = await client(USERS);
    await orders.set('hot', Buffer.from('x'));
    for (let i = 0; i < 40; i++) await orders.get('hot');
    await users.set('u', Buffer.from('1'));
    await expect(orders.increment('hot')).rejects.toMatchObject({ code: 'NOT_NUMERIC' });

    const prom = await fetch(`${base}/metrics`, { headers: bearer() });
    expect(prom.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await prom.text();
    // createProxyCache pings once: ping, set, 40 gets for orders (and the failed increment).
    expect(text).toContain(
      'pywatt_cache_server_requests_total{namespace="orders",outcome="ok"} 42',
    );
    expect(text).toContain('pywatt_cache_server_connections 2');

    const response = await fetch(`${base}/api/stats`, { headers: bearer() });
    const stats = (await response.json()) as StatsBody;
    expect(stats.backend).toBe('memory');
    expect(stats.namespaces).toEqual(['orders', 'users']);
    expect(stats.totals).toEqual({
      orders: { requests: 43, errors: 1 },
      users: { requests: 2, errors: 0 },
    });
    const hot = stats.hotKeys.find((h) => h.key === 'v1:hot');
    expect(hot?.namespace).toBe('orders');
    expect(hot?.estimate).toBeGreaterThan(5);
    expect(stats.errors[0]).toMatchObject({
      code: 'NOT_NUMERIC',
      namespace: 'orders',
      op: 'increment',
    });
    await orders.close();
    await users.close();
  });

  it('clears a namespace only with a confirmation equal to its name, logged with who and what', async () => {
    const orders = await client(ORDERS, 'v1');
    const users = await client(USERS);
    await orders.set('a', Buffer.from('1'));
    const lock = await orders.lock('job', 60_000);
    await users.set('b', Buffer.from('2'));
    events.length = 0;

    const unconfirmed = await clear({ namespace: 'orders' });
    expect(unconfirmed.status).toBe(400);
    expect((await errorOf(unconfirmed)).code).toBe('CONFIRMATION_REQUIRED');
    expect((await clear({ namespace: 'orders', confirm: 'users' })).status).toBe(400);
    expect((await clear({ namespace: 'nobody', confirm: 'nobody' })).status).toBe(404);
    const notJson = await fetch(`${base}/api/clear`, {
      method: 'POST',
      headers: bearer(),
      body: 'x',
    });
    expect(notJson.status).toBe(415);
    expect((await clear({ namespace: 'orders', confirm: 'orders' }, bearer(USERS))).status).toBe(
      403,
    );
    expect(await orders.get('a')).not.toBeUndefined();

    const done = await clear({ namespace: 'orders', confirm: 'orders', operator: 'ada' });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { cleared: string }).cleared).toBe('orders');
    expect(await orders.get('a')).toBeUndefined();
    expect(Buffer.from((await users.get('b'))!).toString()).toBe('2');
    // Locks live in their own key space: a clear never frees a lock someone holds.
    expect(lock).toBeTypeOf('string');
    expect(await orders.lock('job', 60_000)).toBeUndefined();

    expect(events.filter((e) => e.event === 'clear')).toEqual([
      {
        event: 'clear',
        status: 200,
        namespace: 'orders',
        operator: 'ada',
        method: 'POST',
        path: '/api/clear',
        remoteAddress: '127.0.0.1',
      },
    ]);
    await orders.close();
    await users.close();
  });
});

describe('LiveStats', () => {
  it('turns one interval of real requests into ops/s, hit ratio, latency and connections per namespace', async () => {
    const stats = new LiveStats({
      metrics,
      namespaces: ['orders', 'users'],
      intervalMs: 3_600_000,
    });
    try {
      stats.sample();
      const orders = await client(ORDERS);
      const users = await client(USERS, 'x');
      await orders.set('k', Buffer.from('v'));
      for (let i = 0; i < 3; i++) await orders.get('k');
      await orders.get('missing');
      await orders.getMany(['k', 'missing', 'k']);
      await users.ping();
      const sample = stats.sample();
      const o = sample.namespaces.orders!;
      expect(o.hitRatio).toBe(5 / 7);
      expect(o.connections).toBe(1);
      expect(o.opsPerSec).toBeGreaterThan(0);
      expect(o.p50Ms).toBeGreaterThan(0);
      expect(o.p99Ms).toBeGreaterThanOrEqual(o.p50Ms!);
      expect(sample.namespaces.users).toMatchObject({ hitRatio: null, connections: 1 });
      expect(sample.overall.connections).toBe(2);
      expect(sample.memory.rssBytes).toBeGreaterThan(0);
      await orders.close();
      await users.close();
      // The server forgets a connection after logging its close: then the figures are final.
      while (server.connectionCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(stats.sample().overall).toMatchObject({
        connections: 0,
        opsPerSec: 0,
        hitRatio: null,
      });
    } finally {
      stats.close();
    }
  });
});

describe('pywatt-cache-server admin options', () => {
  const env = { PYWATT_CACHE_TOKENS: JSON.stringify(GRANTS) };
  const parse = (args: string[], extra: Record<string, string> = {}) =>
    parseCli(['--socket', socketPath, ...args], { ...env, ...extra });

  it('binds loopback by default and takes the token from PYWATT_CACHE_ADMIN_TOKEN', () => {
    expect(parse(['--admin-port', '0'], { PYWATT_CACHE_ADMIN_TOKEN: ADMIN })?.admin).toEqual({
      port: 0,
      host: '127.0.0.1',
      token: ADMIN,
    });
  });

  it('refuses an admin port without a token, or with a short one, without printing it', () => {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as CacheError;
      }
      throw new Error('no error');
    };
    const none = error(() => parse(['--admin-port', '0']));
    expect(CacheError.is(none, 'CONFIGURATION')).toBe(true);
    expect(none.message).toContain('PYWATT_CACHE_ADMIN_TOKEN');
    const short = error(() =>
      parse(['--admin-port', '0'], { PYWATT_CACHE_ADMIN_TOKEN: 'tiny-secret' }),
    );
    expect(short.message).toContain('at least 16');
    expect(short.message).not.toContain('tiny-secret');
    expect(error(() => parse(['--admin-host', '0.0.0.0'])).message).toContain('--admin-port');
  });
});
