import { CacheError } from '@pywatt/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryCache, type InMemoryCache } from '../src/index.js';
import { KEYS } from './store-ops.js';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What a read gives per the contract, from the bytes the model holds. */
function modelText(bytes: Uint8Array): string | 'SERIALIZATION' {
  try {
    return strict.decode(bytes);
  } catch {
    return 'SERIALIZATION';
  }
}

function modelJson(bytes: Uint8Array): unknown {
  const text = modelText(bytes);
  if (text === 'SERIALIZATION') return text;
  try {
    return JSON.parse(text);
  } catch {
    return 'SERIALIZATION';
  }
}

async function outcome<T>(promise: Promise<T>): Promise<T | string> {
  try {
    return await promise;
  } catch (error) {
    return CacheError.is(error) ? error.code : `not a CacheError: ${String(error)}`;
  }
}

type Step =
  | { kind: 'set'; key: string; value: Uint8Array }
  | { kind: 'setString'; key: string; value: string }
  | { kind: 'setJson'; key: string; value: unknown }
  | { kind: 'get' | 'getString' | 'getJson' | 'delete'; key: string }
  | { kind: 'getAndSet'; key: string; value: Uint8Array };

const key = fc.constantFrom(...KEYS);
// Valid UTF-8 (with a BOM sometimes), invalid UTF-8, and text with lone surrogates.
// Lengths cross every copy path: on the V8 heap (≤ 64 bytes), Node's pool (< 4 KiB), memory of its own.
const bytesValue = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ minLength: 60, maxLength: 300 }),
  fc.integer({ min: 4090, max: 4200 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
  fc.string({ unit: 'binary', maxLength: 8 }).map(utf8),
  fc.string({ maxLength: 6 }).map((s) => utf8(`\ufeff${s}`)),
);
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 6 }),
  fc.constantFrom('a\ud800b', '\udc00', '42', '{"a":1}', 'null', '{oops'),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: bytesValue }),
  fc.record({ kind: fc.constant('setString' as const), key, value: text }),
  fc.record({ kind: fc.constant('setJson' as const), key, value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ kind: fc.constantFrom('get' as const, 'getString' as const), key }),
  fc.record({ kind: fc.constantFrom('getJson' as const, 'delete' as const), key }),
  fc.record({ kind: fc.constant('getAndSet' as const), key, value: bytesValue }),
);

/** Runs `steps` against the cache and a model holding each key's bytes; every read must agree. */
async function agree(cache: InMemoryCache, steps: Step[]): Promise<void> {
  const model = new Map<string, Uint8Array>();
  for (const s of steps) {
    const held = model.get(s.key);
    if (s.kind === 'set') {
      await cache.set(s.key, s.value);
      model.set(s.key, new Uint8Array(s.value));
      s.value.fill(0x41); // the caller's array changes afterwards: the cache must not
    } else if (s.kind === 'setString') {
      await cache.setString(s.key, s.value);
      model.set(s.key, utf8(s.value));
    } else if (s.kind === 'setJson') {
      await cache.setJson(s.key, s.value);
      model.set(s.key, utf8(JSON.stringify(s.value)));
    } else if (s.kind === 'getAndSet') {
      const old = await cache.getAndSet(s.key, s.value);
      expect(old === undefined ? undefined : [...old]).toEqual(held && [...held]);
      model.set(s.key, new Uint8Array(s.value));
    } else if (s.kind === 'delete') {
      expect(await cache.delete(s.key)).toBe(held !== undefined);
      model.delete(s.key);
    } else if (s.kind === 'get') {
      const got = await cache.get(s.key);
      expect(got === undefined ? undefined : [...got]).toEqual(held && [...held]);
      got?.fill(0x42); // only allowed to matter with copyValues: false, which the steps never mutate
    } else if (s.kind === 'getString') {
      expect(await outcome(cache.getString(s.key))).toEqual(held && modelText(held));
    } else {
      expect(await outcome(cache.getJson(s.key))).toEqual(held && modelJson(held));
    }
    let bytes = 0;
    for (const [k, v] of model) bytes += Buffer.byteLength(k) + v.byteLength;
    expect((await cache.stats()).memoryUsedBytes).toBe(bytes);
  }
}

describe('values keep the form they were given, and read back in every form', () => {
  it.each([
    ['copies', { decoded: 'copy' as const }],
    ['copies, decoded frozen', { decoded: 'frozen' as const }],
    // A byte bound measures strings as they are written (without one, when stats() asks).
    ['copies, bounded by bytes', { maxSizeBytes: 1_000_000 }],
  ])('matches a bytes-only model (%s), byte accounting included', async (_name, config) => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const cache = await createMemoryCache({ ...config, sweepIntervalMs: Infinity });
        await agree(cache, steps);
        await cache.close();
      }),
      { numRuns: 150 },
    );
  });

  it('matches the model with copyValues: false when callers leave their arrays alone', async () => {
    const untouched = step.filter((s) => s.kind !== 'set' && s.kind !== 'get');
    await fc.assert(
      fc.asyncProperty(fc.array(untouched, { maxLength: 60 }), async (steps) => {
        const cache = await createMemoryCache({ copyValues: false, sweepIntervalMs: Infinity });
        await agree(cache, steps);
        await cache.close();
      }),
      { numRuns: 100 },
    );
  });

  it('counts a string by its UTF-8 length, whichever form it is read in', async () => {
    const cache = await createMemoryCache({ maxSizeBytes: 1 + 6 });
    await cache.setString('k', '€€');
    expect((await cache.stats()).memoryUsedBytes).toBe(7);
    expect([...((await cache.get('k')) as Uint8Array)]).toEqual([...utf8('€€')]);
    expect(await cache.getString('k')).toBe('€€');
    expect((await cache.stats()).memoryUsedBytes).toBe(7);
    await expect(cache.setString('k', '€€a')).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
    expect(await cache.getString('k')).toBe('€€');
    await cache.close();
  });

  it('checks maxValueBytes against the UTF-8 length of a string', async () => {
    const cache = await createMemoryCache({ maxValueBytes: 6 });
    await cache.setString('k', '€€');
    await expect(cache.setString('k', '€€a')).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
    await expect(cache.setJson('k', 'ab€€')).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
    expect(await cache.getString('k')).toBe('€€');
    await cache.close();
  });

  it('hands out fresh bytes for a string entry with copies, and keeps them without', async () => {
    const copies = await createMemoryCache();
    await copies.setString('k', 'abc');
    const first = (await copies.get('k')) as Uint8Array;
    first.fill(0);
    expect(await copies.getString('k')).toBe('abc');
    expect(await copies.get('k')).not.toBe(await copies.get('k'));
    await copies.close();
    const shared = await createMemoryCache({ copyValues: false });
    await shared.setString('k', 'abc');
    expect(await shared.get('k')).toBe(await shared.get('k'));
    await shared.close();
  });
});

describe("decoded: 'frozen'", () => {
  it('parses once per entry and hands every reader the same deep-frozen value', async () => {
    const cache = await createMemoryCache({ decoded: 'frozen' });
    await cache.setJson('j', { list: [1, { x: 2 }], s: 'é' });
    const first = await cache.getJson<{ list: [number, { x: number }] }>('j');
    expect(await cache.getJson('j')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.list)).toBe(true);
    expect(Object.isFrozen(first?.list[1])).toBe(true);
    expect(() => {
      (first?.list[1] as { x: number }).x = 3;
    }).toThrow(TypeError);
    await cache.setJson('j', { list: [] });
    expect(await cache.getJson('j')).toEqual({ list: [] });
    expect(await cache.getJson('j')).not.toBe(first);
    await cache.set('j', utf8('[1]'));
    expect(await cache.getJson('j')).toEqual([1]);
    await cache.close();
  });

  it("is off by default: 'copy' parses on every read into a mutable value", async () => {
    const cache = await createMemoryCache();
    await cache.setJson('j', { a: 1 });
    const first = await cache.getJson<{ a: number }>('j');
    expect(await cache.getJson('j')).not.toBe(first);
    expect(Object.isFrozen(first)).toBe(false);
    expect((await cache.stats()).backend?.decoded).toBe('copy');
    await cache.close();
    await expect(createMemoryCache({ decoded: 'deep' as 'copy' })).rejects.toMatchObject({
      code: 'CONFIGURATION',
    });
  });
});
