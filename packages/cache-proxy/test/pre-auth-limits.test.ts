import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { CacheError } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCache, startCacheServer } from '../src/index.js';
import { FrameKind } from '../src/protocol/constants.js';
import { writeHello } from '../src/protocol/messages.js';
import { Writer } from '../src/protocol/writer.js';
import { rawExchange, u32 } from './helpers/raw-client.js';
import { type ServerProcess, startServerProcess, TOKENS } from './helpers/server-process.js';

const MIB = 1024 * 1024;
let server: ServerProcess;
const dir = makeTempDir('proxy-pre-auth');
const socketPath = `${dir.path}/cache.sock`;

// The default maxFrameBytes (64 MiB): the bound under test is the one before authentication.
beforeAll(async () => {
  server = await startServerProcess({ listen: [{ socketPath }] });
}, 20_000);
afterAll(async () => {
  await server?.stop();
  dir.remove();
});

// A server that died (a zombie has no VmRSS) counts as unbounded growth.
const rssBytes = (pid: number): number => {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {}
  const line = status.match(/^VmRSS:\s+(\d+) kB/m);
  return line === null ? Number.POSITIVE_INFINITY : Number(line[1]) * 1024;
};

// Announces a 64 MiB frame before any HELLO, sends 1 MiB of it, and waits for the server to close.
const announceHugeFrame = (): Promise<{ socket: Socket; closed: Promise<void> }> =>
  new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.resume(); // read what the server sends, so its close is seen
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.once('connect', () => {
      socket.write(u32(64 * MIB));
      socket.write(Buffer.alloc(MIB, 0x61));
      resolve({ socket, closed });
    });
  });

describe('before authentication', () => {
  it('refuses a frame over the pre-HELLO cap with PROTOCOL, before allocating it', async () => {
    const seen = await rawExchange(socketPath, [u32(64 * MIB), Buffer.alloc(16)]);
    expect(seen.closedByServer).toBe(true);
    expect(seen.frames).toHaveLength(1);
    expect(seen.frames[0]).toMatchObject({ kind: FrameKind.FATAL, code: 'PROTOCOL' });
    expect((seen.frames[0] as { message: string }).message).toMatch(/before authentication/);
  });

  it('64 unauthenticated sockets announcing 64 MiB each grow the server RSS by less than 32 MiB', async () => {
    const pid = server.child.pid!;
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(pid));
    }, 20);
    const sockets = await Promise.all(Array.from({ length: 64 }, announceHugeFrame));
    // The server must close every one of them (with the fix at once; without it, at the handshake timeout).
    await Promise.all(sockets.map((s) => s.closed));
    clearInterval(sampler);
    peak = Math.max(peak, rssBytes(pid));
    expect(peak - before).toBeLessThan(32 * MIB);
  }, 20_000);

  it('still takes a HELLO with the longest namespace, and large frames after it', async () => {
    const w = new Writer();
    writeHello(w, 1, TOKENS.alpha, 'n'.repeat(256));
    const seen = await rawExchange(socketPath, [w.take()], 300);
    expect(seen.frames.map((f) => f.kind)).toEqual([FrameKind.WELCOME]);
    const cache = await createProxyCache({ transport: { socketPath }, token: TOKENS.alpha });
    await cache.set('big', new Uint8Array(4 * MIB));
    expect((await cache.get('big'))?.byteLength).toBe(4 * MIB);
    await cache.close();
  });
});

describe('socketPath', () => {
  it('leaves a regular file at the socket path alone and fails with CONFIGURATION naming the path', async () => {
    const cache = await createMemoryCache({});
    const path = `${dir.path}/not-a-socket`;
    writeFileSync(path, 'precious data');
    const error = await startCacheServer({
      cache,
      listen: { socketPath: path },
      auth: { tokens: [{ token: TOKENS.alpha, namespace: 'a' }] },
    }).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CONFIGURATION'), String(error)).toBe(true);
    expect((error as Error).message).toContain(path);
    expect(statSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('precious data');
    await cache.close();
  });
});
