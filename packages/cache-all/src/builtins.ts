import { resolve } from 'node:path';
import { type BackendFactory, registerBackend } from './registry.js';
import { TIER_PARAMS, withTier } from './tier.js';
import { credentials, hostPort, type ParsedCacheUrl, urlError, withPort } from './url.js';

/**
 * Imports `packageName` and returns its export `factoryName`. The specifier is a
 * parameter on purpose: this package must build and type-check without any backend
 * installed; `loaders.test.ts` proves each entry resolves to a real factory.
 */
async function importFactory(packageName: string, factoryName: string): Promise<BackendFactory> {
  const module = (await import(packageName)) as Record<string, unknown>;
  return module[factoryName] as BackendFactory;
}

function redisDatabase(scheme: string, segment: string | undefined): { database?: number } {
  if (segment === undefined || segment === '') return {};
  if (!/^\d+$/.test(segment)) urlError(scheme, 'the path must be a database number');
  return { database: Number(segment) };
}

const tlsOf = (scheme: string) => (scheme.startsWith('rediss') ? { tls: true } : {});

function redisFromUrl(url: ParsedCacheUrl): Record<string, unknown> {
  const { scheme, hosts, segments } = url;
  const base = { ...credentials(url), ...tlsOf(scheme) };
  if (scheme.endsWith('+cluster')) {
    if (hosts.length === 0)
      urlError(scheme, 'list at least one cluster node: redis+cluster://h1:7000,h2:7001');
    return { cluster: { nodes: hosts.map((h) => withPort(scheme, h, 6379)) }, ...base };
  }
  if (scheme.endsWith('+sentinel')) {
    if (hosts.length === 0 || segments[0] === undefined)
      urlError(scheme, 'expected redis+sentinel://s1:26379,s2:26379/<master name>[/<db>]');
    const sentinels = hosts.map((h) => withPort(scheme, h, 26379));
    return {
      sentinel: { sentinels, name: segments[0] },
      ...base,
      ...redisDatabase(scheme, segments[1]),
    };
  }
  if (hosts.length !== 1)
    urlError(scheme, `${scheme}:// takes one host; use redis+cluster:// or redis+sentinel://`);
  const { host, port } = hostPort(scheme, hosts[0] as string, 6379);
  if (segments.length > 1) urlError(scheme, 'the path must be only a database number');
  return { hosts: [host], port, ...base, ...redisDatabase(scheme, segments[0]) };
}

function proxyFromUrl(url: ParsedCacheUrl): Record<string, unknown> {
  const token = url.password ? { token: url.password } : {};
  if (url.scheme === 'proxy+ipc') return { transport: 'ipc' };
  if (url.scheme === 'proxy+unix') {
    if (url.path === '') urlError(url.scheme, 'expected proxy+unix:///path/to/socket');
    return { transport: { socketPath: url.path }, ...token };
  }
  if (url.hosts.length !== 1) urlError(url.scheme, 'expected proxy+tcp://host:port');
  const { host, port } = hostPort(url.scheme, url.hosts[0] as string, 0);
  if (port === 0) urlError(url.scheme, 'proxy+tcp:// needs a port');
  return { transport: { host, port }, ...token };
}

/** Registers the five built-in backends, each as any other backend would register. */
export function registerBuiltins(): void {
  registerBackend({
    type: 'memory',
    schemes: ['memory'],
    packageName: '@pywatt/cache-memory',
    load: () => importFactory('@pywatt/cache-memory', 'createMemoryCache'),
    fromUrl: (url) => {
      if (url.hosts.length > 0 || url.segments.length > 0)
        urlError(url.scheme, 'memory:// takes no host or path, only parameters');
      return {};
    },
    params: {
      policy: 'string',
      maxItems: 'number',
      maxSizeBytes: 'number',
      sweepIntervalMs: 'number',
      copyValues: 'boolean',
    },
  });
  registerBackend({
    type: 'file',
    schemes: ['file'],
    packageName: '@pywatt/cache-file',
    load: () => importFactory('@pywatt/cache-file', 'createFileCache'),
    fromUrl: (url) => {
      if (url.hosts.length > 0 && url.hosts[0] !== 'localhost')
        urlError(url.scheme, 'file:// URLs name a local directory: file:///abs/path');
      if (url.path === '' || url.path === '/')
        urlError(url.scheme, 'file:// needs a directory path');
      return { directory: resolve(url.path) };
    },
    params: {
      maxItems: 'number',
      maxSizeBytes: 'number',
      sweepIntervalMs: 'number',
      lockStaleMs: 'number',
      durable: 'boolean',
    },
  });
  registerBackend({
    type: 'redis',
    schemes: [
      'redis',
      'rediss',
      'redis+cluster',
      'rediss+cluster',
      'redis+sentinel',
      'rediss+sentinel',
    ],
    packageName: '@pywatt/cache-redis',
    load: withTier(() => importFactory('@pywatt/cache-redis', 'createRedisCache')),
    fromUrl: redisFromUrl,
    params: { connectTimeoutMs: 'number', database: 'number', tls: 'boolean', ...TIER_PARAMS },
  });
  registerBackend({
    type: 'memcached',
    schemes: ['memcached'],
    packageName: '@pywatt/cache-memcached',
    load: () => importFactory('@pywatt/cache-memcached', 'createMemcachedCache'),
    fromUrl: (url) => {
      if (url.hosts.length === 0)
        urlError(url.scheme, 'list at least one server: memcached://h1:11211,h2:11211');
      return { servers: url.hosts.map((h) => withPort(url.scheme, h, 11211)), ...credentials(url) };
    },
    params: { retries: 'number', generationCacheMs: 'number' },
  });
  registerBackend({
    type: 'proxy',
    schemes: ['proxy+unix', 'proxy+tcp', 'proxy+ipc'],
    packageName: '@pywatt/cache-proxy',
    load: () => importFactory('@pywatt/cache-proxy', 'createProxyCache'),
    fromUrl: proxyFromUrl,
    params: { token: 'string', connectTimeoutMs: 'number' },
  });
}
