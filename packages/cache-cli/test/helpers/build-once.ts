import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Builds the package when dist/bin.js is missing or older than a file of src/: the tests run the real bin. */
export default function setup(): void {
  const bin = join(packageDir, 'dist', 'bin.js');
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true })
    .map((file) => join(packageDir, 'src', String(file)))
    .filter((file) => file.endsWith('.ts'));
  const newest = Math.max(...sources.map((file) => statSync(file).mtimeMs));
  if (existsSync(bin) && statSync(bin).mtimeMs >= newest) return;
  execFileSync(
    process.execPath,
    [join(packageDir, '..', '..', 'node_modules', 'tsup', 'dist', 'cli-default.js')],
    {
      cwd: packageDir,
      stdio: 'inherit',
    },
  );
}
