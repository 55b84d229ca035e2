import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.mjs';

export default defineConfig({
  ...tsupBase,
  entry: {
    index: 'src/index.ts',
    'store/index': 'src/store/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  // The three entries share one copy of CacheError, StoreCache and the rules (instanceof holds across them).
  splitting: true,
});
