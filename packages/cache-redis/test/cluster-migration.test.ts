import type { CacheError } from '@pywatt/cache-core';
import { type RedisCluster, startRedisCluster } from '@pywatt/test-servers/redis-cluster';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCache, type RedisCache } from '../src/index.js';
import { bytes, caught } from './helpers.js';

// A private cluster: moving a slot must not disturb the shared one other files use.
describe('cluster topology change under load', () => {
  let cluster: RedisCluster;
  let admins: Redis[];
  let cache: RedisCache;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admins = cluster.nodes.map((node) => new Redis(node.port, '127.0.0.1'));
    cache = await createRedisCache({
      cluster: { nodes: cluster.addresses },
      operationTimeoutMs: 3_000,
    });
  }, 60_000);

  afterAll(async () => {
    await cache?.close();
    for (const admin of admins ?? []) admin.disconnect();
    await cluster?.stop();
  });

  /** Moves `slot` from the master `from` to `to` the way redis-cli --cluster reshard does. */
  async function moveSlot(slot: number, from: number, to: number): Promise<void> {
    const source = admins[from] as Redis;
    const target = admins[to] as Redis;
    const sourceId = String(await source.call('CLUSTER', 'MYID'));
    const targetId = String(await target.call('CLUSTER', 'MYID'));
    await target.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId);
    await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    for (;;) {
      const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 20)) as string[];
      if (keys.length === 0) break;
      const port = cluster.nodes[to]?.port as number;
      await source.call('MIGRATE', '127.0.0.1', port, '', 0, 5_000, 'KEYS', ...keys);
    }
    // Target first, then source, then the others (the order redis-cli uses).
    await target.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
    await source.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
    for (const [i, admin] of admins.entries()) {
      if (i !== from && i !== to) await admin.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
    }
  }

  /** The index of the master that holds `slot` according to CLUSTER SLOTS. */
  async function ownerOf(slot: number): Promise<number> {
    const ranges = (await (admins[0] as Redis).call('CLUSTER', 'SLOTS')) as Array<
      [number, number, [string, number]]
    >;
    const range = ranges.find(([start, end]) => start <= slot && slot <= end);
    return cluster.nodes.findIndex((node) => node.port === range?.[2][1]);
  }

  it('MOVED/ASK storm: a slot moved back and forth while operations run; every operation succeeds, once', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `{moving}:${i}`);
    // Counters in the same slot: increments must neither fail nor apply twice while it moves.
    const counters = Array.from({ length: 10 }, (_, i) => `{moving}:n${i}`);
    await cache.setMany(keys.map((k) => [k, bytes('v0')]));
    const slot = Number(await (admins[0] as Redis).call('CLUSTER', 'KEYSLOT', keys[0] as string));
    const owner = async (): Promise<number> => {
      for (const [i, admin] of admins.entries()) {
        if (Number(await admin.call('CLUSTER', 'COUNTKEYSINSLOT', slot)) > 0) return i;
      }
      throw new Error('no master holds the slot');
    };
    const first = await owner();
    const other = (first + 1) % admins.length;

    type Outcome = 'ok' | CacheError;
    const outcomes: Outcome[][] = [];
    const misses: string[] = [];
    let moving = true;
    let n = 0;
    let increments = 0;
    const worker = async (): Promise<void> => {
      while (moving) {
        const i = n++;
        const key = keys[i % keys.length] as string;
        const seen: Outcome[] = [];
        outcomes.push(seen);
        try {
          switch (i % 5) {
            case 0: {
              const value = await cache.get(key);
              if (value === undefined) misses.push(key);
              break;
            }
            case 1:
              await cache.set(key, bytes(`v${i}`));
              break;
            case 2: {
              const found = await cache.getMany(keys.slice(0, 10));
              for (const k of keys.slice(0, 10)) if (!found.has(k)) misses.push(k);
              break;
            }
            case 3:
              await cache.exists(key);
              break;
            default:
              await cache.increment(counters[i % counters.length] as string, 1);
              increments++;
          }
          seen.push('ok');
        } catch (error) {
          seen.push(error as CacheError);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 50 }, worker));
    await moveSlot(slot, first, other);
    await moveSlot(slot, other, first);
    await moveSlot(slot, first, other);
    moving = false;
    await load;

    // Every operation succeeded, and settled once. A command the server refused with
    // ASK/MOVED/TRYAGAIN (not run) that the auto-pipeline did not follow, because other
    // commands of its batch got other replies, was re-sent alone (src/redirect.ts).
    expect(outcomes.length).toBeGreaterThan(0);
    for (const seen of outcomes) expect(seen).toHaveLength(1);
    const failures = outcomes
      .map((seen) => seen[0])
      .filter((outcome) => outcome !== 'ok')
      .map((error) => `${error?.code}: ${error?.message}`);
    expect(failures).toEqual([]);
    // No increment lost or applied twice (a redirected EVALSHA had not run).
    const totals = await cache.getMany(counters);
    let total = 0;
    for (const value of totals.values()) total += Number(Buffer.from(value).toString());
    expect(total).toBe(increments);
    // Keys move atomically (MIGRATE) and redirections are followed: no key ever looked absent.
    expect(misses).toEqual([]);
    // The topology settled: everything is readable on the slot's new owner.
    expect(await owner()).toBe(other);
    const after = await cache.getMany(keys);
    expect(after.size).toBe(keys.length);
  }, 60_000);

  it('mid-migration, a read batched with a redirected command still gets the source node its answer', async () => {
    // {split}:a stays on the source, {split}:b has moved to the importing node. Read together
    // (one batch to the source), a answers there and b answers ASK.
    const [a, b] = ['{split}:a', '{split}:b'];
    await cache.setMany([
      [a, bytes('A')],
      [b, bytes('B')],
    ]);
    const slot = Number(await (admins[0] as Redis).call('CLUSTER', 'KEYSLOT', a));
    const from = await ownerOf(slot);
    const to = (from + 1) % admins.length;
    const source = admins[from] as Redis;
    const target = admins[to] as Redis;
    await target.call(
      'CLUSTER',
      'SETSLOT',
      slot,
      'IMPORTING',
      String(await source.call('CLUSTER', 'MYID')),
    );
    await source.call(
      'CLUSTER',
      'SETSLOT',
      slot,
      'MIGRATING',
      String(await target.call('CLUSTER', 'MYID')),
    );
    const port = cluster.nodes[to]?.port as number;
    await source.call('MIGRATE', '127.0.0.1', port, '', 0, 5_000, 'KEYS', b);
    try {
      for (let round = 0; round < 20; round++) {
        const [valueA, valueB, existsA, existsB] = await Promise.all([
          cache.get(a),
          cache.get(b),
          cache.exists(a),
          cache.exists(b),
        ]);
        expect(valueA?.toString()).toBe('A');
        expect(valueB?.toString()).toBe('B');
        expect([existsA, existsB]).toEqual([true, true]);
      }
    } finally {
      await moveSlot(slot, from, to);
    }
    expect((await cache.getMany([a, b])).size).toBe(2);
  }, 30_000);

  it('a redirection loop (MIGRATING with no IMPORTING node) ends in CONNECTION; nothing runs', async () => {
    const key = '{looping}:a';
    const slot = Number(await (admins[0] as Redis).call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await (admins[0] as Redis).call('CLUSTER', 'SLOTS')) as Array<
      [number, number, [string, number]]
    >;
    const range = ranges.find(([start, end]) => start <= slot && slot <= end);
    const from = cluster.nodes.findIndex((node) => node.port === range?.[2][1]);
    expect(from).toBeGreaterThanOrEqual(0);
    const source = admins[from] as Redis;
    const target = admins[(from + 1) % admins.length] as Redis;
    // The owner answers ASK for an absent key; the target, not importing, answers MOVED back.
    const targetId = String(await target.call('CLUSTER', 'MYID'));
    await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    try {
      for (const operation of [
        () => cache.get(key),
        () => cache.set(key, bytes('x')),
        () => cache.increment(key, 1),
      ]) {
        const error = await caught(operation());
        expect(error.code).toBe('CONNECTION');
        expect(error.message).toMatch(/redirect/);
        expect(error.retryable).toBe(true);
      }
    } finally {
      await source.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
    }
    // ASK and MOVED mean "not run": neither the set nor the increment happened.
    expect(await cache.get(key)).toBeUndefined();
  }, 30_000);
});
