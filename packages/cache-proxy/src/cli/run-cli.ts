import { CacheError, describeError, type StoreCache } from '@pywatt/cache-core';
import { type AdminEndpoint, type AdminEvent, serveAdmin } from '../admin/admin-server.js';
import { startCacheServer } from '../server/cache-server.js';
import type { ConnectionEvent } from '../server/connection.js';
import { type MetricsEndpoint, ServerMetrics, serveMetrics } from '../server/server-metrics.js';
import { parseCli, USAGE } from './cli-options.js';

/** One readable audit line per admin event (never a token). */
export function formatAdminEvent(e: AdminEvent): string {
  const parts = [new Date().toISOString(), 'admin', e.event, `status=${e.status}`];
  if (e.namespace !== undefined) parts.push(`namespace=${e.namespace}`);
  if (e.operator !== undefined) parts.push(`operator=${JSON.stringify(e.operator)}`);
  parts.push(`from=${e.remoteAddress}`, `${e.method} ${e.path}`);
  return parts.join(' ');
}

/** One readable log line per connection event (never a token). */
export function formatEvent(e: ConnectionEvent): string {
  const parts = [new Date().toISOString(), e.event, `#${e.connectionId}`, e.transport];
  if (e.namespace !== undefined) parts.push(`namespace=${e.namespace}`);
  if (e.code !== undefined) parts.push(`code=${e.code}`);
  if (e.reason !== undefined) parts.push(`reason=${JSON.stringify(e.reason)}`);
  return parts.join(' ');
}

async function loadMemoryBackend(options: Record<string, unknown>): Promise<StoreCache> {
  let mod: { createMemoryCache: (o: Record<string, unknown>) => Promise<StoreCache> };
  try {
    mod = (await import('@pywatt/cache-memory')) as typeof mod;
  } catch (error) {
    throw new CacheError(
      'BACKEND_NOT_INSTALLED',
      `pywatt-cache-server serves @pywatt/cache-memory, which is not installed: npm install @pywatt/cache-memory (${describeError(error)})`,
      { operation: 'cli', backend: 'memory', cause: error },
    );
  }
  return mod.createMemoryCache(options);
}

/**
 * Creates the backend of `url` through @pywatt/cache-all, an optional peer dependency
 * of this package: installed beside it, it resolves as any dependency does.
 */
async function loadBackendByUrl(url: string): Promise<StoreCache> {
  let mod: { createCacheService: (url: string) => Promise<StoreCache> };
  try {
    // A variable, so this package builds (and type-checks) before cache-all, which depends on it.
    const specifier = '@pywatt/cache-all';
    mod = (await import(specifier)) as typeof mod;
  } catch (error) {
    throw new CacheError(
      'BACKEND_NOT_INSTALLED',
      `--url needs @pywatt/cache-all and the backend's package installed beside @pywatt/cache-proxy: npm install @pywatt/cache-all @pywatt/cache-<backend> (${describeError(error)})`,
      { operation: 'cli', backend: 'proxy', cause: error },
    );
  }
  return mod.createCacheService(url);
}

/** Runs the command: serves until SIGTERM/SIGINT. Resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(argv, process.env);
  } catch (error) {
    console.error(describeError(error));
    console.error(USAGE);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  let cache: StoreCache | undefined;
  let endpoint: MetricsEndpoint | undefined;
  let admin: AdminEndpoint | undefined;
  try {
    cache =
      options.url === undefined
        ? await loadMemoryBackend(options.memory)
        : await loadBackendByUrl(options.url);
    const metrics =
      options.metricsPort === undefined && options.admin === undefined
        ? undefined
        : new ServerMetrics();
    if (metrics !== undefined && options.metricsPort !== undefined) {
      endpoint = await serveMetrics(metrics, options.metricsPort);
      console.log(`${new Date().toISOString()} metrics http://127.0.0.1:${endpoint.port}/metrics`);
    }
    if (metrics !== undefined && options.admin !== undefined) {
      admin = await serveAdmin({
        ...options.admin,
        metrics,
        cache,
        namespaces: options.tokens.map((grant) => grant.namespace),
        log: (event) => console.log(formatAdminEvent(event)),
      });
      const host = admin.host.includes(':') ? `[${admin.host}]` : admin.host;
      console.log(`${new Date().toISOString()} admin http://${host}:${admin.port}/`);
    }
    const server = await startCacheServer({
      ...options.server,
      ...(metrics === undefined ? {} : { metrics }),
      cache,
      listen: options.listen,
      auth: { tokens: options.tokens },
      log: (event) => console.log(formatEvent(event)),
    });
    const where = server.addresses.map((a) =>
      'socketPath' in a ? `unix:${a.socketPath}` : 'port' in a ? `tcp:${a.host}:${a.port}` : 'ipc',
    );
    console.log(
      `${new Date().toISOString()} listening ${where.join(' ')} backend=${cache.type} tokens=${options.tokens.length}`,
    );
    const overIpc = options.listen.some((t) => 'ipc' in t);
    let onDisconnect: (() => void) | undefined;
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
      // Served over IPC, the parent's exit is the signal to stop.
      onDisconnect = () => resolve('parent disconnected');
      if (overIpc) process.once('disconnect', onDisconnect);
    });
    // A 'disconnect' listener keeps the IPC channel (and so this process) alive.
    if (onDisconnect !== undefined) process.off('disconnect', onDisconnect);
    console.log(`${new Date().toISOString()} ${signal}: draining`);
    await server.close();
    await admin?.close();
    await endpoint?.close();
    await cache.close();
    console.log(`${new Date().toISOString()} stopped`);
    if (overIpc && process.connected) process.disconnect();
    return 0;
  } catch (error) {
    await admin?.close();
    await endpoint?.close();
    await cache?.close();
    console.error(`pywatt-cache-server: ${describeError(error)}`);
    return 1;
  }
}
