import { runStoreConformance } from '@pywatt/cache-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MapStore } from '../map-store.js';

// The whole cache contract, against the store through createCache.
runStoreConformance('MapStore', () => new MapStore(), {
  api: { describe, it, expect, afterEach },
  capabilities: { timeScale: 3 },
});
