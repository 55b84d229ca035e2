import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CacheError, describeError } from '@pywatt/cache-core';

/** One file the dashboard serves. */
export interface AdminAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

// The page's own files sit beside this module: src/admin/assets in the sources, dist/assets
// in the package (the build copies them there), so one relative path serves both.
const here = dirname(fileURLToPath(import.meta.url));

const OWN = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/assets/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/assets/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
] as const;

// uPlot is a dependency of this package: found the way Node finds any dependency, no CDN.
const UPLOT = [
  ['/assets/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  ['/assets/uPlot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
] as const;

/**
 * Reads every file of the dashboard into memory, by URL path. Throws
 * CONFIGURATION naming the file when one is missing (a broken install).
 */
export function loadAdminAssets(): Map<string, AdminAsset> {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, AdminAsset>();
  const read = (urlPath: string, file: () => string, contentType: string) => {
    let body: Buffer;
    try {
      body = readFileSync(file());
    } catch (error) {
      throw new CacheError(
        'CONFIGURATION',
        `admin dashboard: cannot read its asset ${urlPath} (reinstall @pywatt/cache-proxy): ${describeError(error)}`,
        { operation: 'serveAdmin', backend: 'proxy', cause: error },
      );
    }
    assets.set(urlPath, { contentType, body });
  };
  for (const [urlPath, name, type] of OWN) read(urlPath, () => join(here, 'assets', name), type);
  for (const [urlPath, specifier, type] of UPLOT)
    read(urlPath, () => require.resolve(specifier), type);
  return assets;
}
