import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.mjs';

export default defineConfig({
  ...tsupBase,
  entry: ['src/index.ts', 'src/cli.ts'],
  // The dashboard finds its page beside the code (dist/assets), and the CJS build needs import.meta.url for that.
  shims: true,
  onSuccess: async () => {
    cpSync('src/admin/assets', 'dist/assets', { recursive: true });
  },
});
