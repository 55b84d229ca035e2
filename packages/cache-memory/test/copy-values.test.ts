import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../src/index.js';

describe('values are copied in and out', () => {
  it('keeps the stored bytes whatever the caller does to its buffers', async () => {
    const cache = await createMemoryCache();
    const input = Buffer.from('hello');
    await cache.set('k', input);
    input.fill(0);
    const out = (await cache.get('k')) as Uint8Array;
    expect(Buffer.from(out).toString()).toBe('hello');
    out.fill(0);
    expect(Buffer.from((await cache.get('k')) as Uint8Array).toString()).toBe('hello');
    const many = (await cache.getMany(['k'])).get('k') as Uint8Array;
    many.fill(0);
    expect(await cache.getString('k')).toBe('hello');
    await cache.close();
  });

  it('rewrites in place without touching copies already handed out', async () => {
    const cache = await createMemoryCache();
    await cache.set('k', Buffer.from('aaaa'));
    const first = (await cache.get('k')) as Uint8Array;
    const old = (await cache.getAndSet('k', Buffer.from('bbbb'))) as Uint8Array;
    await cache.set('k', Buffer.from('cccc')); // same length: reuses the stored array
    expect(Buffer.from(first).toString()).toBe('aaaa');
    expect(Buffer.from(old).toString()).toBe('aaaa');
    expect(await cache.getString('k')).toBe('cccc');
    await cache.set('k', Buffer.from('dd'));
    expect(await cache.getString('k')).toBe('dd');
    expect((await cache.stats()).memoryUsedBytes).toBe(3);
    await cache.close();
  });

  it('with copyValues: false hands back the very array it was given', async () => {
    const cache = await createMemoryCache({ copyValues: false });
    const input = new Uint8Array([1, 2, 3]);
    await cache.set('k', input);
    expect(await cache.get('k')).toBe(input);
    await cache.close();
  });
});

describe('the copies get hands out', () => {
  const sizes = [0, 16, 64, 65, 1024, 4095, 4096, 70_000];

  it.each(sizes)('are Buffers of their own, %i bytes, however many are out at once', async (n) => {
    const cache = await createMemoryCache();
    const value = Buffer.alloc(n, 7);
    await cache.set('k', value);
    // Enough reads to run through several of Node's shared 8 KiB pools.
    const copies = await Promise.all(Array.from({ length: 200 }, () => cache.get('k')));
    for (const [i, copy] of copies.entries()) {
      expect(Buffer.isBuffer(copy)).toBe(true);
      expect((copy as Buffer).equals(value)).toBe(true);
      copy?.fill(i & 0xff);
    }
    for (const [i, copy] of copies.entries())
      expect(copy?.every((b) => b === (i & 0xff))).toBe(true);
    expect((await cache.get('k'))?.every((b) => b === 7)).toBe(true);
    await cache.close();
  });

  it('are 8-aligned in their memory (Node aligns its pool), so any typed array can view them', async () => {
    const cache = await createMemoryCache();
    await cache.set('odd', Buffer.alloc(1001, 1));
    await cache.set('k', Buffer.alloc(128, 2));
    for (let i = 0; i < 100; i++) {
      await cache.get('odd');
      const copy = (await cache.get('k')) as Uint8Array;
      expect(copy.byteOffset % 8).toBe(0);
      expect(new Float64Array(copy.buffer, copy.byteOffset, 16).length).toBe(16);
    }
    await cache.close();
  });
});
