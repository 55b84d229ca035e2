import { createMemoryCache } from '@pywatt/cache-memory';
import { type CacheServer, startCacheServer } from '@pywatt/cache-proxy';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { freePort, makeTempDir, type ServerHandle } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingRunner } from './helpers/run-bin.js';

// memcached, a file directory and a proxy server: the commands every backend
// answers, and the clear/ttl answers of backends that cannot count or tell a TTL.
const TOKEN = 'proxy-token-Kd93nq0127';
let memcached: ServerHandle;
let proxy: CacheServer;
let proxyPort: number;
const dir = makeTempDir('cache-cli-file');
const served = createMemoryCache({});
// Every run is kept: the last test looks for the secret in all of them.
const { cli, outputs } = recordingRunner();

beforeAll(async () => {
  memcached = await startMemcached();
  proxy = await startCacheServer({
    cache: await served,
    listen: [{ host: '127.0.0.1', port: 0 }],
    auth: { tokens: [{ token: TOKEN, namespace: 'app' }] },
  });
  proxyPort = (proxy.addresses[0] as { port: number }).port;
});
afterAll(async () => {
  await proxy?.close();
  await (await served).close();
  await memcached?.stop();
  dir.remove();
});

const targets = () => [
  { name: 'memcached', url: `memcached://127.0.0.1:${memcached.port}` },
  { name: 'file', url: `file://${dir.path}` },
  { name: 'proxy', url: `proxy+tcp://:${TOKEN}@127.0.0.1:${proxyPort}` },
];

describe.each(['memcached', 'file', 'proxy'])('pywatt-cache against %s', (name) => {
  const target = () => targets().find((t) => t.name === name) as { name: string; url: string };

  it('set, get, del and stats', async () => {
    const { url } = target();
    expect((await cli(['set', url, 'greeting', 'héllo', '--ttl', '1h'])).stdout).toBe(
      'stored 6 bytes for 3600s\n',
    );
    expect(await cli(['get', url, 'greeting'])).toMatchObject({ code: 0, stdout: 'héllo\n' });
    expect((await cli(['del', url, 'greeting', 'nothing'])).stdout).toBe('removed 1 of 2\n');
    expect((await cli(['get', url, 'greeting'])).code).toBe(1);
    const stats = await cli(['stats', url]);
    expect(stats.code).toBe(0);
    expect(stats.stdout.split('\n')[0]).toContain(`(${name})`);
    expect(JSON.parse((await cli(['stats', url, '--json'])).stdout).type).toBe(name);
  });

  it('bench and watch run to completion', async () => {
    const { url } = target();
    const bench = await cli(['bench', url, '--ops', '30', '--concurrency', '3', '--json']);
    expect(bench.code).toBe(0);
    expect(JSON.parse(bench.stdout).results).toHaveLength(4);
    const watch = await cli(['watch', url, '--interval', '50ms', '--count', '2']);
    expect(watch.code).toBe(0);
    expect(watch.stdout.trim().split('\n')).toHaveLength(2);
  });
});

describe.each(['memcached', 'proxy'])(
  'pywatt-cache against %s, which cannot count or tell a TTL',
  (name) => {
    const target = () => targets().find((t) => t.name === name) as { name: string; url: string };

    it('ttl answers UNSUPPORTED in one line, exit 1', async () => {
      const { url } = target();
      await cli(['set', url, 'k', 'v']);
      const ttl = await cli(['ttl', url, 'k']);
      expect(ttl.code).toBe(1);
      expect(ttl.stderr).toBe(
        `pywatt-cache ttl: UNSUPPORTED: the ${name} backend cannot tell a key's remaining TTL (redis and file can)\n`,
      );
    });

    it('clear --dry-run says it cannot count and removes nothing; --yes clears the prefix only', async () => {
      const { url } = target();
      await cli(['set', url, 'tmp:1', 'a']);
      await cli(['set', url, 'keep:1', 'b']);
      const dry = await cli(['clear', url, 'tmp', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`the ${name} backend cannot count them`);
      expect((await cli(['get', url, 'tmp:1'])).stdout).toBe('a\n');
      expect((await cli(['clear', url, 'tmp'])).code).toBe(2);
      expect((await cli(['get', url, 'tmp:1'])).stdout).toBe('a\n');
      const cleared = await cli(['clear', url, 'tmp', '--yes']);
      expect(cleared.code).toBe(0);
      expect(cleared.stdout).toMatch(/^cleared entries under 'tmp:' of /);
      expect((await cli(['get', url, 'tmp:1'])).code).toBe(1);
      expect((await cli(['get', url, 'keep:1'])).stdout).toBe('b\n');
    });
  },
);

describe('pywatt-cache against a file directory, which counts and tells a TTL', () => {
  const url = () => `file://${dir.path}?namespace=files`;

  it('ttl reads the entry header', async () => {
    await cli(['set', url(), 'k', 'v', '--ttl', '5m']);
    const ms = Number((await cli(['ttl', url(), 'k', '--ms'])).stdout);
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(300_000);
    await cli(['set', url(), 'forever', 'v', '--ttl', 'inf']);
    expect((await cli(['ttl', url(), 'forever'])).stdout).toBe('no expiry\n');
    expect((await cli(['ttl', url(), 'missing'])).code).toBe(1);
  });

  it('clear counts, --dry-run removes nothing, --yes removes exactly the prefix', async () => {
    for (let i = 0; i < 12; i++) await cli(['set', url(), `tmp:${i}`, 'a']);
    await cli(['set', url(), 'keep:1', 'b']);
    const dry = await cli(['clear', url(), 'tmp', '--dry-run']);
    expect(dry.stdout).toBe(`would remove 12 entries (entries under 'tmp:' of ${url()})\n`);
    expect((await cli(['get', url(), 'tmp:3'])).stdout).toBe('a\n');
    expect((await cli(['clear', url(), 'tmp', '--yes'])).stdout).toBe('removed 12 entries\n');
    expect((await cli(['get', url(), 'tmp:3'])).code).toBe(1);
    expect((await cli(['get', url(), 'keep:1'])).stdout).toBe('b\n');
  });
});

describe('pywatt-cache against a proxy server, credentials', () => {
  it('a wrong token is UNAUTHORIZED, an unreachable server CONNECTION; neither prints the token', async () => {
    const wrong = await cli(['get', `proxy+tcp://:x${TOKEN}@127.0.0.1:${proxyPort}`, 'k']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^pywatt-cache get: UNAUTHORIZED: [^\n]+\n$/);
    const down = await cli(['stats', `proxy+tcp://:${TOKEN}@127.0.0.1:${await freePort()}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^pywatt-cache stats: CONNECTION: [^\n]+\n$/);
    const shown = await cli(['stats', `proxy+tcp://:${TOKEN}@127.0.0.1:${proxyPort}`]);
    expect(shown.stdout).toContain(`proxy+tcp://:***@127.0.0.1:${proxyPort} (proxy)`);
  });

  it('never printed the token in any run', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const { stdout, stderr } of outputs) {
      expect(stdout).not.toContain(TOKEN);
      expect(stderr).not.toContain(TOKEN);
    }
  });
});
