import { describe, expect, it, vi } from 'vitest';
import { CacheError, createCache, MAX_FINITE_TTL_MS } from '../src/index.js';
import {
  encodeStoredInteger,
  normalizeTtl,
  parseStoredInteger,
  rules,
  validateConfig,
  validateKey,
} from '../src/store/index.js';
import { ReferenceStore } from '../src/testing/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return CacheError.is(error) ? error.code : `not a CacheError: ${String(error)}`;
  }
  return undefined;
}

describe('keys', () => {
  it('accepts 1024 UTF-8 bytes and rejects 1025, counting multi-byte characters', () => {
    expect(codeOf(() => validateKey('a'.repeat(1024), 'get'))).toBeUndefined();
    expect(codeOf(() => validateKey('a'.repeat(1025), 'get'))).toBe('INVALID_KEY');
    expect(codeOf(() => validateKey(`${'€'.repeat(341)}a`, 'get'))).toBeUndefined();
    expect(codeOf(() => validateKey('€'.repeat(342), 'get'))).toBe('INVALID_KEY');
  });

  it('names the problem in the message', () => {
    expect(() => validateKey('', 'get')).toThrow(/must not be empty/);
    expect(() => validateKey('x\ud800', 'get')).toThrow(/surrogate/);
    expect(() => validateKey('\u0000x', 'get')).toThrow(/reserved/);
  });
});

describe('ttl', () => {
  it('rounds up to whole milliseconds and never down to 0', () => {
    expect(normalizeTtl(0.2, 5, 'set')).toBe(1);
    expect(normalizeTtl(1500.01, 5, 'set')).toBe(1501);
    expect(normalizeTtl(undefined, 5, 'set')).toBe(5);
  });

  it('treats TTLs beyond any clock as no expiry instead of overflowing', () => {
    expect(normalizeTtl(MAX_FINITE_TTL_MS * 2, 5, 'set')).toBe(Number.POSITIVE_INFINITY);
    expect(normalizeTtl(2 ** 31, 5, 'set')).toBe(2 ** 31);
  });

  it('rejects 0, negatives, NaN and strings', () => {
    for (const bad of [0, -0, -5, Number.NaN, '10', null])
      expect(codeOf(() => normalizeTtl(bad, 5, 'set'))).toBe('INVALID_ARGUMENT');
  });
});

describe('stored integers', () => {
  it('reads only canonical decimal integers in the safe range', () => {
    expect(parseStoredInteger(encodeStoredInteger(-42))).toBe(-42);
    expect(parseStoredInteger(encodeStoredInteger(Number.MAX_SAFE_INTEGER))).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    for (const bad of ['', '-', '01', '+1', '1.0', ' 1', '9007199254740993', '1e3', '-0x1']) {
      expect(parseStoredInteger(Buffer.from(bad)), bad).toBeUndefined();
    }
  });
});

describe('config validation', () => {
  const schema = {
    maxItems: rules.optional(rules.integer(1)),
    policy: rules.optional(rules.oneOf(['lru', 'lfu'])),
  };

  it('accepts a valid config with or without type', () => {
    expect(validateConfig('memory', { maxItems: 5, policy: 'lru' }, schema)).toEqual({
      maxItems: 5,
      policy: 'lru',
    });
    expect(
      validateConfig(
        'memory',
        { type: 'memory', namespace: 'app', defaultTtlMs: Number.POSITIVE_INFINITY },
        schema,
      ),
    ).toBeDefined();
  });

  it.each([
    [{ maxItem: 5 }, /unknown field 'maxItem'/],
    [{ maxItems: -1 }, /field 'maxItems' must be a whole number/],
    [{ maxItems: '5' }, /field 'maxItems'/],
    [{ policy: 'random' }, /field 'policy' must be one of 'lru', 'lfu'/],
    [{ defaultTtlMs: 0 }, /field 'defaultTtlMs'/],
    [{ namespace: '' }, /namespace/],
    [{ type: 'redis' }, /only builds 'memory'/],
    [null, /must be an object/],
  ])('rejects %j with CONFIGURATION naming the field', (config, message) => {
    let caught: unknown;
    try {
      validateConfig('memory', config, schema);
    } catch (error) {
      caught = error;
    }
    expect(CacheError.is(caught, 'CONFIGURATION')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('unknown fields are own properties only (issue 15 #7)', () => {
  const schema = { maxItems: rules.optional(rules.integer(1)) };
  const inherited = [
    ['constructor', { type: 'memory', constructor: { name: 'x' } }],
    ['toString', { type: 'memory', toString: 'x' }],
    ['hasOwnProperty', { type: 'memory', hasOwnProperty: 1 }],
    ['JSON __proto__', JSON.parse('{"type":"memory","__proto__":{"polluted":true}}')],
  ] as const;

  it.each(inherited)('validateConfig rejects %s with CONFIGURATION', (field, config) => {
    const name = field.replace('JSON ', '');
    expect(() => validateConfig('memory', config, schema)).toThrow(
      new RegExp(`unknown field '${name}'`),
    );
    expect(codeOf(() => validateConfig('memory', config, schema))).toBe('CONFIGURATION');
  });

  it('rejects them inside nested objects too', () => {
    const nested = rules.object({ nodes: rules.stringArray() });
    expect(nested({ nodes: ['a'], constructor: {} })).toMatch(/unknown field 'constructor'/);
    expect(nested(JSON.parse('{"nodes":["a"],"__proto__":{}}'))).toMatch(/unknown field/);
  });

  it('createCache rejects them in its options', () => {
    for (const [, config] of inherited) {
      const { type: _type, ...options } = config as Record<string, unknown>;
      expect(codeOf(() => createCache(new ReferenceStore(), options))).toBe('CONFIGURATION');
    }
  });
});

describe('serviceOptions', () => {
  it('builds an equal service over a store with no value bound (a wrapper such as a tier or a breaker)', async () => {
    const cache = createCache(new ReferenceStore(), { namespace: 'app', defaultTtlMs: 5_000 });
    const again = createCache(new ReferenceStore(), cache.serviceOptions);
    expect(again.serviceOptions).toEqual(cache.serviceOptions);
    expect(again.keyPrefix).toBe('app:');
    expect(again.defaultTtlMs).toBe(5_000);
    await Promise.all([cache.close(), again.close()]);
  });
});

describe("createCache and the store's key limit", () => {
  const storeWithMaxKey = (maxKeyBytes: number) => {
    const store = new ReferenceStore();
    Object.defineProperty(store, 'capabilities', {
      value: { ...store.capabilities, maxKeyBytes },
    });
    return store;
  };
  // The longest full key: `app:` + the lock key space (U+0000 `lock:`, 6 bytes) + 1024 bytes.
  const needed = 4 + 6 + 1024;

  it('accepts a store that holds the namespace, the lock key space and a 1024-byte key', () => {
    expect(
      codeOf(() => createCache(storeWithMaxKey(needed), { namespace: 'app' })),
    ).toBeUndefined();
    expect(codeOf(() => createCache(storeWithMaxKey(6 + 1024)))).toBeUndefined();
  });

  it('rejects one byte less with CONFIGURATION naming the sizes', () => {
    expect(codeOf(() => createCache(storeWithMaxKey(needed - 1), { namespace: 'app' }))).toBe(
      'CONFIGURATION',
    );
    expect(() => createCache(storeWithMaxKey(250), { namespace: 'app' })).toThrow(
      /at most 250 UTF-8 bytes, but this cache needs 1034/,
    );
  });

  it('counts the namespace in UTF-8 bytes and rejects a missing limit', () => {
    // '€' is 3 bytes: prefix '€€:' is 7 bytes.
    expect(codeOf(() => createCache(storeWithMaxKey(7 + 6 + 1024), { namespace: '€€' }))).toBe(
      undefined,
    );
    expect(codeOf(() => createCache(storeWithMaxKey(7 + 6 + 1023), { namespace: '€€' }))).toBe(
      'CONFIGURATION',
    );
    expect(codeOf(() => createCache(storeWithMaxKey(Number.NaN)))).toBe('CONFIGURATION');
  });
});

describe('CacheError', () => {
  it('is recognised across two copies of the package', async () => {
    vi.resetModules();
    const other = await import('../src/errors.js');
    const foreign = new other.CacheError('TIMEOUT', 'slow');
    expect(other.CacheError).not.toBe(CacheError);
    expect(foreign instanceof CacheError).toBe(false);
    expect(CacheError.is(foreign)).toBe(true);
    expect(CacheError.is(foreign, 'TIMEOUT')).toBe(true);
    expect(CacheError.is(foreign, 'CLOSED')).toBe(false);
    expect(CacheError.is(new Error('plain'))).toBe(false);
  });

  it('defaults retryable by code and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new CacheError('CONNECTION', 'refused', {
      cause,
      operation: 'get',
      backend: 'redis',
    });
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(new CacheError('INVALID_KEY', 'bad').retryable).toBe(false);
  });
});
