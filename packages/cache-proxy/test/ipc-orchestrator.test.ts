import { fork } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryCache } from '@pywatt/cache-memory';
import { describe, expect, it } from 'vitest';
import { startCacheServer } from '../src/index.js';
import { TOKENS } from './helpers/server-process.js';

const here = dirname(fileURLToPath(import.meta.url));

async function runModule(serialization: 'advanced' | 'json') {
  const cache = await createMemoryCache({});
  await cache.set('alpha:outside', Buffer.from('not yours'));
  const child = fork(join(here, 'fixtures', 'client-process.ts'), [], {
    cwd: join(here, '..'),
    execArgv: ['--import', 'tsx'],
    serialization,
    env: { ...process.env, PYWATT_CACHE_TOKEN: TOKENS.alpha },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const server = await startCacheServer({
    cache,
    listen: { ipc: child },
    auth: { tokens: [{ token: TOKENS.alpha, namespace: 'alpha' }] },
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const [code] = await once(child, 'exit');
  await server.close();
  const stored = await cache.get('alpha:mod:n');
  await cache.close();
  return { code, result: JSON.parse(out.trim()) as Record<string, unknown>, stored };
}

describe('the orchestrator serves a forked module over IPC', () => {
  it('serves bytes, counters and namespaces to the child, which exits by itself', async () => {
    const { code, result, stored } = await runModule('advanced');
    expect(code).toBe(0);
    expect(result).toEqual({ bin: [0, 255, 10, 13], counter: 41, other: null });
    expect(
      Buffer.from(stored!).toString(),
      "the child's keys live under token namespace + its own",
    ).toBe('41');
  }, 20_000);

  it("explains a channel forked without serialization: 'advanced'", async () => {
    const { code, result } = await runModule('json');
    expect(code).toBe(0);
    expect(result.code).toBe('CONNECTION');
    expect(String(result.message)).toContain("serialization: 'advanced'");
  }, 20_000);
});
