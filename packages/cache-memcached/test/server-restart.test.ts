import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMemcached } from '@pywatt/test-servers/memcached';
import type { ServerHandle } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedCache, type MemcachedCache } from '../src/index.js';

// Issue 15 #3: generation tokens cached before a restart must not address writes after it.
// generationCacheMs is long here so that the stale cache cannot simply expire during the test.
const LONG_CACHE_MS = 60_000;
const worker = fileURLToPath(new URL('./fixtures/increment-worker.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

let servers: ServerHandle[] = [];
const opened: MemcachedCache[] = [];
const children: ChildProcess[] = [];
const addresses = () => servers.map((s) => `${s.host}:${s.port}`);
let counter = 0;
const fresh = () => `restart-${process.pid}-${Date.now()}-${++counter}`;

beforeAll(async () => {
  servers = await Promise.all([startMemcached(), startMemcached()]);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(opened.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
});

async function open(namespace: string, generationCacheMs: number): Promise<MemcachedCache> {
  const cache = await createMemcachedCache({
    servers: addresses(),
    namespace,
    generationCacheMs,
    operationTimeoutMs: 10_000,
  });
  opened.push(cache);
  return cache;
}

/** Restarts every server (a restart empties memcached) and waits until each answers again. */
async function restartAll(): Promise<void> {
  await Promise.all(servers.map((s) => s.restart()));
}

/** A child process running the increment worker; `next()` resolves with its next stdout line. */
function startWorker(namespace: string, generationCacheMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', worker, addresses().join(','), namespace, String(generationCacheMs)],
    { cwd: packageDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = async (): Promise<string> => {
    while (lines.length === 0) {
      const woken = new Promise<void>((resolve) => waiters.push(resolve));
      await Promise.race([woken, exited]);
      if (lines.length === 0 && child.exitCode !== null)
        throw new Error(`worker exited early: ${stderr}`);
    }
    return lines.shift() as string;
  };
  return {
    next,
    send: (line: string) => child.stdin?.write(`${line}\n`),
  };
}

describe('a memcached restart (issue 15 #3)', () => {
  it('200 writes made at once right after a restart all read back, from this and a new client', async () => {
    const ns = fresh();
    const writer = await open(ns, LONG_CACHE_MS);
    const keys = Array.from({ length: 200 }, (_, i) => `item:${i}`);
    await writer.setMany(keys.map((k) => [k, Buffer.from('before')]));
    await restartAll();
    await Promise.all(keys.map((k) => writer.setString(k, `after ${k}`)));
    const reader = await open(ns, 0);
    const seen = await reader.getMany(keys);
    expect(seen.size, 'every write after the restart reads back from a new client').toBe(200);
    for (const k of keys) expect(Buffer.from(seen.get(k)!).toString()).toBe(`after ${k}`);
    expect((await writer.getMany(keys)).size, 'and from the writer').toBe(200);
  });

  it('two processes incrementing one key across a restart keep an exact count', async () => {
    const ns = fresh();
    // One process caches its tokens for long, the other reads them on every operation.
    const a = startWorker(ns, LONG_CACHE_MS);
    const b = startWorker(ns, 0);
    expect(await a.next()).toBe('ready');
    expect(await b.next()).toBe('ready');
    a.send('go 50');
    b.send('go 50');
    const before = [...JSON.parse(await a.next()), ...JSON.parse(await b.next())] as number[];
    expect(new Set(before).size).toBe(100);
    await restartAll();
    // A restarted memcached is empty: the count starts again from zero, in both processes.
    a.send('go 200');
    b.send('go 200');
    const after = [...JSON.parse(await a.next()), ...JSON.parse(await b.next())] as number[];
    a.send('exit');
    b.send('exit');
    expect(new Set(after).size, 'every result handed out exactly once').toBe(400);
    expect(Math.max(...after)).toBe(400);
    const reader = await open(ns, 0);
    expect(await reader.getString('counter')).toBe('400');
  });
});
