import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startMemcached } from '@pywatt/test-servers/memcached';
import { isPortFree, type ServerHandle } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';
import { dumpServerKeys } from './server-keys.js';

// Issue 20: libmemcached (Debian's python3-pylibmc, `ketama_weighted`) and this client agree on
// where every key lives, and in interop mode they read each other's items.
const run = promisify(execFile);
const peer = fileURLToPath(new URL('./fixtures/pylibmc-peer.py', import.meta.url));
// Debian's interpreter, which python3-pylibmc installs into (a pyenv python3 on PATH has no pylibmc).
const python = '/usr/bin/python3';
const N = 10_000;
const ALIASES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

async function pylibmc(servers: string[], command: string, prefix: string, count: number) {
  const { stdout } = await run(python, [peer, servers.join(','), command, prefix, String(count)], {
    maxBuffer: 1 << 20,
  }).catch((error: { stderr?: string }) => {
    throw new Error(
      `pylibmc peer failed (install Debian's python3-pylibmc: apt-get install -y python3-pylibmc): ${error.stderr ?? error}`,
    );
  });
  return stdout.trim();
}

const setups: Array<{ name: string; start: () => Promise<ServerHandle[]>; weights: number[] }> = [
  {
    name: 'three servers on random ports',
    start: () => Promise.all([startMemcached(), startMemcached(), startMemcached()]),
    weights: [1, 1, 1],
  },
  {
    name: 'three servers on 127.0.0.2–127.0.0.4 port 11211 (libmemcached drops the port from names)',
    start: async () => {
      for (const host of ALIASES)
        if (!(await isPortFree(11211, host)))
          throw new Error(`${host}:11211 is taken; this case needs it free (loopback only)`);
      return Promise.all(ALIASES.map((host) => startMemcached({ host, port: 11211 })));
    },
    weights: [1, 1, 1],
  },
  {
    name: 'three weighted servers (1, 2, 3) on random ports',
    start: () => Promise.all([startMemcached(), startMemcached(), startMemcached()]),
    weights: [1, 2, 3],
  },
];

describe.each(setups)('with libmemcached over $name', ({ start, weights }) => {
  let servers: ServerHandle[] = [];
  let specs: string[] = [];
  const opened: MemcachedCache[] = [];
  beforeAll(async () => {
    servers = await start();
    specs = servers.map((s, i) => `${s.host}:${s.port}${weights[i] === 1 ? '' : `:${weights[i]}`}`);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });
  const open = async (namespace: string, interop: boolean) => {
    // Timing is not what this tests, and 10,000 keys on a loaded machine can take a while.
    const cache = await createMemcachedCache({
      servers: specs,
      namespace,
      interop,
      operationTimeoutMs: 10_000,
    });
    opened.push(cache);
    return cache;
  };
  const keys = (prefix: string) => Array.from({ length: N }, (_, i) => `${prefix}${i}`);

  it(`interop mode reads all ${N} keys pylibmc wrote`, async () => {
    const cache = await open('py2js', true);
    expect(await pylibmc(specs, 'write', 'py2js:k', N)).toBe('ok');
    const found = await cache.getMany(keys('k'));
    expect(found.size).toBe(N);
    for (let i = 0; i < N; i++)
      expect(Buffer.from(found.get(`k${i}`)!).toString(), `k${i}`).toBe(`py${i}`);
  });

  it(`pylibmc reads all ${N} keys interop mode wrote`, async () => {
    const cache = await open('js2py', true);
    await cache.setMany(keys('k').map((k, i) => [k, Buffer.from(`js${i}`)]));
    expect(JSON.parse(await pylibmc(specs, 'read', 'js2py:k', N))).toEqual({ found: N, wrong: [] });
  });

  it('in the default mode every key sits on the server libketama picks for its namespaced key', async () => {
    const count = 3000;
    const cache = await open('placed', false);
    await cache.setMany(
      keys('k')
        .slice(0, count)
        .map((k) => [k, Buffer.from('v')]),
    );
    // pylibmc stores the namespaced key itself: the server it lands on is libketama's pick.
    expect(await pylibmc(specs, 'write', 'placed:k', count)).toBe('ok');
    const picked = new Map<string, number>();
    const ours = new Map<string, number>();
    // A dump can skip a slab class memcached's own crawler is busy with: dump until all showed up.
    for (let attempt = 0; attempt < 20 && (picked.size < count || ours.size < count); attempt++) {
      const dumps = await Promise.all(servers.map((s) => dumpServerKeys(`${s.host}:${s.port}`)));
      dumps.forEach((dump, server) => {
        for (const wire of dump) {
          const tokenised = /~(placed:k[0-9]+)$/.exec(wire);
          if (tokenised !== null) ours.set(tokenised[1] as string, server);
          else if (wire.startsWith('placed:k')) picked.set(wire, server);
        }
      });
    }
    expect(picked.size).toBe(count);
    expect(ours.size).toBe(count);
    const misplaced = [...ours].filter(([key, server]) => picked.get(key) !== server);
    expect(misplaced.slice(0, 5)).toEqual([]);
    expect(new Set(ours.values()).size, 'every server holds some').toBe(3);
  });
});
