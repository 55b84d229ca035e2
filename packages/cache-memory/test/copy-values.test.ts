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
