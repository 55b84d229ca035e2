import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { escapeGlob } from '../src/clear.js';
import { hashSlot } from '../src/slots.js';

describe('hash slots', () => {
  it('agree with CLUSTER KEYSLOT, hash tags included', async () => {
    const node = new Redis(Number(inject('clusterNodes')[0]?.split(':')[1]), '127.0.0.1');
    const keys = [
      'a',
      'user:1',
      '{user}:1',
      'x{}y',
      '{}',
      'ключ',
      'ns:\u0000lock:k',
      'a{b}{c}',
      '{{a}}',
    ];
    for (const key of keys) {
      expect(hashSlot(key), key).toBe(await node.cluster('KEYSLOT', key));
    }
    await node.quit();
  });

  it('escapes every glob character', () => {
    expect(escapeGlob('a*b?c[d]e\\f^g-h')).toBe('a\\*b\\?c\\[d\\]e\\\\f\\^g\\-h');
  });
});
