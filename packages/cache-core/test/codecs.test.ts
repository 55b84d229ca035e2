import { describe, expect, it } from 'vitest';
import { bytesCodec, CacheError, jsonCodec, stringCodec } from '../src/index.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

describe('jsonCodec', () => {
  it('round-trips JSON values', () => {
    const value = { a: [1, 'two', null, { b: true }], c: 'é✓' };
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value);
  });

  it.each([
    ['plain', '{"__proto__":{"polluted":true},"ok":1}'],
    ['escaped', String.raw`{"\u005f\u005fproto__":{"polluted":true},"ok":1}`],
    ['nested', '{"ok":1,"inner":{"constructor":{"prototype":{"polluted":true}}}}'],
  ])('drops prototype keys from a %s payload', (_, payload) => {
    const decoded = jsonCodec.decode(utf8(payload)) as Record<string, unknown>;
    expect(decoded.ok).toBe(1);
    expect(Object.hasOwn(decoded, '__proto__')).toBe(false);
    expect(JSON.stringify(decoded)).not.toContain('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects what JSON cannot hold with SERIALIZATION', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const bad of [undefined, () => 1, Symbol('s'), 10n, cycle]) {
      expect(() => jsonCodec.encode(bad)).toThrow(
        expect.objectContaining({ code: 'SERIALIZATION' }),
      );
    }
    expect(() => jsonCodec.decode(utf8('{not json'))).toThrow(
      expect.objectContaining({ code: 'SERIALIZATION' }),
    );
  });
});

describe('stringCodec and bytesCodec', () => {
  it('decodes valid UTF-8 and rejects invalid bytes', () => {
    expect(stringCodec.decode(stringCodec.encode('héllo'))).toBe('héllo');
    let caught: unknown;
    try {
      stringCodec.decode(Uint8Array.from([0xc3, 0x28]));
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'SERIALIZATION')).toBe(true);
  });

  it('passes bytes through and refuses anything else', () => {
    const value = Uint8Array.from([1, 2, 3]);
    expect(bytesCodec.decode(bytesCodec.encode(value))).toBe(value);
    expect(() => bytesCodec.encode('x' as unknown as Uint8Array)).toThrow(CacheError);
  });
});
