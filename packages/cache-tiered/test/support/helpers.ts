import type { CacheService, CacheStore, StoreCache } from '@pywatt/cache-core';
import { createRedisCache } from '@pywatt/cache-redis';
import { Redis } from 'ioredis';
import type { InvalidationBus } from '../../src/index.js';
import { createTieredCache, type L1Options, type TieredCache } from '../../src/index.js';

/** Waits `ms` milliseconds (only ever between polls of a condition). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bytes of a UTF-8 string. */
export const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
/** A value read back as text. */
export const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

let counter = 0;
/** A namespace no other test uses. */
export const freshNamespace = (): string =>
  `tier-${process.pid}-${Date.now().toString(36)}-${++counter}`;

/**
 * Waits until `check` returns true, polling; fails after `timeoutMs` (generous: the
 * machine may be loaded). Never assumes how fast anything is.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Counts the calls made to a real store's methods, by name (the keys of getMany too, without the namespace). */
export interface CallLog {
  readonly calls: Map<string, number>;
  readonly getManyBatches: string[][];
  count(method: string): number;
}

/** The store of a real cache, with every method call counted in the returned log. */
export function counted(cache: StoreCache): { store: CacheStore; log: CallLog } {
  const calls = new Map<string, number>();
  const getManyBatches: string[][] = [];
  const prefix = cache.keyPrefix;
  const store = new Proxy(cache.store, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function' || typeof property !== 'string') return member;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        if (property === 'getMany')
          getManyBatches.push((args[0] as string[]).map((key) => key.slice(prefix.length)));
        return member.apply(target, args);
      };
    },
  });
  return { store, log: { calls, getManyBatches, count: (m) => calls.get(m) ?? 0 } };
}

/** A tiered cache over a fresh Redis L2 connection on `url`, with `bus`; `log` counts L2 store calls. */
export async function tiered(
  url: string,
  namespace: string,
  bus: InvalidationBus | undefined,
  l1: L1Options = {},
): Promise<{ cache: TieredCache; log: CallLog }> {
  const l2 = await createRedisCache({ url, namespace });
  const { store, log } = counted(l2);
  try {
    return { cache: await createTieredCache({ l2: store, namespace, l1, bus }), log };
  } catch (error) {
    await l2.close();
    throw error;
  }
}

/** L1 figures of a tiered cache. */
export async function l1Figures(cache: CacheService): Promise<Record<string, string | number>> {
  return (await cache.stats()).backend;
}

/** Waits until `cache` has applied at least `count` invalidations from its bus. */
export async function heard(cache: CacheService, count: number): Promise<void> {
  await waitFor(`${count} invalidations`, async () => {
    return ((await l1Figures(cache)).busInvalidations as number) >= count;
  });
}

/**
 * Registers an afterEach that closes, newest first, everything passed to the
 * returned `track` during the test.
 */
export function closeAfterEach(
  afterEach: (body: () => Promise<void>) => void,
): <T extends { close(): Promise<unknown> }>(thing: T) => T {
  let open: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    const closing = open.reverse();
    open = [];
    for (const thing of closing) await thing.close();
  });
  return (thing) => {
    open.push(thing);
    return thing;
  };
}

/** A raw ioredis client, as any other program on the server; `close()` disconnects it. */
export function rawClient(url: string): Redis & { close(): Promise<void> } {
  const client = new Redis(url) as Redis & { close(): Promise<void> };
  client.close = async () => client.disconnect();
  return client;
}
