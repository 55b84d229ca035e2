import { bytes, type SuiteContext } from './context.js';

const text = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : Buffer.from(value).toString('utf8');

/**
 * The string and JSON helpers against `get`/`set`: whatever helper wrote an
 * entry, every other reads it in its own form (a store may hold strings as
 * given, see `CacheStore.getString`; the contract is the bytes').
 */
export function typedValueCases(ctx: SuiteContext): void {
  const { it, expect, describe } = ctx.api;

  describe('typed values', () => {
    it('reads a string entry as its UTF-8 bytes and a bytes entry as its text, in any order', async () => {
      const cache = await ctx.cache();
      await cache.setString('s', 'héllo ✓ 𝄞');
      expect(text(await cache.get('s'))).toBe('héllo ✓ 𝄞');
      expect(await cache.getString('s')).toBe('héllo ✓ 𝄞');
      expect(text(await cache.get('s'))).toBe('héllo ✓ 𝄞');
      await cache.set('b', bytes('wörld'));
      expect(await cache.getString('b')).toBe('wörld');
      expect(text(await cache.get('b'))).toBe('wörld');
      expect(await cache.getString('b')).toBe('wörld');
      expect(text((await cache.getMany(['s', 'b'])).get('s'))).toBe('héllo ✓ 𝄞');
      expect(text(await cache.getAndSet('s', bytes('next')))).toBe('héllo ✓ 𝄞');
      expect(await cache.getString('s')).toBe('next');
      expect(await cache.getString('missing')).toBeUndefined();
      expect(await cache.getJson('missing')).toBeUndefined();
    });

    it('keeps JSON as its text: getString gives the text, get its bytes, null is a value', async () => {
      const cache = await ctx.cache();
      const value = { a: [1, 'é', null], n: { x: true }, s: 'a\u2028b' };
      await cache.setJson('j', value);
      expect(await cache.getString('j')).toBe(JSON.stringify(value));
      expect(text(await cache.get('j'))).toBe(JSON.stringify(value));
      expect(await cache.getJson('j')).toEqual(value);
      await cache.setJson('null', null);
      expect(await cache.getJson('null')).toBeNull();
      expect(await cache.getString('null')).toBe('null');
      await cache.setString('n', '42');
      expect(await cache.getJson('n')).toBe(42);
      expect(await cache.increment('n', 1)).toBe(43);
      expect(await cache.getString('n')).toBe('43');
      await cache.setString('not-json', '{oops');
      await ctx.rejects(cache.getJson('not-json'), 'SERIALIZATION');
      expect(await cache.getString('not-json')).toBe('{oops');
    });

    it('never lets a caller change a stored JSON value through the object it read', async () => {
      const cache = await ctx.cache();
      await cache.setJson('j', { list: [1, 2], inner: { x: 1 } });
      const first = await cache.getJson<{ list: number[]; inner: { x: number } }>('j');
      try {
        first?.list.push(3);
        if (first !== undefined) first.inner.x = 2;
      } catch {
        // A store may hand out frozen values: then the mutation throws.
      }
      expect(await cache.getJson('j')).toEqual({ list: [1, 2], inner: { x: 1 } });
    });

    it('stores a lone surrogate as U+FFFD, as UTF-8 encoding does', async () => {
      const cache = await ctx.cache();
      await cache.setString('s', 'a\ud800b\udc00');
      expect(await cache.getString('s')).toBe('a\ufffdb\ufffd');
      expect(text(await cache.get('s'))).toBe('a\ufffdb\ufffd');
      await ctx.rejects(cache.setString('s', 42 as unknown as string), 'SERIALIZATION');
      await ctx.rejects(cache.setString('', 'x'), 'INVALID_KEY');
      expect(await cache.getString('s')).toBe('a\ufffdb\ufffd');
    });
  });
}
