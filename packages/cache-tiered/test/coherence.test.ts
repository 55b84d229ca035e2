import type { CacheService } from '@pywatt/cache-core';
import { createRedisCache } from '@pywatt/cache-redis';
import { type CutRelay, startCutRelay } from '@pywatt/test-servers/cut-relay';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createRedisBus, createRedisTrackingBus, createTieredCache } from '../src/index.js';
import {
  bytes,
  closeAfterEach,
  counted,
  freshNamespace,
  heard,
  l1Figures,
  rawClient,
  sleep,
  text,
  tiered,
  waitFor,
} from './support/helpers.js';

const url = () => inject('redisUrl');
const port = () => Number(new URL(url()).port);
const track = closeAfterEach(afterEach);
/** A plain Redis cache on the same namespace: writes that no bus hears of. */
const rawWriter = async (namespace: string) =>
  track(await createRedisCache({ url: url(), namespace }));
const busUp = async (cache: CacheService) => (await l1Figures(cache)).busUp === 1;

describe('bus disconnected', () => {
  let proxy: CutRelay;
  const proxied = async () => {
    proxy = track(await startCutRelay(port()));
    return proxy;
  };

  it('empties L1 at once, reads go to L2 until the bus is back, then L1 serves again', async () => {
    const namespace = freshNamespace();
    const link = await proxied();
    const a = await tiered(url(), namespace, createRedisBus({ url: link.url }));
    track(a.cache);
    const writer = await rawWriter(namespace);
    await a.cache.set('k', bytes('v1'));
    expect(text(await a.cache.get('k'))).toBe('v1');
    expect(a.log.count('get')).toBe(0);

    link.cut();
    await waitFor('the bus to go down', async () => !(await busUp(a.cache)));
    expect((await l1Figures(a.cache)).l1Items, 'emptied at once').toBe(0);
    await writer.set('k', bytes('v2')); // an invalidation nobody can hear
    expect(text(await a.cache.get('k'))).toBe('v2');
    expect(text(await a.cache.get('k'))).toBe('v2');
    expect(a.log.count('get'), 'both reads went to L2, nothing was filled').toBe(2);
    await writer.set('k', bytes('v3'));

    link.restore();
    await waitFor('the bus to come back', () => busUp(a.cache));
    expect(text(await a.cache.get('k'))).toBe('v3');
    expect(text(await a.cache.get('k'))).toBe('v3');
    expect(a.log.count('get'), 'filled again once the bus is back').toBe(3);
  });

  for (const kind of ['pubsub', 'tracking'] as const) {
    it(`reports the ${kind} bus going down and coming back through on(), not the first join`, async () => {
      const namespace = freshNamespace();
      const link = await proxied();
      const bus =
        kind === 'pubsub'
          ? createRedisBus({ url: link.url })
          : createRedisTrackingBus({ url: link.url });
      const { cache } = await tiered(url(), namespace, bus);
      track(cache);
      const events: Array<[string, unknown]> = [];
      cache.on('busDisconnected', (event) => events.push(['busDisconnected', event]));
      cache.on('busReconnected', (event) => events.push(['busReconnected', event]));
      await cache.set('k', bytes('v'));
      expect(events, 'joining is not a reconnection').toEqual([]);

      link.cut();
      await waitFor('the bus to go down', async () => !(await busUp(cache)));
      link.restore();
      await waitFor('the bus to come back', () => busUp(cache));
      const source = { backend: 'redis', namespace, bus: kind };
      expect(events).toEqual([
        ['busDisconnected', source],
        ['busReconnected', source],
      ]);
    });
  }

  it('with maxStaleMs, L1 answers while the bus is down only until maxStaleMs, and never after it is back', async () => {
    const namespace = freshNamespace();
    const link = await proxied();
    const patient = await tiered(url(), namespace, createRedisBus({ url: link.url }), {
      maxStaleMs: 600_000,
    });
    const brief = await tiered(url(), namespace, createRedisBus({ url: link.url }), {
      maxStaleMs: 200,
    });
    track(patient.cache);
    track(brief.cache);
    const writer = await rawWriter(namespace);
    await writer.set('k', bytes('v1'));
    for (const { cache } of [patient, brief]) expect(text(await cache.get('k'))).toBe('v1');

    link.cut();
    await waitFor('both buses to go down', async () => {
      return !(await busUp(patient.cache)) && !(await busUp(brief.cache));
    });
    await writer.set('k', bytes('v2'));
    expect(text(await patient.cache.get('k')), 'within maxStaleMs: L1 answers').toBe('v1');
    await waitFor('the brief one to stop trusting L1', async () => {
      return text(await brief.cache.get('k')) === 'v2';
    });
    expect(await busUp(brief.cache), 'still down: it was maxStaleMs, not the bus').toBe(false);

    link.restore();
    await waitFor('the bus to come back', () => busUp(patient.cache));
    expect(text(await patient.cache.get('k')), 'L1 emptied when the bus came back').toBe('v2');
  });

  it('queues publishes while down and sends them when back: the other process then drops its copy', async () => {
    const namespace = freshNamespace();
    const link = await proxied();
    const bus = createRedisBus({ url: link.url, maxPublishWaitMs: 0 });
    const a = track((await tiered(url(), namespace, bus)).cache);
    const b = track((await tiered(url(), namespace, createRedisBus({ url: url() }))).cache);
    await a.set('k', bytes('v1'));
    await heard(b, 1);
    expect(text(await b.get('k'))).toBe('v1');

    link.cut();
    await waitFor('A bus to go down', async () => !(await busUp(a)));
    await a.set('k', bytes('v2')); // resolves at once (maxPublishWaitMs 0): the invalidation waits in A's queue
    expect(text(await b.get('k')), "B's bus is fine but has heard nothing yet").toBe('v1');

    link.restore();
    await waitFor('B to hear the queued invalidation', async () => text(await b.get('k')) === 'v2');
  });

  it('a write made while the publishing link is down resolves only once its invalidation reached Redis', async () => {
    const namespace = freshNamespace();
    const link = await proxied();
    const bus = createRedisBus({ url: link.url, maxPublishWaitMs: 600_000 });
    const a = track((await tiered(url(), namespace, bus)).cache);
    const b = track((await tiered(url(), namespace, createRedisBus({ url: url() }))).cache);
    const raw = track(rawClient(url()));
    await a.set('k', bytes('v1'));
    await heard(b, 1);
    expect(text(await b.get('k'))).toBe('v1');

    link.cut();
    await waitFor('A bus to go down', async () => !(await busUp(a)));
    let resolved = false;
    const writing = a.set('k', bytes('v2')).then(() => {
      resolved = true;
    });
    await waitFor('v2 to land in Redis', async () => (await raw.get(`${namespace}:k`)) === 'v2');
    // Landed, and B still answers v1 from its L1: acknowledging now would let B serve a
    // replaced value for as long as the link stays down.
    await sleep(200);
    expect(resolved, 'the write waits for its invalidation').toBe(false);
    expect(text(await b.get('k'))).toBe('v1');

    link.restore();
    await writing;
    await waitFor('B to hear the invalidation', async () => text(await b.get('k')) === 'v2');
  });
});

describe('a read racing an invalidation', () => {
  /** L2 whose get answers only when the test opens the gate (after really reading Redis). */
  async function gatedL2(namespace: string) {
    const service = await createRedisCache({ url: url(), namespace }); // closed by the tiered cache
    const { store, log } = counted(service);
    let open: () => void = () => undefined;
    let fetched: () => void = () => undefined;
    let gate: Promise<void> | undefined;
    const read = new Promise<void>((resolve) => {
      fetched = resolve;
    });
    const l2 = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'get' || gate === undefined)
          return Reflect.get(target, property, receiver);
        return async (key: string) => {
          const value = await target.get(key);
          fetched();
          await gate;
          return value;
        };
      },
    });
    return {
      l2,
      namespace,
      /** The L2 cache itself: its writes reach no bus. */
      service,
      log,
      hold() {
        gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        return read;
      },
      release() {
        open();
        gate = undefined;
      },
    };
  }

  /** B reads through a gated L2, A writes through its own bus; both have seen k = v1. */
  async function racingPair() {
    const namespace = freshNamespace();
    const gated = await gatedL2(namespace);
    const b = track(
      await createTieredCache({ l2: gated.l2, namespace, bus: createRedisBus({ url: url() }) }),
    );
    const a = track((await tiered(url(), namespace, createRedisBus({ url: url() }))).cache);
    await a.set('k', bytes('v1'));
    await heard(b, 1);
    return { gated, a, b };
  }

  for (const { race, act } of [
    {
      race: "another process's write",
      act: async (other: CacheService) => other.set('k', bytes('v2')),
    },
    { race: "another process's clear", act: async (other: CacheService) => other.clear() },
  ]) {
    it(`never fills L1 with the old value when ${race} lands meanwhile`, async () => {
      const { gated, a, b } = await racingPair();

      const fetched = gated.hold();
      const reading = b.get('k');
      await fetched; // B's read has its answer (v1) from Redis, not yet delivered
      await act(a);
      await heard(b, 2);
      gated.release();
      expect(text(await reading), 'the read began before the change').toBe('v1');
      const now = text(await b.get('k'));
      expect(now).toBe(text(await a.get('k')));
      expect(gated.log.count('get'), 'the second read went to L2').toBe(2);
    });
  }

  it('never fills L1 with the old value when a write of the same process lands meanwhile', async () => {
    const namespace = freshNamespace();
    const gated = await gatedL2(namespace);
    const b = track(await createTieredCache({ l2: gated.l2, namespace }));
    await b.set('k', bytes('v1'));
    await b.delete('k');
    await gated.service.set('k', bytes('v1'));
    const fetched = gated.hold();
    const reading = b.get('k');
    await fetched;
    await b.set('k', bytes('v2'));
    gated.release();
    expect(text(await reading)).toBe('v1');
    expect(text(await b.get('k'))).toBe('v2');
  });
  it('a miss shares a read in flight only if nothing invalidated the key since that read began', async () => {
    const { gated, a, b } = await racingPair();
    const fetched = gated.hold();
    const first = b.get('k');
    await fetched;
    const joiner = b.get('k');
    expect(gated.log.count('get'), 'the second miss shares the first read').toBe(1);
    await a.set('k', bytes('v2'));
    await heard(b, 2);
    const afterInvalidation = b.get('k');
    expect(gated.log.count('get'), 'a miss after the invalidation reads again').toBe(2);
    gated.release();
    const [one, two, three] = await Promise.all([first, joiner, afterInvalidation]);
    expect([text(one), text(two), text(three)]).toEqual(['v1', 'v1', 'v2']);
    expect(one).not.toBe(two);
    expect(text(await b.get('k'))).toBe('v2');
  });
});

describe('subscribe before serving', () => {
  it('the pub/sub subscription is confirmed when createTieredCache resolves', async () => {
    const channel = `sub-${freshNamespace()}`;
    const admin = track(rawClient(url()));
    for (let i = 1; i <= 3; i++) {
      const { cache } = await tiered(
        url(),
        freshNamespace(),
        createRedisBus({ url: url(), channel }),
      );
      track(cache);
      const [, subscribers] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
      expect(subscribers).toBe(i);
    }
  });

  for (const kind of ['pubsub', 'tracking'] as const) {
    it(`${kind}: a write made right after the cache resolved always reaches it`, async () => {
      const namespace = freshNamespace();
      const writer =
        kind === 'pubsub'
          ? track((await tiered(url(), namespace, createRedisBus({ url: url() }))).cache)
          : await rawWriter(namespace);
      for (let i = 0; i < 10; i++) {
        await writer.set('k', bytes(`old${i}`));
        const bus =
          kind === 'pubsub'
            ? createRedisBus({ url: url() })
            : createRedisTrackingBus({ url: url() });
        const { cache } = await tiered(url(), namespace, bus, { ttlMs: 600_000 });
        track(cache);
        expect(text(await cache.get('k'))).toBe(`old${i}`);
        await writer.set('k', bytes(`new${i}`));
        await waitFor('the invalidation', async () => text(await cache.get('k')) === `new${i}`);
      }
    });
  }
});

describe('clears and namespaces', () => {
  it('reach every process whose namespace they cover, overlapping namespaces included', async () => {
    const base = freshNamespace();
    const a = track((await tiered(url(), base, createRedisBus({ url: url() }))).cache);
    const b = track((await tiered(url(), `${base}:y`, createRedisBus({ url: url() }))).cache);
    await a.set('y:k', bytes('1'));
    await heard(b, 1);
    expect(text(await b.get('k'))).toBe('1');
    await a.set('y:k', bytes('2'));
    await waitFor('B to hear of y:k as k', async () => text(await b.get('k')) === '2');
    await a.clear('y');
    await waitFor('B to drop everything', async () => (await b.get('k')) === undefined);
    await a.set('y:k', bytes('3'));
    await waitFor('B to see 3', async () => text(await b.get('k')) === '3');
    await a.clear();
    await waitFor('B to drop everything again', async () => (await b.get('k')) === undefined);
  });

  it('a gap in a sender sequence (lost messages) empties L1', async () => {
    const namespace = freshNamespace();
    const channel = `gap-${namespace}`;
    const b = track(
      (await tiered(url(), namespace, createRedisBus({ url: url(), channel }), { ttlMs: 600_000 }))
        .cache,
    );
    const publisher = track(rawClient(url()));
    await b.set('k', bytes('v'));
    const send = async (seq: number) => {
      await publisher.publish(channel, JSON.stringify(['someone', seq, 'k', 'elsewhere:x']));
    };
    await send(1);
    await send(2);
    await heard(b, 2);
    expect((await l1Figures(b)).l1Items, 'in sequence: nothing of ours dropped').toBe(1);
    await send(4);
    await heard(b, 3);
    expect((await l1Figures(b)).l1Items, 'message 3 was lost: L1 emptied').toBe(0);
  });
});

describe('TTL', () => {
  it('an entry this process wrote never outlives its TTL in L1, even after an invalidation dropped and a read refilled it', async () => {
    const namespace = freshNamespace();
    const channel = `ttl-${namespace}`;
    const a = track(
      (await tiered(url(), namespace, createRedisBus({ url: url(), channel }), { ttlMs: 600_000 }))
        .cache,
    );
    const publisher = track(rawClient(url()));
    await a.set('k', bytes('v'), { ttlMs: 400 });
    // What the tracking bus does after every own write: an invalidation of the key.
    await publisher.publish(channel, JSON.stringify(['echo', 1, 'k', `${namespace}:k`]));
    await heard(a, 1);
    const refilled = text(await a.get('k'));
    expect(refilled === 'v' || refilled === undefined, 'refilled from L2, or expired').toBe(true);
    await waitFor('L2 to expire k', async () => {
      return (await publisher.exists(`${namespace}:k`)) === 0;
    });
    expect(await a.get('k')).toBeUndefined();
  });
});
