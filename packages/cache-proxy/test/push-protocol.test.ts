import { CacheError } from '@pywatt/cache-core';
import { MemoryStore } from '@pywatt/cache-memory';
import { createTieredCache } from '@pywatt/cache-tiered';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CacheServer,
  createProxyBus,
  createProxyCache,
  type ProxyCacheService,
  startCacheServer,
} from '../src/index.js';
import { FrameKind, Op } from '../src/protocol/constants.js';
import { FrameDecoder } from '../src/protocol/frame-decoder.js';
import {
  type Frame,
  readFrame,
  writeHello,
  writeRequest,
  writeWelcome,
} from '../src/protocol/messages.js';
import { writePush } from '../src/protocol/push-frame.js';
import { writeValue } from '../src/protocol/values.js';
import { Writer } from '../src/protocol/writer.js';
import { startFakeServer } from './helpers/fake-server.js';
import { type RawConnection, rawConnect } from './helpers/raw-connection.js';
import { DEFAULT_GRANTS, TOKENS } from './helpers/server-process.js';

const dir = makeTempDir('proxy-push');
const socketPath = `${dir.path}/cache.sock`;
const store = new MemoryStore({});
let server: CacheServer;
const opened: Array<ProxyCacheService | RawConnection> = [];

beforeAll(async () => {
  server = await startCacheServer({
    cache: store,
    auth: { tokens: DEFAULT_GRANTS },
    listen: { socketPath },
    idleTimeoutMs: 300,
  });
});
afterAll(async () => {
  for (const c of opened) await c.close();
  await server.close();
  await store.close();
  dir.remove();
});

const client = async (namespace?: string, token: string = TOKENS.alpha) => {
  const c = await createProxyCache({ transport: { socketPath }, token, namespace });
  opened.push(c);
  return c;
};

/** A raw connection after its handshake; `push` asks for PUSH frames in HELLO. */
async function raw(push: boolean): Promise<{ c: RawConnection; welcome: Frame }> {
  const c = await rawConnect(socketPath);
  opened.push(c);
  c.send((w) => writeHello(w, 1, TOKENS.alpha, undefined, push ? { push: true } : undefined));
  const welcome = await c.next((f) => f.kind === FrameKind.WELCOME);
  return { c, welcome };
}

let nextId = 1;
async function request(c: RawConnection, op: number, args: Parameters<typeof writeRequest>[3]) {
  const id = nextId++;
  c.send((w) => writeRequest(w, id, op, args));
  return c.next((f) => (f.kind === FrameKind.RESULT || f.kind === FrameKind.ERROR) && f.id === id);
}

const pushes = (c: RawConnection) => c.frames.filter((f) => f.kind === FrameKind.PUSH);

describe('push protocol', () => {
  it('a subscriber hears every write in its scope, whoever made it: keys, prefixes, clears, in sequence, with the writer’s origin', async () => {
    const { c, welcome } = await raw(true);
    expect(welcome).toMatchObject({ info: { push: true, origin: expect.any(String) } });
    expect(await request(c, Op.subscribe, [['']])).toMatchObject({
      kind: FrameKind.RESULT,
      result: 0,
    });
    const writer = await client('ns');
    const origin = writer.store.origin;
    expect(origin).toEqual(expect.any(String));
    expect(origin).not.toBe((welcome as { info: { origin: string } }).info.origin);
    await writer.setString('k', 'v');
    await writer.setIfAbsent('k', Buffer.from('x')); // not stored: nothing changed, nothing pushed
    await writer.setMany(
      new Map([
        ['a', Buffer.from('1')],
        ['b', Buffer.from('2')],
      ]),
    );
    await writer.clear('p');
    await writer.flush();
    await (await client('ns', TOKENS.beta)).setString('k', 'another tenant');
    await writer.delete('k');
    await c.next((f) => f.kind === FrameKind.PUSH && f.seq === 5);
    expect(pushes(c)).toEqual([
      { kind: FrameKind.PUSH, seq: 1, origin, invalidation: { kind: 'keys', keys: ['ns:k'] } },
      {
        kind: FrameKind.PUSH,
        seq: 2,
        origin,
        invalidation: { kind: 'keys', keys: ['ns:a', 'ns:b'] },
      },
      { kind: FrameKind.PUSH, seq: 3, origin, invalidation: { kind: 'prefix', prefix: 'ns:p:' } },
      { kind: FrameKind.PUSH, seq: 4, origin, invalidation: { kind: 'prefix', prefix: 'ns:' } },
      { kind: FrameKind.PUSH, seq: 5, origin, invalidation: { kind: 'keys', keys: ['ns:k'] } },
    ]);
  });

  it('only subscribed prefixes are pushed; a clear of the whole token scope reaches every prefix as a clear of all', async () => {
    const { c } = await raw(true);
    await request(c, Op.subscribe, [['ns2:']]);
    await (await client('elsewhere')).setString('k', 'v');
    const writer = await client('ns2');
    await writer.setString('k', 'v');
    await (await client()).flush();
    await c.next((f) => f.kind === FrameKind.PUSH && f.seq === 2);
    expect(pushes(c).map((f) => f.kind === FrameKind.PUSH && f.invalidation)).toEqual([
      { kind: 'keys', keys: ['ns2:k'] },
      { kind: 'all' },
    ]);
  });

  it('an old-protocol client (HELLO without options) works unchanged and never receives a PUSH frame', async () => {
    const { c: old, welcome } = await raw(false);
    expect(welcome).toMatchObject({ kind: FrameKind.WELCOME, version: 1, info: { push: false } });
    const { c: subscriber } = await raw(true);
    await request(subscriber, Op.subscribe, [['']]);
    const writer = await client();
    for (let i = 0; i < 20; i++) {
      await writer.setString(`k${i}`, 'v');
      expect(await request(old, Op.set, [`old${i}`, Buffer.from('x'), 60_000])).toMatchObject({
        kind: FrameKind.RESULT,
      });
    }
    expect(await request(old, Op.get, ['k3'])).toMatchObject({ result: Buffer.from('v') });
    await request(old, Op.clear, [undefined]);
    await subscriber.next((f) => f.kind === FrameKind.PUSH && f.seq === 41);
    expect(
      old.frames.every((f) => f.kind === FrameKind.WELCOME || f.kind === FrameKind.RESULT),
    ).toBe(true);
    // Its subscribe is refused: push was not negotiated.
    expect(await request(old, Op.subscribe, [['']])).toMatchObject({
      kind: FrameKind.ERROR,
      code: 'INVALID_ARGUMENT',
    });
    expect(old.closed).toBe(false);
  });

  it('a subscribed connection is not closed as idle; an unsubscribed one is', async () => {
    const { c: subscriber } = await raw(true);
    await request(subscriber, Op.subscribe, [['idle:']]);
    const { c: quiet } = await raw(true);
    await quiet.whenClosed();
    expect(subscriber.closed).toBe(false);
    await (await client('idle')).setString('k', 'v');
    await subscriber.next((f) => f.kind === FrameKind.PUSH);
  });

  it('a write the backend failed is still pushed (it may have landed); a refused one is not', async () => {
    // A backend that fails on demand: a fault a real store cannot produce when asked.
    const failing = new MemoryStore({});
    const realSet = failing.set.bind(failing);
    failing.set = (key, value, ttlMs) =>
      key.includes('boom')
        ? Promise.reject(new CacheError('CONNECTION', 'backend went away'))
        : realSet(key, value, ttlMs);
    const path = `${dir.path}/failing.sock`;
    const other = await startCacheServer({
      cache: failing,
      auth: { tokens: DEFAULT_GRANTS },
      listen: { socketPath: path },
    });
    try {
      const subscriber = await rawConnect(path);
      opened.push(subscriber);
      subscriber.send((w) => writeHello(w, 1, TOKENS.alpha, undefined, { push: true }));
      await request(subscriber, Op.subscribe, [['']]);
      const writer = await createProxyCache({
        transport: { socketPath: path },
        token: TOKENS.alpha,
      });
      opened.push(writer);
      await expect(writer.setString('boom', 'v')).rejects.toMatchObject({ code: 'CONNECTION' });
      await writer.setString('n', 'not a number');
      await expect(writer.increment('n')).rejects.toMatchObject({ code: 'NOT_NUMERIC' });
      await writer.setString('last', 'v');
      await subscriber.next((f) => f.kind === FrameKind.PUSH && f.seq === 3);
      expect(pushes(subscriber).map((f) => f.kind === FrameKind.PUSH && f.invalidation)).toEqual([
        { kind: 'keys', keys: ['boom'] },
        { kind: 'keys', keys: ['n'] },
        { kind: 'keys', keys: ['last'] },
      ]);
    } finally {
      await other.close();
      await failing.close();
    }
  });

  it('refuses bad subscriptions with INVALID_ARGUMENT and keeps the connection', async () => {
    const { c } = await raw(true);
    const bad = [[], [[]], ['x'], [[1]], [Array(65).fill('p')], [['x'.repeat(1025)]]];
    for (const args of bad) {
      expect(await request(c, Op.subscribe, args as never)).toMatchObject({
        kind: FrameKind.ERROR,
        code: 'INVALID_ARGUMENT',
      });
    }
    expect(await request(c, Op.ping, [])).toMatchObject({ kind: FrameKind.RESULT });
  });
});

describe('hostile frames around PUSH', () => {
  const helloWith = (items: unknown[]) => (w: Writer) => {
    w.beginFrame(FrameKind.HELLO);
    writeValue(w, items as never);
    w.endFrame();
  };

  it('a PUSH frame from a client, before or after the handshake, is a protocol error', async () => {
    const early = await rawConnect(socketPath);
    opened.push(early);
    early.send((w) => {
      w.beginFrame(FrameKind.PUSH);
      writeValue(w, [1, 'x', 'a']);
      w.endFrame();
    });
    expect(await early.next((f) => f.kind === FrameKind.FATAL)).toMatchObject({ code: 'PROTOCOL' });
    await early.whenClosed();
    const { c } = await raw(true);
    c.send((w) => {
      w.beginFrame(FrameKind.PUSH);
      writeValue(w, [1, 'x', 'a']);
      w.endFrame();
    });
    expect(await c.next((f) => f.kind === FrameKind.FATAL)).toMatchObject({ code: 'PROTOCOL' });
    await c.whenClosed();
  });

  it('malformed HELLO options are refused with PROTOCOL; the 8 KiB pre-HELLO cap holds with options', async () => {
    const cases: unknown[][] = [
      [1, TOKENS.alpha, undefined, 'push'],
      [1, TOKENS.alpha, undefined, { push: 'yes' }],
      [1, TOKENS.alpha, undefined, null],
      [1, TOKENS.alpha, undefined, [true]],
      [1, TOKENS.alpha, undefined, { push: true }, 'extra'],
      [1, TOKENS.alpha, undefined, { push: true, padding: 'x'.repeat(9000) }],
    ];
    for (const hello of cases) {
      const c = await rawConnect(socketPath);
      opened.push(c);
      c.send(helloWith(hello));
      const fatal = await c.next((f) => f.kind === FrameKind.FATAL);
      expect(fatal).toMatchObject({ code: 'PROTOCOL' });
      await c.whenClosed();
    }
    // Unknown options are ignored (a later client may ask for more).
    const c = await rawConnect(socketPath);
    opened.push(c);
    c.send(helloWith([1, TOKENS.alpha, undefined, { push: true, later: 1 }]));
    expect(await c.next((f) => f.kind === FrameKind.WELCOME)).toMatchObject({
      info: { push: true },
    });
  });

  it('mutated PUSH, HELLO-with-options and WELCOME-with-origin payloads decode or fail with PROTOCOL, nothing else (6000 cases)', () => {
    const w = new Writer();
    writePush(w, 1, 'abc.1', { kind: 'keys', keys: ['a', 'bé'] });
    writePush(w, 2, 'abc.1', { kind: 'prefix', prefix: 'p:' });
    writePush(w, 3, 'abc.1', { kind: 'all' });
    writeHello(w, 1, TOKENS.alpha, 'ns', { push: true });
    writeWelcome(w, 1, { backend: 'm', maxFrameBytes: 9, maxInFlight: 1, origin: 'o', push: true });
    const stream = w.take();
    const payloads: Buffer[] = [];
    new FrameDecoder(1 << 20).push(stream, (p) => payloads.push(Buffer.from(p)));
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const payload = Buffer.from(payloads[i % payloads.length] as Buffer);
      for (let f = 0; f < 1 + Math.floor(random() * 3); f++)
        payload[1 + Math.floor(random() * (payload.length - 1))] = Math.floor(random() * 256);
      try {
        readFrame(payload);
      } catch (error) {
        expect(CacheError.is(error, 'PROTOCOL'), String(error)).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(1000);
  });

  it('fuzz: 300 mutated push sessions never crash the server or reach another connection', async () => {
    const { c: witness } = await raw(true);
    await request(witness, Op.subscribe, [['fuzz:']]);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const sessions: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const w = new Writer();
      writeHello(w, 1, TOKENS.alpha, 'fuzz', { push: true });
      writeRequest(w, 1, Op.subscribe, [['', 'a:']]);
      writeRequest(w, 2, Op.set, ['k', Buffer.from('v'), 1000]);
      w.beginFrame(FrameKind.PUSH);
      writeValue(w, [1, 'o', 'k', ['k']]);
      w.endFrame();
      const bytes = Buffer.from(w.take());
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      sessions.push(
        rawConnect(socketPath).then(async (c) => {
          c.sendRaw(bytes);
          await Promise.race([c.whenClosed(), new Promise((r) => setTimeout(r, 400))]);
          // Every frame decoded (rawConnect throws otherwise); a close before WELCOME came with FATAL.
          if (c.closed && !c.frames.some((f) => f.kind === FrameKind.WELCOME))
            expect(c.frames.at(-1)?.kind).toBe(FrameKind.FATAL);
          c.close();
        }),
      );
      if (sessions.length === 30) await Promise.all(sessions.splice(0));
    }
    await Promise.all(sessions);
    // The server still serves, and the witness (subscribed to fuzz:) is still connected.
    const writer = await client('fuzz');
    await writer.setString('after', 'ok');
    expect(await writer.getString('after')).toBe('ok');
    await witness.next(
      (f) =>
        f.kind === FrameKind.PUSH &&
        f.invalidation.kind === 'keys' &&
        f.invalidation.keys.includes('fuzz:after'),
    );
    expect(witness.closed).toBe(false);
  }, 60_000);
});

describe('against servers a real one cannot imitate', () => {
  it('a new client works with a server from before PUSH; the proxy bus fails with a clear PROTOCOL error', async () => {
    const v1 = await startFakeServer('v1');
    try {
      const l2 = await createProxyCache({
        transport: { host: '127.0.0.1', port: v1.port },
        token: TOKENS.alpha,
      });
      await l2.setString('k', 'v');
      expect(await l2.getString('k')).toBe('v');
      const error = await createTieredCache({ l2, bus: createProxyBus(l2) }).catch(
        (e: unknown) => e,
      );
      expect(CacheError.is(error) && error.code).toBe('PROTOCOL');
      expect(String((error as Error).message)).toMatch(/does not support pushed invalidations/);
      // The plain client is unaffected.
      expect(await l2.getString('k')).toBe('v');
      await l2.close();
    } finally {
      await v1.close();
    }
  });

  it('a sequence gap empties L1 (and a push for another key does not)', async () => {
    const fake = await startFakeServer('pushing');
    try {
      const l2 = await createProxyCache({
        transport: { host: '127.0.0.1', port: fake.port },
        token: TOKENS.alpha,
      });
      const bus = createProxyBus(l2);
      const cache = await createTieredCache({ l2, bus });
      await cache.setString('k', 'v');
      await cache.setString('j', 'w');
      expect(await cache.getString('k')).toBe('v');
      // Pushes travel on the bus's own connection: wait for their effect, never for a time.
      fake.push(1, { kind: 'keys', keys: ['j'] });
      for (let before = fake.gets; fake.gets === before; ) {
        expect(await cache.getString('j')).toBe('w');
        await new Promise((r) => setTimeout(r, 5));
      }
      const gets = fake.gets;
      expect(await cache.getString('k')).toBe('v');
      expect(fake.gets, 'a push for another key left k in L1').toBe(gets);
      fake.push(3, { kind: 'keys', keys: ['other'] });
      while (bus.gaps === 0) await new Promise((r) => setTimeout(r, 5));
      expect(await cache.getString('k')).toBe('v');
      expect(fake.gets, 'after the gap L1 was empty: the read went to L2').toBe(gets + 1);
      await cache.close();
    } finally {
      await fake.close();
    }
  });
});
