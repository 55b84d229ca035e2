// `npm test`: the whole test suite, as CI runs it. On a machine with only Node and
// npm it first installs pnpm, the servers' Debian packages (as root) and the
// dependencies; then builds, typechecks, lints (Biome, publint, attw), runs every
// package's tests against real servers and every example, and ends with one line
// `N passed, N failed`. Exits non-zero when anything failed or no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDependencies, ensurePnpm, ensureServers, log } from './bootstrap.mjs';

const root = resolve(import.meta.dirname, '..');
const resultsDir = join(root, '.tmp', 'test-results');
const failures = [];
let passed = 0;
let failed = 0;

function step(name, command, args, options = {}) {
  log(name);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  const ok = result.status === 0;
  if (!ok) failures.push(`${name} (exit ${result.status ?? result.signal})`);
  return ok;
}

function hasTests(dir) {
  const testDir = join(dir, 'test');
  return (
    existsSync(testDir) &&
    readdirSync(testDir, { recursive: true }).some((f) => String(f).endsWith('.test.ts'))
  );
}

ensurePnpm();
ensureServers();
ensureDependencies();
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const built = step('build and typecheck every package', 'pnpm', [
  'turbo',
  'run',
  'build',
  'typecheck',
  '--output-logs=errors-only',
]);
step('lint: biome, publint, attw', 'pnpm', ['lint']);
step('changesets: every release note parses', 'pnpm', ['changeset', 'status']);

if (built) {
  const vitest = join(root, 'node_modules', '.bin', 'vitest');
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (!hasTests(dir)) continue;
    const output = join(resultsDir, `${name}.json`);
    const ok = step(
      `tests of ${name}`,
      vitest,
      ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${output}`],
      {
        cwd: dir,
        timeout: 20 * 60_000,
      },
    );
    if (!existsSync(output)) {
      failed++;
      if (ok) failures.push(`tests of ${name} wrote no results`);
      continue;
    }
    const report = JSON.parse(readFileSync(output, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    console.log(
      `[tests] ${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
    );
    if (report.numPendingTests + report.numTodoTests > 0)
      failures.push(`${name} has skipped or todo tests`);
  }

  for (const name of readdirSync(join(root, 'examples')).sort()) {
    if (!existsSync(join(root, 'examples', name, 'index.ts'))) continue;
    const ok = step(
      `example ${name}`,
      'pnpm',
      ['--silent', '--filter', `@example/${name}`, 'start'],
      { timeout: 3 * 60_000 },
    );
    if (ok) passed++;
    else failed++;
  }
}

for (const failure of failures) console.log(`[failed] ${failure}`);
if (passed === 0) console.log('[failed] no test ran');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
