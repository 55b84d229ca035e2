// `pnpm run docs`: the API reference of every public package, from its TSDoc, written
// to docs/api/ by TypeDoc (options in typedoc.json). `--check` (part of `pnpm lint`)
// writes only a JSON model to .tmp/ and fails, naming each one, when a public export
// has no documentation comment or a `{@link}` does not resolve.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const REFERENCE_KIND = 4194304; // a re-export of something documented where it is declared
const MODULE_KIND = 2;

function manifest(dir) {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
}

// Public means published: private packages (test-servers) get no reference.
const packages = readdirSync(join(root, 'packages'))
  .sort()
  .map((dir) => join('packages', dir))
  .filter((dir) => existsSync(join(root, dir, 'package.json')) && !manifest(dir).private);

/** typedoc.json documents every src/**\/index.ts: that must be exactly what each package exports. */
function entryPointMismatches(dir) {
  const exported = Object.values(manifest(dir).exports)
    .map((target) => target?.import?.default)
    .filter((path) => typeof path === 'string')
    .map((path) => path.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  const indexes = readdirSync(join(root, dir, 'src'), { recursive: true })
    .map((file) => join('src', String(file)))
    .filter((file) => file.endsWith('index.ts'));
  return [
    ...exported
      .filter((f) => !indexes.includes(f))
      .map((f) => `${dir}: exports ${f}, which is missing`),
    ...indexes
      .filter((f) => !exported.includes(f))
      .map((f) => `${dir}: ${f} is not an export; rename it`),
  ];
}

const hasComment = (r) =>
  r.comment !== undefined ||
  (r.signatures ?? []).some((s) => s.comment !== undefined) ||
  r.getSignature?.comment !== undefined;

/** `@pywatt/cache-core/testing: ReferenceCache (class)` for each export without TSDoc. */
function undocumentedExports(model) {
  const found = [];
  const visit = (node, path) => {
    for (const child of node.children ?? []) {
      if (child.kind === REFERENCE_KIND) continue;
      if (child.kind === MODULE_KIND)
        visit(child, child.name === 'index' ? path : `${path}/${child.name}`);
      else if (!hasComment(child)) found.push(`${path}: ${child.name}`);
    }
  };
  for (const pkg of model.children ?? []) visit(pkg, pkg.name);
  return found;
}

const mismatches = packages.flatMap(entryPointMismatches);
if (mismatches.length > 0) {
  for (const line of mismatches) console.error(`[docs] ${line}`);
  console.error('[docs] API entry points must be the src/**/index.ts files each package exports');
  process.exit(1);
}

mkdirSync(join(root, '.tmp'), { recursive: true });
const modelPath = join(root, '.tmp', 'api-model.json');
const args = packages.flatMap((dir) => ['--entryPoints', dir]);
args.push(...(check ? ['--json', modelPath] : ['--out', 'docs/api']));
const typedoc = join(root, 'node_modules', '.bin', 'typedoc');
const result = spawnSync(typedoc, args, { cwd: root, encoding: 'utf8' });
for (const line of `${result.stdout}${result.stderr}`.split('\n')) {
  // Progress lines ("Converting project at …") are noise in a lint run; warnings are not.
  if (line.trim() !== '' && !(check && line.includes('[info]'))) console.log(line);
}
if (result.status !== 0) {
  console.error(
    '[docs] TypeDoc failed: every warning above (a broken {@link} names its comment) must be fixed',
  );
  process.exit(1);
}
if (check) {
  const missing = undocumentedExports(JSON.parse(readFileSync(modelPath, 'utf8')));
  for (const name of missing) console.error(`[docs] no TSDoc comment on the public export ${name}`);
  if (missing.length > 0) {
    console.error(
      `[docs] ${missing.length} public export(s) without documentation: add a /** … */ comment (what it does, units, errors thrown) above each`,
    );
    process.exit(1);
  }
}
console.log(
  check
    ? `[docs] ${packages.length} public packages: every export documented, every {@link} resolves`
    : `[docs] API reference of ${packages.length} packages written to docs/api/index.html`,
);
