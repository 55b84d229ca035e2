// Installs what the demo and the tests need on a machine that has only Node and npm:
// pnpm at the pinned version, the workspace's dependencies and (for the tests) the
// Debian packages of the servers. Imported by demo.mjs and test-all.mjs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const PNPM_VERSION = '12.4.2';

/** Binaries the tests start, with the Debian package that provides each. */
const SERVER_BINARIES = [
  ['redis-server', 'redis-server'],
  ['redis-cli', 'redis-tools'],
  ['redis-sentinel', 'redis-sentinel'],
  ['memcached', 'memcached'],
  ['saslpasswd2', 'sasl2-bin'],
];

/**
 * The browser the cache-proxy dashboard test drives through playwright-core (whose own download
 * cannot be used here): Debian's chromium, installed when neither it nor Google Chrome (which
 * GitHub's Ubuntu runners ship, where `apt-get install chromium` is only a snap stub) is present.
 */
const BROWSER_BINARIES = [['chromium', 'chromium']];
const OTHER_BROWSERS = ['google-chrome'];

/**
 * Python modules the tests import with Debian's interpreter (/usr/bin/python3), with their
 * Debian package: pylibmc is libmemcached's client, the peer of the memcached ketama interop test.
 */
const PYTHON_MODULES = [['pylibmc', 'python3-pylibmc']];

function hasPythonModule(module) {
  const result = spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' });
  return result.status === 0;
}

export function log(message) {
  console.log(`[setup] ${message}`);
}

/** Runs a command with inherited output; throws (with the command line) when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

export function which(command) {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/bin',
  ];
  return dirs
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, command))
    .find((path) => existsSync(path));
}

function pnpmVersion() {
  try {
    return execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Makes `pnpm` the pinned version, installing it with npm when missing. */
export function ensurePnpm() {
  const found = pnpmVersion();
  if (found === PNPM_VERSION) return;
  log(`installing pnpm ${PNPM_VERSION} with npm (found: ${found ?? 'none'})`);
  try {
    run('npm', ['install', '--global', '--save-exact', `pnpm@${PNPM_VERSION}`]);
  } catch (error) {
    console.error(
      `Could not install pnpm globally (${error.message}). Install it yourself: npm install -g pnpm@${PNPM_VERSION}`,
    );
    process.exit(1);
  }
}

/** Installs the Debian packages of missing servers (Python modules, Chromium) when root; otherwise says what to install. */
export function ensureServers() {
  const missing = [
    ...SERVER_BINARIES.filter(([binary]) => which(binary) === undefined),
    ...(OTHER_BROWSERS.some((binary) => which(binary) !== undefined)
      ? []
      : BROWSER_BINARIES.filter(([binary]) => which(binary) === undefined)),
    ...PYTHON_MODULES.filter(([module]) => !hasPythonModule(module)),
  ].map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const packages = [...new Set([...missing, 'libsasl2-modules'])];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || which('apt-get') === undefined) {
    console.error(
      `The tests need real servers (and a browser) that are not installed: ${missing.join(', ')}.\n` +
        `Install them, then run the tests again:\n  sudo apt-get install -y ${packages.join(' ')}`,
    );
    process.exit(1);
  }
  log(`installing Debian packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
  // Debian starts the packaged services; the tests start their own on free ports, so stop these.
  for (const service of ['redis-server', 'memcached', 'redis-sentinel']) {
    spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
  }
}

/** Installs the workspace's dependencies exactly as locked. */
export function ensureDependencies() {
  run('pnpm', ['install', '--frozen-lockfile']);
}
