import { statSync } from 'node:fs';
import { CacheError } from '@pywatt/cache-core';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCache, type ProxyCacheService } from '../src/index.js';
import { FrameKind, Op } from '../src/protocol/constants.js';
import { writeHello, writeRequest } from '../src/protocol/messages.js';
import { Writer } from '../src/protocol/writer.js';
import { rawExchange, u32 } from './helpers/raw-client.js';
import { type ServerProcess, startServerProcess, TOKENS } from './helpers/server-process.js';

const bytes = (s: string) => Buffer.from(s);
const text = (v: Uint8Array | undefined) =>
  v === undefined ? undefined : Buffer.from(v).toString();

let server: ServerProcess;
const dir = makeTempDir('proxy-sec');
const socketPath = `${dir.path}/cache.sock`;
const opened: ProxyCacheService[] = [];
const open = async (token: string, namespace?: string) => {
  const cache = await createProxyCache({
    transport: { socketPath },
    token,
    namespace,
    operationTimeoutMs: 3000,
  });
  opened.push(cache);
  return cache;
};

beforeAll(async () => {
  server = await startServerProcess({
    listen: [{ socketPath }],
    maxFrameBytes: 65536,
    handshakeTimeoutMs: 300,
    frameTimeoutMs: 300,
  });
}, 20_000);

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await server?.stop();
  dir.remove();
});

function frames(build: (w: Writer) => void): Buffer {
  const w = new Writer();
  build(w);
  return w.take();
}

describe('authentication', () => {
  it('creates the Unix socket with mode 0600', () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
  });

  it('rejects a wrong token with UNAUTHORIZED and closes the connection', async () => {
    const error = await createProxyCache({
      transport: { socketPath },
      token: 'wrong-token-0123456789',
    }).catch((e: unknown) => e);
    expect(CacheError.is(error, 'UNAUTHORIZED')).toBe(true);
    expect(String((error as Error).message)).not.toContain('wrong-token');
    const seen = await rawExchange(socketPath, [
      frames((w) => {
        writeHello(w, 1, 'wrong-token-0123456789', undefined);
        writeRequest(w, 1, Op.get, ['k']);
      }),
    ]);
    expect(seen.closedByServer).toBe(true);
    expect(seen.frames.map((f) => f.kind)).toEqual([FrameKind.FATAL]);
    expect(seen.frames[0]).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers no request sent before the handshake: PROTOCOL, then close', async () => {
    const seen = await rawExchange(socketPath, [frames((w) => writeRequest(w, 1, Op.ping, []))]);
    expect(seen.closedByServer).toBe(true);
    expect(seen.frames).toHaveLength(1);
    expect(seen.frames[0]).toMatchObject({ kind: FrameKind.FATAL, code: 'PROTOCOL' });
  });

  it('refuses another protocol version and closes silent connections after the handshake timeout', async () => {
    const other = await rawExchange(socketPath, [
      frames((w) => writeHello(w, 99, TOKENS.alpha, undefined)),
    ]);
    expect(other.frames[0]).toMatchObject({ kind: FrameKind.FATAL, code: 'PROTOCOL' });
    const silent = await rawExchange(socketPath, []);
    expect(silent.closedByServer).toBe(true);
    expect(silent.frames[0]).toMatchObject({ kind: FrameKind.FATAL, code: 'TIMEOUT' });
  });
});

describe('namespaces per token', () => {
  it("keeps two tokens apart: neither reads, clears nor locks the other's keys", async () => {
    const alpha = await open(TOKENS.alpha, 'app');
    const beta = await open(TOKENS.beta, 'app');
    await alpha.set('k', bytes('alpha'));
    expect(await beta.get('k')).toBeUndefined();
    await beta.set('k', bytes('beta'));
    expect(text(await alpha.get('k'))).toBe('alpha');
    const token = await alpha.lock('job', 60_000);
    expect(token).toBeDefined();
    expect(await beta.lock('job', 60_000), 'locks are per token').toBeDefined();
    expect(await beta.unlock('job', token!), "beta cannot free alpha's lock").toBe(false);
    await beta.clear();
    await beta.flush();
    expect(text(await alpha.get('k'))).toBe('alpha');
    expect(await alpha.increment('n', 5)).toBe(5);
    expect(await beta.increment('n')).toBe(1);
  });

  it('cannot leave its namespace whatever keys or namespace the client sends', async () => {
    const beta = await open(TOKENS.beta);
    await beta.set('secret', bytes('beta-only'));
    // alpha asking for namespace 'beta', or crafting keys that spell beta's, stays inside alpha.
    const sneaky = await open(TOKENS.alpha, 'beta');
    const plain = await open(TOKENS.alpha);
    expect(await sneaky.get('secret')).toBeUndefined();
    expect(await plain.get('beta:secret')).toBeUndefined();
    expect((await plain.getMany(['beta:secret', '../beta:secret', 'secret'])).size).toBe(0);
    await plain.clear('beta');
    await sneaky.clear();
    expect(text(await beta.get('secret'))).toBe('beta-only');
    // A raw client sending a key with the reserved U+0000 gets INVALID_KEY, not a lock key.
    const seen = await rawExchange(
      socketPath,
      [
        frames((w) => {
          writeHello(w, 1, TOKENS.alpha, undefined);
          writeRequest(w, 7, Op.get, ['\u0000lock:secret']);
          writeRequest(w, 8, Op.clear, ['']);
        }),
      ],
      300,
    );
    expect(seen.frames.slice(1)).toMatchObject([
      { kind: FrameKind.ERROR, id: 7, code: 'INVALID_KEY' },
      { kind: FrameKind.ERROR, id: 8, code: 'INVALID_ARGUMENT' },
    ]);
  });
});

describe('malformed input closes only that connection', () => {
  it('closes connections sending garbage, length 0, 2^32 - 1 or over-limit frames while another client keeps working', async () => {
    const good = await open(TOKENS.alpha, 'steady');
    const hello = frames((w) => writeHello(w, 1, TOKENS.alpha, undefined));
    const attacks: Buffer[][] = [
      [u32(0)],
      [u32(0xffffffff)],
      [u32(65537), Buffer.alloc(1024)],
      [hello, u32(0)],
      [hello, u32(0xffffffff), Buffer.alloc(16)],
      [hello, Buffer.from([0, 0, 0, 2, FrameKind.REQUEST, 1])],
      [hello, Buffer.from([0, 0, 0, 1, 42])],
    ];
    for (let i = 0; i < 150; i++) {
      const garbage = Buffer.from(
        Array.from({ length: 1 + ((i * 37) % 90) }, (_, j) => (i * 131 + j * 17) % 256),
      );
      attacks.push(i % 2 === 0 ? [garbage] : [hello, garbage]);
    }
    let round = 0;
    for (let start = 0; start < attacks.length; start += 20) {
      const batch = attacks.slice(start, start + 20);
      const results = await Promise.all(batch.map((chunks) => rawExchange(socketPath, chunks)));
      for (const seen of results) {
        expect(seen.closedByServer).toBe(true);
        const fatal = seen.frames.find((f) => f.kind === FrameKind.FATAL);
        expect(
          fatal === undefined || ['PROTOCOL', 'TIMEOUT'].includes((fatal as { code: string }).code),
        ).toBe(true);
      }
      await good.set(`r${round}`, bytes(String(round)));
      expect(text(await good.get(`r${round}`))).toBe(String(round));
      round++;
    }
    expect(round).toBeGreaterThan(5);
  }, 30_000);
});
