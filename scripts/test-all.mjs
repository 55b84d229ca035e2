// `npm test`: the whole test suite, as CI runs it. On a machine with only Node and
// npm it first installs pnpm, the servers' Debian packages (as root) and the
// dependencies; then builds, typechecks, lints (Biome, publint, attw), runs every
// package's tests against real servers and every example, on Node 20 and again on
// Node 24 (scripts/node-24.mjs), and ends with one line `N passed, N failed` counting
// both runs. Exits non-zero when anything failed or no test ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ensureDependencies, ensurePnpm, ensureServers, log } from './bootstrap.mjs';
import { ensureNode24 } from './node-24.mjs';

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

/**
 * Every package's tests and every example on the Node whose binary is first in PATH
 * (`env`), counted into passed/failed; `label` names the run in the log.
 */
function runSuite(label, env) {
  const version = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout?.trim();
  log(`${label}: node in PATH is ${version}`);
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const tag = label.toLowerCase().replace(/\s+/g, '');
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (!hasTests(dir)) continue;
    const output = join(resultsDir, `${name}-${tag}.json`);
    const ok = step(
      `${label}: tests of ${name}`,
      'node',
      [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${output}`],
      { cwd: dir, env, timeout: 20 * 60_000 },
    );
    if (!existsSync(output)) {
      failed++;
      if (ok) failures.push(`${label}: tests of ${name} wrote no results`);
      continue;
    }
    const report = JSON.parse(readFileSync(output, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    console.log(
      `[tests] ${label} ${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
    );
    if (report.numPendingTests + report.numTodoTests > 0)
      failures.push(`${label}: ${name} has skipped or todo tests`);
  }

  for (const name of readdirSync(join(root, 'examples')).sort()) {
    if (!existsSync(join(root, 'examples', name, 'index.ts'))) continue;
    const ok = step(
      `${label}: example ${name}`,
      'pnpm',
      ['--silent', '--filter', `@example/${name}`, 'start'],
      { env, timeout: 3 * 60_000 },
    );
    if (ok) passed++;
    else failed++;
  }
}

if (built) {
  runSuite(`Node ${process.versions.node.split('.')[0]}`, process.env);
  // The same suite on Node 24 (the active LTS) over the same build.
  let node24;
  try {
    node24 = ensureNode24(root);
  } catch (error) {
    failed++;
    failures.push(`Node 24 could not be installed: ${error.message}`);
  }
  if (node24 !== undefined)
    runSuite('Node 24', { ...process.env, PATH: `${node24}${delimiter}${process.env.PATH}` });
}

for (const failure of failures) console.log(`[failed] ${failure}`);
if (passed === 0) console.log('[failed] no test ran');
console.log(`${passed} passed, ${failed} failed`);
process.exit(failures.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
