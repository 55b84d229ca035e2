import { bytes, type SuiteContext } from './context.js';

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined &&
  a.byteLength === b.byteLength &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

/** Values are bytes, returned exactly; keys follow the key rules. */
export function valueAndKeyCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;

  describe('values', () => {
    it('round-trips empty, binary and large values byte for byte', async () => {
      const cache = await ctx.cache();
      const binary = Uint8Array.from([
        0, 255, 254, 13, 10, 0xc3, 0x28, 0xed, 0xa0, 0x80, 13, 10, 0,
      ]);
      const large = new Uint8Array(ctx.caps.largeValueBytes);
      for (let i = 0; i < large.length; i++) large[i] = (i * 2654435761) >>> 24;
      const cases: Array<[string, Uint8Array]> = [
        ['empty', new Uint8Array(0)],
        ['binary', binary],
        ['text', bytes('héllo wörld ✓')],
        ['large', large],
      ];
      for (const [key, value] of cases) await cache.set(key, value);
      for (const [key, value] of cases) {
        const got = await cache.get(key);
        expect(got, key).toBeInstanceOf(Uint8Array);
        expect(same(got, value), `${key} came back different`).toBe(true);
      }
    });

    it('replaces a value, deletes it once, and reports existence without a value', async () => {
      const cache = await ctx.cache();
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.exists('k')).toBe(false);
      await cache.set('k', bytes('one'));
      await cache.set('k', bytes('two'));
      expect(same(await cache.get('k'), bytes('two'))).toBe(true);
      expect(await cache.exists('k')).toBe(true);
      expect(await cache.delete('k')).toBe(true);
      expect(await cache.delete('k')).toBe(false);
      expect(await cache.get('k')).toBeUndefined();
    });

    it('rejects values that are not bytes with INVALID_ARGUMENT and stores nothing', async () => {
      const cache = await ctx.cache();
      for (const bad of ['text', 42, null, undefined, { a: 1 }]) {
        await ctx.rejects(cache.set('k', bad as unknown as Uint8Array), 'INVALID_ARGUMENT');
      }
      expect(await cache.exists('k')).toBe(false);
    });

    it('keeps strings and JSON through the helpers, without prototype pollution', async () => {
      const cache = await ctx.cache();
      await cache.setString('s', 'héllo');
      expect(await cache.getString('s')).toBe('héllo');
      await cache.setJson('j', { a: [1, 'b', null], n: { x: true } });
      expect(await cache.getJson('j')).toEqual({ a: [1, 'b', null], n: { x: true } });
      await cache.set(
        'evil',
        bytes('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"ok":1}'),
      );
      const evil = await cache.getJson<Record<string, unknown>>('evil');
      expect(evil).toEqual({ ok: 1 });
      expect(Object.getPrototypeOf(evil)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await cache.set('bad-utf8', Uint8Array.from([0xff, 0xfe]));
      await ctx.rejects(cache.getString('bad-utf8'), 'SERIALIZATION');
      await ctx.rejects(
        cache.setJson('j', () => 1),
        'SERIALIZATION',
      );
    });
  });

  describe('keys', () => {
    it('stores awkward keys as distinct entries', async () => {
      const cache = await ctx.cache();
      const nfc = 'caf\u00e9';
      const nfd = 'cafe\u0301';
      const keys = [
        '__proto__',
        'constructor',
        'hasOwnProperty',
        'toString',
        'ключ',
        '🔑 emoji',
        nfc,
        nfd,
        'A',
        'a',
        'with space',
        'line\r\nbreak',
        'tab\there',
        'nul\u0000inside',
        '*?[]\\',
        'x'.repeat(1024),
        'é'.repeat(512),
        '../../etc/passwd',
        'CON',
      ];
      for (const [i, key] of keys.entries()) await cache.set(key, bytes(`v${i}`));
      for (const [i, key] of keys.entries()) {
        expect(
          same(await cache.get(key), bytes(`v${i}`)),
          `key ${JSON.stringify(key.slice(0, 30))}`,
        ).toBe(true);
      }
      expect(({} as Record<string, unknown>).v0).toBeUndefined();
    });

    it('rejects empty, oversized, reserved, ill-formed and non-string keys with INVALID_KEY before any I/O', async () => {
      const cache = await ctx.cache();
      const bad: unknown[] = [
        '',
        'x'.repeat(1025),
        'é'.repeat(513),
        '\u0000lock:x',
        'lone\ud800',
        42,
        undefined,
        null,
        {},
      ];
      // The well-formed key a lone surrogate would encode to: a read must not find it.
      await cache.set('lone\ufffd', bytes('v'));
      await cache.setString('lone\ufffd', 'v');
      for (const key of bad) {
        await ctx.rejects(cache.get(key as string), 'INVALID_KEY');
        await ctx.rejects(cache.getString(key as string), 'INVALID_KEY');
        await ctx.rejects(cache.getJson(key as string), 'INVALID_KEY');
        await ctx.rejects(cache.set(key as string, bytes('v')), 'INVALID_KEY');
        await ctx.rejects(cache.increment(key as string), 'INVALID_KEY');
        await ctx.rejects(cache.lock(key as string, 1000), 'INVALID_KEY');
      }
      await ctx.rejects(cache.getMany(['ok', '']), 'INVALID_KEY');
      await ctx.rejects(
        cache.setMany([
          ['ok', bytes('v')],
          ['', bytes('v')],
        ]),
        'INVALID_KEY',
      );
      expect(await cache.exists('ok'), 'a batch with a bad key must store nothing').toBe(false);
      const stats = await cache.stats();
      expect(stats.errors, 'argument errors are not backend errors').toBe(0);
    });
  });
}
