import { CacheError } from '@pywatt/cache-core';
import { createMemoryCache } from '@pywatt/cache-memory';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyCache, startCacheServer } from '../src/index.js';
import { FrameKind, Op } from '../src/protocol/constants.js';
import { writeHello, writeRequest } from '../src/protocol/messages.js';
import { Writer } from '../src/protocol/writer.js';
import { rawExchange } from './helpers/raw-client.js';
import { type ServerProcess, startServerProcess, TOKENS } from './helpers/server-process.js';

let server: ServerProcess;
const dir = makeTempDir('proxy-limits');
const socketPath = `${dir.path}/cache.sock`;

beforeAll(async () => {
  server = await startServerProcess({
    listen: [{ socketPath }],
    maxInFlight: 2,
    maxFrameBytes: 65536,
    slowMs: 30,
    idleTimeoutMs: 300,
  });
}, 20_000);
afterAll(async () => {
  await server?.stop();
  dir.remove();
});

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return CacheError.is(error) ? error.code : `raw ${String(error)}`;
  }
  return 'resolved';
};

describe('limits', () => {
  it('queues beyond the server maxInFlight on the client, so every request still succeeds', async () => {
    const cache = await createProxyCache({ transport: { socketPath }, token: TOKENS.alpha });
    await cache.set('slow:k', Buffer.from('v'));
    const values = await Promise.all(Array.from({ length: 40 }, () => cache.get('slow:k')));
    expect(values.every((v) => Buffer.from(v!).toString() === 'v')).toBe(true);
    await cache.close();
  }, 15_000);

  it('refuses requests past maxInFlight with CAPACITY_EXCEEDED without running them', async () => {
    const w = new Writer();
    writeHello(w, 1, TOKENS.alpha, undefined);
    for (let id = 1; id <= 5; id++) writeRequest(w, id, Op.get, ['slow:x']);
    const seen = await rawExchange(socketPath, [w.take()], 500);
    const answers = seen.frames.filter((f) => f.kind !== FrameKind.WELCOME);
    expect(
      answers.filter((f) => f.kind === FrameKind.ERROR && f.code === 'CAPACITY_EXCEEDED'),
    ).toHaveLength(3);
    expect(answers.filter((f) => f.kind === FrameKind.RESULT)).toHaveLength(2);
  });

  it('closes an authenticated connection that stays idle, and the client reconnects on its next call', async () => {
    const w = new Writer();
    writeHello(w, 1, TOKENS.alpha, undefined);
    const seen = await rawExchange(socketPath, [w.take()], 10_000);
    expect(seen.closedByServer).toBe(true);
    expect(seen.frames.map((f) => f.kind)).toEqual([FrameKind.WELCOME]);
    const cache = await createProxyCache({ transport: { socketPath }, token: TOKENS.alpha });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await cache.set('after-idle', Buffer.from('ok'));
    expect(Buffer.from((await cache.get('after-idle'))!).toString()).toBe('ok');
    await cache.close();
  }, 15_000);

  it('rejects a request over maxFrameBytes with VALUE_TOO_LARGE and keeps the connection', async () => {
    const cache = await createProxyCache({ transport: { socketPath }, token: TOKENS.alpha });
    expect(await codeOf(cache.set('big', new Uint8Array(70_000)))).toBe('VALUE_TOO_LARGE');
    await cache.set('small', new Uint8Array(60_000));
    expect((await cache.get('small'))?.byteLength).toBe(60_000);
    await cache.close();
  });
});

describe('configuration', () => {
  it('rejects bad server options with CONFIGURATION naming the problem', async () => {
    const cache = await createMemoryCache({});
    const tokens = [{ token: TOKENS.alpha, namespace: 'a' }];
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ listen: { host: '0.0.0.0', port: 0 }, auth: { tokens } }, /loopback/],
      [
        {
          listen: { socketPath: `${dir.path}/x.sock` },
          auth: { tokens: [{ token: 'short', namespace: 'a' }] },
        },
        /16 characters/,
      ],
      [
        {
          listen: { socketPath: `${dir.path}/x.sock` },
          auth: { tokens: [...tokens, { token: TOKENS.beta, namespace: 'a:b' }] },
        },
        /inside namespace/,
      ],
      [
        { listen: { socketPath: `${dir.path}/x.sock` }, auth: { tokens }, maxInFlight: 0 },
        /maxInFlight/,
      ],
      [
        { listen: { socketPath: `${dir.path}/x.sock` }, auth: { tokens }, colour: 'red' },
        /unknown option 'colour'/,
      ],
      [{ listen: [], auth: { tokens } }, /at least one/],
      [{ listen: { socketPath }, auth: { tokens } }, /another server is listening/],
    ];
    for (const [options, message] of cases) {
      const error = await startCacheServer({ cache, ...options } as never).catch((e: unknown) => e);
      expect(CacheError.is(error, 'CONFIGURATION'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    const plain = { type: 'memory', get: async () => undefined } as never;
    const error = await startCacheServer({
      cache: plain,
      listen: { socketPath: `${dir.path}/y.sock` },
      auth: { tokens },
    }).catch((e: unknown) => e);
    expect(CacheError.is(error, 'CONFIGURATION')).toBe(true);
    await cache.close();
  });

  it('rejects bad client configs with CONFIGURATION, and unreachable servers with CONNECTION', async () => {
    for (const config of [
      { transport: 'pigeon', token: TOKENS.alpha },
      { transport: { socketPath }, token: TOKENS.alpha, operationTimeoutMs: 0 },
      { transport: { socketPath }, token: TOKENS.alpha, extra: 1 },
      { transport: { socketPath } },
    ]) {
      expect(await codeOf(createProxyCache(config as never))).toBe('CONFIGURATION');
    }
    const missing = createProxyCache({
      transport: { socketPath: `${dir.path}/none.sock` },
      token: TOKENS.alpha,
      operationTimeoutMs: 200,
    });
    expect(await codeOf(missing)).toBe('CONNECTION');
  });
});
