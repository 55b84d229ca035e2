import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `pnpm bench` runs every suite in src/suites; `pnpm bench memory redis` runs those named.
const suitesDir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const requested = process.argv.slice(2).filter((a) => a !== '--');
const unknown = requested.filter((r) => !available.includes(r));
if (unknown.length > 0) {
  console.error(
    `unknown bench suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : available) {
  console.log(`\n# bench: ${name}`);
  const suite = (await import(join(suitesDir, `${name}.ts`))) as { default: () => Promise<void> };
  await suite.default();
}
