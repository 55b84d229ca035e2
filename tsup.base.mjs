// One build recipe for every publishable package: ESM + CJS + .d.ts.
export const tsupBase = {
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
};
