// Part of `pnpm lint`: what each public package would publish. `pnpm pack --dry-run`
// must list only LICENSE (pnpm copies the root one in), README.md, package.json, dist/
// and the Markdown documents its "files" names (cache-proxy's PROTOCOL.md), and the
// manifest must carry the metadata npm shows and provenance needs.
// Prints every problem with the package it belongs to; exits 1 when there is any.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const REQUIRED_FILES = ['LICENSE', 'README.md', 'package.json'];
const problems = [];

function checkManifest(dir, pkg) {
  const where = `packages/${dir}`;
  const need = (ok, what) => {
    if (!ok) problems.push(`${pkg.name}: package.json needs ${what}`);
  };
  need(pkg.license === 'MIT', '"license": "MIT"');
  need(pkg.repository?.directory === where, `"repository.directory": "${where}"`);
  need(typeof pkg.repository?.url === 'string', '"repository.url"');
  need(typeof pkg.homepage === 'string', '"homepage"');
  need(typeof pkg.bugs?.url === 'string', '"bugs.url"');
  need(Array.isArray(pkg.keywords) && pkg.keywords.length > 0, '"keywords"');
  need(pkg.publishConfig?.access === 'public', '"publishConfig.access": "public"');
  need(pkg.publishConfig?.provenance === true, '"publishConfig.provenance": true');
  for (const block of ['dependencies', 'devDependencies', 'peerDependencies']) {
    if (pkg[block] !== undefined && Object.keys(pkg[block]).length === 0)
      problems.push(`${pkg.name}: remove the empty "${block}" block`);
  }
}

function checkPackedFiles(dir, pkg) {
  const out = execFileSync('pnpm', ['pack', '--dry-run', '--json'], {
    cwd: join(root, 'packages', dir),
    encoding: 'utf8',
  });
  const paths = JSON.parse(out).files.map((f) => f.path);
  const documents = (pkg.files ?? []).filter((f) => /^[A-Z][A-Z0-9_-]*\.md$/.test(f));
  const expected = [...REQUIRED_FILES, ...documents];
  for (const path of paths) {
    if (!expected.includes(path) && !path.startsWith('dist/'))
      problems.push(
        `${pkg.name}: the package would publish ${path} (only LICENSE, README.md, package.json, dist/ and Markdown documents named in "files" belong in it)`,
      );
  }
  for (const path of expected) {
    if (!paths.includes(path)) problems.push(`${pkg.name}: the package would not contain ${path}`);
  }
  if (!paths.some((p) => p.startsWith('dist/')))
    problems.push(`${pkg.name}: the package would contain no dist/ (build first)`);
}

if (!existsSync(join(root, 'LICENSE'))) problems.push('the repository root has no LICENSE');
let checked = 0;
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const manifest = join(root, 'packages', dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  if (pkg.private) continue;
  checkManifest(dir, pkg);
  checkPackedFiles(dir, pkg);
  checked++;
}
for (const problem of problems) console.error(`[pack] ${problem}`);
console.log(`[pack] ${checked} public packages checked, ${problems.length} problem(s)`);
process.exit(problems.length > 0 ? 1 : 0);
