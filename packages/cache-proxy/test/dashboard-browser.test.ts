import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError } from '@pywatt/cache-core';
import { startCommand } from '@pywatt/test-servers/command';
import { findBinary, makeTempDir, requireBinary } from '@pywatt/test-servers/process';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createProxyCache, type ProxyCacheService } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputDir = join(packageDir, '.tmp', 'test-output', 'dashboard-browser');
const dir = makeTempDir('proxy-dashboard');
afterAll(() => dir.remove());

const ADMIN = 'admin-secret-token-0123456789';
const ORDERS = 'orders-secret-token-0123456789';
const USERS = 'users-secret-token-01234567890';

/** Real clients keep the server busy until stopped: reads of a few hot keys, writes, one error a round. */
function startLoad(clients: ProxyCacheService[]): () => Promise<void> {
  let running = true;
  const loops = clients.map(async (cache, c) => {
    for (let round = 0; running; round++) {
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        // Writes cover 300 keys, reads 500 (a third of them misses); three keys are hot.
        const key = `k${(i * 7 + round) % (i % 4 === 0 ? 3 : i % 3 === 0 ? 300 : 500)}`;
        ops.push(i % 3 === 0 ? cache.set(key, Buffer.from(`v${round}`)) : cache.get(key));
      }
      if (round % 50 === 0) ops.push(cache.increment('k1').catch((e) => e));
      await Promise.all(ops);
      // Leave the loaded machine's cores to the server and the browser between rounds.
      await new Promise((resolve) => setTimeout(resolve, 5 + c));
    }
  });
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

describe('the admin dashboard in Chromium', () => {
  it('shows live charts and both namespaces while a load runs, refuses requests without the token, clears after confirmation', async () => {
    // Debian's chromium (npm test installs it), else Google Chrome where a CI image ships it.
    const executablePath =
      findBinary('chromium') ??
      findBinary('google-chrome') ??
      requireBinary('chromium', 'chromium');
    const socketPath = join(dir.path, 'dash.sock');
    const tokensFile = join(dir.path, 'tokens');
    const adminTokenFile = join(dir.path, 'admin-token');
    writeFileSync(tokensFile, `orders ${ORDERS}\nusers ${USERS}\n`);
    writeFileSync(adminTokenFile, `${ADMIN}\n`);
    chmodSync(adminTokenFile, 0o600);
    // The built command, as the package ships it: its page and uPlot come from the package.
    const run = startCommand(
      [
        'dist/cli.js',
        '--socket',
        socketPath,
        '--tokens-file',
        tokensFile,
        '--admin-port',
        '0',
        '--admin-token-file',
        adminTokenFile,
        '--policy',
        'tinylfu',
        '--hot-keys',
        '16',
        '--max-items',
        '10000',
      ],
      { cwd: packageDir },
    );
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    const clients: ProxyCacheService[] = [];
    let stopLoad = async () => {};
    try {
      await run.waitFor('listening');
      const url = /admin (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output())?.[1] as string;
      clients.push(
        await createProxyCache({ transport: { socketPath }, token: ORDERS, namespace: 'v1' }),
      );
      clients.push(await createProxyCache({ transport: { socketPath }, token: USERS }));
      stopLoad = startLoad(clients);

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      await page.goto(url);
      await page.fill('#token', ADMIN);
      await page.fill('#operator', 'browser-test');
      await page.click('#login button[type=submit]');

      const timeout = 30_000;
      for (const ns of ['orders', 'users'])
        await page.waitForSelector(`#namespaces tr[data-namespace="${ns}"]`, { timeout });
      const opsNow = async () => Number(await page.textContent('[data-now="ops"]'));
      await expect.poll(opsNow, { timeout }).toBeGreaterThan(0);
      // The README's screenshot (UPDATE_DASHBOARD_SCREENSHOT=1) shows half a minute.
      const minPoints = process.env.UPDATE_DASHBOARD_SCREENSHOT === '1' ? 30 : 4;
      // A few points per chart, a hot key and the increments' NOT_NUMERIC in the tables.
      const points = async () => Number(await page.getAttribute('.charts', 'data-points'));
      await expect
        .poll(points, { timeout: timeout + minPoints * 1000 })
        .toBeGreaterThanOrEqual(minPoints);
      await page.locator('#hot-keys tbody tr').first().waitFor({ timeout });
      await page.locator('#errors tbody', { hasText: 'NOT_NUMERIC' }).waitFor({ timeout });
      expect(await opsNow()).toBeGreaterThan(0);
      expect(await page.locator('.chart canvas').count()).toBe(5);
      const rows = await page.$$eval('#namespaces tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
      expect(rows.map((r) => r[0])).toEqual(['orders', 'users']);
      for (const row of rows) expect(Number(row[7])).toBeGreaterThan(0); // requests

      mkdirSync(outputDir, { recursive: true });
      const screenshot = join(outputDir, 'dashboard.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      if (process.env.UPDATE_DASHBOARD_SCREENSHOT === '1')
        copyFileSync(screenshot, join(packageDir, 'docs', 'dashboard.png'));

      // Without the token, or with a client's token, the data is refused.
      expect((await fetch(`${url}api/stats`)).status).toBe(401);
      const wrong = await fetch(`${url}api/stats`, {
        headers: { authorization: `Bearer ${ORDERS}` },
      });
      expect(wrong.status).toBe(403);

      // Clearing asks for the namespace's name first.
      await page.click('button[data-clear="users"]');
      await page.fill('#clear-confirm', 'user');
      expect(await page.isDisabled('#clear-go')).toBe(true);
      await page.fill('#clear-confirm', 'users');
      await page.click('#clear-go');
      await page.locator('#action', { hasText: 'cleared users' }).waitFor({ timeout });
      // The outcome stays on the page while the figures keep refreshing.
      const status = async () => page.textContent('#status');
      const refreshedAt = await status();
      await expect.poll(status, { timeout }).not.toBe(refreshedAt);
      expect(await page.textContent('#action')).toContain('cleared users');
      await run.waitFor('admin clear status=200 namespace=users operator="browser-test"');

      expect(consoleErrors).toEqual([]);
      await stopLoad();
      for (const cache of clients.splice(0)) await cache.close();
      expect(await run.stop()).toBe(0);
      expect(run.output()).not.toContain(ADMIN);
    } finally {
      await stopLoad();
      for (const cache of clients) await cache.close().catch((e) => CacheError.is(e));
      await browser.close();
      await run.stop('SIGKILL');
    }
  }, 120_000);
});
