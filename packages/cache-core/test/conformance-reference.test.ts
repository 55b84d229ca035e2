import { afterEach, describe, expect, it } from 'vitest';
import { createCache, stringCodec } from '../src/index.js';
import { decodeWith } from '../src/store/index.js';
import { runCacheConformance, runStoreConformance } from '../src/testing/index.js';
import { ReferenceStore } from './reference-cache.js';

runStoreConformance('reference store', () => new ReferenceStore(), {
  api: { describe, it, expect, afterEach },
});

// The older entry point, given caches: still supported for code that makes its own.
runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'reference cache through runCacheConformance',
    create: async (options) => createCache(new ReferenceStore(), options),
  },
);

/**
 * The reference store with the optional typed-value methods, answering with promises and
 * without `getJson`: the service's text paths (async results, JSON parsed from the text)
 * against the same suite.
 */
class TextReferenceStore extends ReferenceStore {
  async getString(fullKey: string): Promise<string | undefined> {
    return decodeWith(stringCodec, this.get(fullKey), 'getString', this.name);
  }
  async setString(fullKey: string, value: string, ttlMs: number): Promise<void> {
    this.set(fullKey, Buffer.from(value, 'utf8'), ttlMs);
  }
}

runStoreConformance('reference store with async typed values', () => new TextReferenceStore(), {
  api: { describe, it, expect, afterEach },
});
