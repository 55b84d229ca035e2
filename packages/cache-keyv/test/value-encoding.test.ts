import { CacheError } from '@pywatt/cache-core';
import { describe, expect, it } from 'vitest';
import { decodeKeyvValue, encodeKeyvValue } from '../src/index.js';

describe('Keyv value encoding', () => {
  it.each([
    ['a serialized string', '{"value":"bar","expires":null}'],
    ['an empty string', ''],
    ['a number', 42],
    ['false', false],
    ['null', null],
    ['an object', { a: [1, 'b'], c: { d: null } }],
  ])('round-trips %s', (_, value) => {
    expect(decodeKeyvValue(encodeKeyvValue(value))).toEqual(value);
  });

  it('returns bytes as a Buffer with the same content', () => {
    const value = Buffer.from([0, 255, 13, 10]);
    const decoded = decodeKeyvValue(encodeKeyvValue(value));
    expect(Buffer.isBuffer(decoded)).toBe(true);
    expect(Buffer.compare(decoded as Buffer, value)).toBe(0);
  });

  it('keeps a string and the same text as JSON apart', () => {
    expect(decodeKeyvValue(encodeKeyvValue('1'))).toBe('1');
    expect(decodeKeyvValue(encodeKeyvValue(1))).toBe(1);
  });

  it('rejects values JSON cannot hold and bytes it did not write, with SERIALIZATION', () => {
    expect(() => encodeKeyvValue(10n)).toThrow(expect.objectContaining({ code: 'SERIALIZATION' }));
    let caught: unknown;
    try {
      decodeKeyvValue(Buffer.from('plain'));
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'SERIALIZATION')).toBe(true);
  });
});
