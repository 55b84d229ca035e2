import { defineConfig } from 'tsup';
import { tsupBase } from '../../tsup.base.mjs';

export default defineConfig({ ...tsupBase, entry: ['src/index.ts', 'src/bin.ts'] });
