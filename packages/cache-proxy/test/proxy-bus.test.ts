import { inspect } from 'node:util';
import { MemoryStore } from '@pywatt/cache-memory';
import { createTieredCache } from '@pywatt/cache-tiered';
import { type CutRelay, startCutRelay } from '@pywatt/test-servers/cut-relay';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CacheServer,
  createProxyBus,
  createProxyCache,
  type ProxyCacheService,
  startCacheServer,
} from '../src/index.js';
import { DEFAULT_GRANTS, TOKENS } from './helpers/server-process.js';
import { startTierPeer, type TierPeer } from './helpers/tier-peer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

describe('proxy bus: tiered caches in two processes over one cache server', () => {
  let server: CacheServer;
  let port: number;
  const store = new MemoryStore({});
  let peers: TierPeer[] = [];
  let plain: ProxyCacheService[] = [];
  let relays: CutRelay[] = [];
  let round = 0;

  beforeAll(async () => {
    server = await startCacheServer({
      cache: store,
      auth: { tokens: DEFAULT_GRANTS },
      listen: { host: '127.0.0.1', port: 0 },
    });
    port = (server.addresses[0] as { port: number }).port;
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });
  afterEach(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(plain.map((c) => c.close()));
    await Promise.all(relays.map((r) => r.close()));
    peers = [];
    plain = [];
    relays = [];
  });

  const namespace = () => `bus${++round}`;
  const peer = async (viaPort = port, ns?: string) => {
    const p = await startTierPeer(viaPort, TOKENS.alpha, ns);
    peers.push(p);
    return p;
  };
  const plainClient = async (ns: string | undefined) => {
    const c = await createProxyCache({
      transport: { host: '127.0.0.1', port },
      token: TOKENS.alpha,
      namespace: ns,
    });
    plain.push(c);
    return c;
  };
  const read = async (p: TierPeer, key: string) => {
    const reply = await p.ask<{ value: string | null }>({ op: 'get', key });
    expect(reply.error).toBeUndefined();
    return reply.value;
  };
  const l1Hits = async (p: TierPeer) => (await p.ask<{ l1Hits: number }>({ op: 'stats' })).l1Hits;

  it('a write in A: B’s next read returns the new value, every time (300 rounds, B reading from L1 in between)', async () => {
    const ns = namespace();
    const [a, b] = await Promise.all([peer(port, ns), peer(port, ns)]);
    for (let i = 0; i < 300; i++) {
      await a.ask({ op: 'set', key: 'k', value: `v${i}` });
      expect(await read(b, 'k')).toBe(`v${i}`);
      expect(await read(b, 'k')).toBe(`v${i}`);
    }
    // The second read of each round was an L1 hit: the test exercised L1, not only L2.
    expect(await l1Hits(b)).toBeGreaterThanOrEqual(300);
  }, 120_000);

  it('a write by a plain proxy client (no L1, no bus) invalidates B’s L1, set, delete and increment alike', async () => {
    const ns = namespace();
    const b = await peer(port, ns);
    const writer = await plainClient(ns);
    await writer.setString('k', 'old');
    expect(await read(b, 'k')).toBe('old');
    const hits = await l1Hits(b);
    expect(await read(b, 'k')).toBe('old');
    expect(await l1Hits(b)).toBe(hits + 1);
    await writer.setString('k', 'new');
    expect(await read(b, 'k')).toBe('new');
    await writer.delete('k');
    expect(await read(b, 'k')).toBeNull();
    await writer.setString('n', '1');
    expect(await read(b, 'n')).toBe('1');
    await writer.increment('n', 4);
    expect(await read(b, 'n')).toBe('5');
    await writer.setMany(new Map([['n', Buffer.from('9')]]));
    expect(await read(b, 'n')).toBe('9');
  }, 60_000);

  it('prefix and namespace clears, by a plain client or by A, reach B’s L1', async () => {
    const ns = namespace();
    const [a, b] = await Promise.all([peer(port, ns), peer(port, ns)]);
    const writer = await plainClient(ns);
    const fill = async () => {
      for (const key of ['p:1', 'p:2', 'q:1']) await writer.setString(key, `${key}!`);
      for (const key of ['p:1', 'p:2', 'q:1']) expect(await read(b, key)).toBe(`${key}!`);
    };
    await fill();
    await writer.clear('p');
    expect(await read(b, 'p:1')).toBeNull();
    expect(await read(b, 'p:2')).toBeNull();
    const hits = await l1Hits(b);
    expect(await read(b, 'q:1')).toBe('q:1!');
    expect(await l1Hits(b), 'outside the prefix, L1 still answers').toBe(hits + 1);
    await writer.flush();
    expect(await read(b, 'q:1')).toBeNull();

    await fill();
    await a.ask({ op: 'clear', prefix: 'q' });
    expect(await read(b, 'q:1')).toBeNull();
    expect(await read(b, 'p:1')).toBe('p:1!');
    await a.ask({ op: 'clear' });
    expect(await read(b, 'p:1')).toBeNull();
  }, 60_000);

  it('another namespace of the same token, or another token, never invalidates B (and never learns B’s keys)', async () => {
    const ns = namespace();
    const b = await peer(port, ns);
    const writer = await plainClient(ns);
    await writer.setString('k', 'mine');
    expect(await read(b, 'k')).toBe('mine');
    const other = await plainClient(`${ns}x`);
    await other.setString('k', 'theirs');
    await other.flush();
    const beta = await createProxyCache({
      transport: { host: '127.0.0.1', port },
      token: TOKENS.beta,
      namespace: ns,
    });
    plain.push(beta);
    await beta.setString('k', 'beta');
    await beta.flush();
    const hits = await l1Hits(b);
    expect(await read(b, 'k')).toBe('mine');
    expect(await l1Hits(b), 'B still answers k from L1').toBe(hits + 1);
  }, 60_000);

  it('killing B’s connection empties its L1 until the bus is back; no stale read in between', async () => {
    const ns = namespace();
    const relay = await startCutRelay(port);
    relays.push(relay);
    const a = await peer(port, ns);
    const b = await peer(relay.port, ns);
    await a.ask({ op: 'set', key: 'k', value: 'v1' });
    expect(await read(b, 'k')).toBe('v1');
    relay.cut();
    await waitFor(
      'B’s bus to go down',
      async () => !(await b.ask<{ up: boolean }>({ op: 'bus' })).up,
    );
    await a.ask({ op: 'set', key: 'k', value: 'v2' });
    // L2 is out of reach too: B must fail, never answer the v1 its L1 held.
    const during = await b.ask<{ value: string | null }>({ op: 'get', key: 'k' });
    expect(during.value).toBeUndefined();
    expect(during.code).toBe('CONNECTION');
    relay.restore();
    await waitFor(
      'B’s bus to be back',
      async () => (await b.ask<{ up: boolean }>({ op: 'bus' })).up,
    );
    // B's own L2 link reconnects on its next call; one made while the relay still refused
    // may fail once more with CONNECTION. Whatever B answers, it is never the v1 it held.
    const answers: Array<string | undefined> = [];
    await waitFor('B to read through L2 again', async () => {
      const reply = await b.ask<{ value: string | null }>({ op: 'get', key: 'k' });
      if (reply.error !== undefined) {
        expect(reply.code).toBe('CONNECTION');
        return false;
      }
      answers.push(reply.value ?? undefined);
      return true;
    });
    expect(answers).toEqual(['v2']);
    await a.ask({ op: 'set', key: 'k', value: 'v3' });
    expect(await read(b, 'k')).toBe('v3');
    const state = await b.ask<{ downs: number; ups: number; gaps: number }>({ op: 'bus' });
    expect(state.downs).toBeGreaterThanOrEqual(1);
    expect(state.ups).toBe(state.downs + 1);
    expect(state.gaps).toBe(0);
  }, 60_000);
});

describe('proxy bus in one process', () => {
  let server: CacheServer;
  const store = new MemoryStore({});
  const transport = { host: '127.0.0.1', port: 0 };

  beforeAll(async () => {
    server = await startCacheServer({
      cache: store,
      auth: { tokens: DEFAULT_GRANTS },
      listen: { host: '127.0.0.1', port: 0 },
    });
    transport.port = (server.addresses[0] as { port: number }).port;
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  const recorder = () => {
    const seen: unknown[] = [];
    const listener = {
      invalidate: (message: unknown) => void seen.push(message),
      down: () => void seen.push('down'),
      up: () => void seen.push('up'),
    };
    return { seen, listener };
  };

  it('refuses a member whose namespace is neither none nor the proxy cache’s (pushed keys would not match L1)', async () => {
    const l2 = await createProxyCache({ transport, token: TOKENS.alpha, namespace: 'app' });
    await expect(createProxyBus(l2).join(recorder().listener, 'other:')).rejects.toMatchObject({
      code: 'CONFIGURATION',
    });
    await l2.close();
    expect(() => createProxyBus({} as ProxyCacheService)).toThrow(/proxy cache/);
  });

  it('hands members keys in their own key space: the proxy cache’s keys, or with its namespace in front', async () => {
    const l2 = await createProxyCache({ transport, token: TOKENS.alpha, namespace: 'space' });
    const bus = createProxyBus(l2);
    const bare = recorder();
    const prefixed = recorder();
    const m1 = await bus.join(bare.listener, '');
    const m2 = await bus.join(prefixed.listener, 'space:');
    const writer = await createProxyCache({ transport, token: TOKENS.alpha, namespace: 'space' });
    await writer.setString('k', 'v');
    await writer.clear('p');
    await writer.flush();
    await waitFor('three pushes', async () => bus.received === 3);
    expect(bare.seen).toEqual([
      'up',
      { kind: 'keys', keys: ['k'] },
      { kind: 'prefix', prefix: 'p:' },
      { kind: 'all' },
    ]);
    expect(prefixed.seen).toEqual([
      'up',
      { kind: 'keys', keys: ['space:k'] },
      { kind: 'prefix', prefix: 'space:p:' },
      { kind: 'all' },
    ]);
    // A member's own message reaches the other members of the process as it is.
    await m1.publish({ kind: 'keys', keys: ['x'] });
    expect(prefixed.seen.at(-1)).toEqual({ kind: 'keys', keys: ['x'] });
    expect(bare.seen).toHaveLength(4);
    await m1.leave();
    await m2.leave();
    await writer.close();
    await l2.close();
  });

  it('a member joining right after the last one left while the bus was reconnecting is subscribed again', async () => {
    const relay = await startCutRelay(transport.port);
    const l2 = await createProxyCache({
      transport: { host: '127.0.0.1', port: relay.port },
      token: TOKENS.alpha,
      namespace: 'rejoin',
      operationTimeoutMs: 20_000,
    });
    const bus = createProxyBus(l2, { connectTimeoutMs: 10_000 });
    const first = recorder();
    const membership1 = await bus.join(first.listener, '');
    relay.cut();
    await waitFor('the bus to go down', async () => first.seen.includes('down'));
    relay.restore();
    // The subscribe loop of the old connection is still waiting when the new member joins.
    await membership1.leave();
    const second = recorder();
    const membership2 = await bus.join(second.listener, '');
    expect(second.seen).toEqual(['up']);
    await membership2.leave();
    await l2.close();
    await relay.close();
  });

  it('its own writes do not empty its own L1 (origin), and close() leaves no connection behind', async () => {
    const l2 = await createProxyCache({ transport, token: TOKENS.alpha, namespace: 'own' });
    const bus = createProxyBus(l2);
    const cache = await createTieredCache({ l2, bus });
    for (const shown of [
      inspect(l2, { depth: 10 }),
      inspect(bus, { depth: 10 }),
      inspect(cache, { depth: 10 }),
    ])
      expect(shown).not.toContain(TOKENS.alpha);
    await cache.setString('k', 'v');
    await waitFor('the push of our own write', async () => bus.received === 1);
    expect(await cache.getString('k')).toBe('v');
    expect((await cache.stats()).backend.l1Hits).toBe(1);
    await cache.close();
    await waitFor('the connections to close', async () => server.connectionCount === 0);
  });
});
