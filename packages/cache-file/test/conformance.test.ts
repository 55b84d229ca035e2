import { runCacheConformance } from '@pywatt/cache-core/testing';
import { makeTempDir } from '@pywatt/test-servers/process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFileCache } from '../src/index.js';

// Every cache of the suite lives in one directory, so peers are separate FileCache instances sharing storage.
const dir = makeTempDir('file-conformance');
afterAll(() => dir.remove());

runCacheConformance(
  { describe, it, expect, afterEach },
  {
    name: 'file',
    create: (options) => createFileCache({ directory: dir.path, ...options }),
    capabilities: { sharedStorage: true, largeValueBytes: 4 * 1024 * 1024 },
  },
);
