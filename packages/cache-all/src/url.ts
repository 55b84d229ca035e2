import { resolve } from 'node:path';
import { type CacheConfig, CacheError } from '@pywatt/cache-core';

/** Query parameters a URL may carry, with the type each is read as. */
const PARAM_TYPES: Readonly<Record<string, 'number' | 'boolean' | 'string'>> = {
  namespace: 'string',
  defaultTtlMs: 'number',
  maxValueBytes: 'number',
  operationTimeoutMs: 'number',
  connectTimeoutMs: 'number',
  policy: 'string',
  maxItems: 'number',
  maxSizeBytes: 'number',
  sweepIntervalMs: 'number',
  copyValues: 'boolean',
  lockStaleMs: 'number',
  durable: 'boolean',
  database: 'number',
  tls: 'boolean',
  retries: 'number',
  generationCacheMs: 'number',
  token: 'string',
};

interface UrlParts {
  scheme: string;
  username: string | undefined;
  password: string | undefined;
  hosts: string[];
  path: string;
  params: Record<string, unknown>;
}

/** Replaces the password (and a proxy token) in a cache URL with `***`, for messages and logs. */
export function redactCacheUrl(url: string): string {
  return url
    .replace(/^([a-z+]+:\/\/[^:/@?]*:)[^@/?]*@/i, '$1***@')
    .replace(/([?&]token=)[^&]*/i, '$1***');
}

function fail(url: string, message: string): never {
  const where = /^[a-z][a-z0-9+.-]*:/i.test(url) ? `cache URL ${redactCacheUrl(url)}` : url;
  throw new CacheError('CONFIGURATION', `${where}: ${message}`, { operation: 'create' });
}

function decode(url: string, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(url, `the ${what} is not valid percent-encoding`);
  }
}

/** Reads typed query parameters (`maxItems=5&durable=true`); `source` names them in errors. */
export function readParams(source: string, query: string): Record<string, unknown> {
  const url = source;
  const params: Record<string, unknown> = {};
  for (const [name, raw] of new URLSearchParams(query)) {
    const type = PARAM_TYPES[name];
    if (type === undefined)
      fail(url, `unknown parameter '${name}'; accepted: ${Object.keys(PARAM_TYPES).join(', ')}`);
    if (name in params) fail(url, `parameter '${name}' is given twice`);
    if (type === 'number') {
      const value =
        raw === 'Infinity'
          ? Number.POSITIVE_INFINITY
          : raw.trim() === ''
            ? Number.NaN
            : Number(raw);
      if (Number.isNaN(value)) fail(url, `parameter '${name}' must be a number, got '${raw}'`);
      params[name] = value;
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false')
        fail(url, `parameter '${name}' must be true or false, got '${raw}'`);
      params[name] = raw === 'true';
    } else {
      params[name] = raw;
    }
  }
  return params;
}

/** Splits `scheme://[user[:password]@]host1,host2/path?query` without WHATWG's single-host rules. */
function splitUrl(url: string): UrlParts {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/i.exec(url);
  if (match === null) return fail(url, 'expected scheme://host/path?query');
  const [, scheme = '', authority = '', path = '', query = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    username =
      decode(url, colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name') || undefined;
    password =
      colon === -1 ? undefined : decode(url, userinfo.slice(colon + 1), 'password') || undefined;
  }
  return {
    scheme: scheme.toLowerCase(),
    username,
    password,
    hosts: hostList === '' ? [] : hostList.split(','),
    path: decode(url, path, 'path'),
    params: readParams(url, query),
  };
}

function hostPort(url: string, host: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (match === null) return fail(url, `'${host}' is not host or host:port`);
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (match[2] !== undefined && (port < 1 || port > 65535))
    fail(url, `port ${port} is out of range`);
  return { host: match[1]!, port };
}

function withPort(url: string, host: string, defaultPort: number): string {
  const parsed = hostPort(url, host, defaultPort);
  return `${parsed.host}:${parsed.port}`;
}

function credentials(parts: UrlParts): { username?: string; password?: string } {
  return {
    ...(parts.username === undefined ? {} : { username: parts.username }),
    ...(parts.password === undefined ? {} : { password: parts.password }),
  };
}

function redisDatabase(url: string, segment: string | undefined): { database?: number } {
  if (segment === undefined || segment === '') return {};
  if (!/^\d+$/.test(segment)) fail(url, `the path must be a database number, got '${segment}'`);
  return { database: Number(segment) };
}

/**
 * Reads a cache URL into a config object (not yet validated by the backend):
 * `memory://?maxItems=1000&policy=lfu`, `file:///abs/dir`, `file:./relative/dir`,
 * `redis://user:pass@host:6379/2?namespace=app`, `rediss://…`,
 * `redis+sentinel://s1:26379,s2:26379/mymaster/0`, `redis+cluster://h1:7000,h2:7001`,
 * `memcached://h1:11211,h2:11211`, `proxy+unix:///run/cache.sock`,
 * `proxy+tcp://host:port?token=…`. Other fields come as typed query parameters.
 * Throws CONFIGURATION (with the password redacted) for anything it cannot read.
 */
export function parseCacheUrl(url: string): CacheConfig {
  if (typeof url !== 'string' || url.length === 0) {
    throw new CacheError(
      'CONFIGURATION',
      'a cache URL must be a non-empty string such as memory:// or redis://host:6379',
      { operation: 'create' },
    );
  }
  if (/^file:(?!\/\/)/i.test(url)) {
    const [path = '', query = ''] = url.slice('file:'.length).split('?', 2);
    if (path === '')
      fail(url, 'file: needs a directory, e.g. file:./cache or file:///var/cache/app');
    return {
      type: 'file',
      directory: resolve(decode(url, path, 'path')),
      ...readParams(url, query),
    } as CacheConfig;
  }
  const parts = splitUrl(url);
  const params = parts.params;
  const segments = parts.path.split('/').filter((s) => s !== '');
  switch (parts.scheme) {
    case 'memory':
      if (parts.hosts.length > 0 || segments.length > 0)
        fail(url, 'memory:// takes no host or path, only parameters');
      return { type: 'memory', ...params } as CacheConfig;
    case 'file':
      if (parts.hosts.length > 0 && parts.hosts[0] !== 'localhost')
        fail(url, 'file:// URLs name a local directory: file:///abs/path');
      if (parts.path === '' || parts.path === '/') fail(url, 'file:// needs a directory path');
      return { type: 'file', directory: parts.path, ...params } as CacheConfig;
    case 'redis':
    case 'rediss': {
      if (parts.hosts.length !== 1)
        fail(
          url,
          `${parts.scheme}:// takes one host; use redis+cluster:// or redis+sentinel:// for several`,
        );
      const { host, port } = hostPort(url, parts.hosts[0]!, 6379);
      if (segments.length > 1) fail(url, 'the path must be only a database number');
      const tls = parts.scheme === 'rediss' ? { tls: true } : {};
      return {
        type: 'redis',
        hosts: [host],
        port,
        ...credentials(parts),
        ...redisDatabase(url, segments[0]),
        ...tls,
        ...params,
      } as CacheConfig;
    }
    case 'redis+cluster':
    case 'rediss+cluster': {
      if (parts.hosts.length === 0)
        fail(url, 'list at least one cluster node: redis+cluster://h1:7000,h2:7001');
      const nodes = parts.hosts.map((h) => withPort(url, h, 6379));
      const tls = parts.scheme === 'rediss+cluster' ? { tls: true } : {};
      return {
        type: 'redis',
        cluster: { nodes },
        ...credentials(parts),
        ...tls,
        ...params,
      } as CacheConfig;
    }
    case 'redis+sentinel':
    case 'rediss+sentinel': {
      if (parts.hosts.length === 0 || segments[0] === undefined)
        fail(url, 'expected redis+sentinel://s1:26379,s2:26379/<master name>[/<db>]');
      const sentinels = parts.hosts.map((h) => withPort(url, h, 26379));
      const tls = parts.scheme === 'rediss+sentinel' ? { tls: true } : {};
      return {
        type: 'redis',
        sentinel: { sentinels, name: segments[0]! },
        ...credentials(parts),
        ...redisDatabase(url, segments[1]),
        ...tls,
        ...params,
      } as CacheConfig;
    }
    case 'memcached': {
      if (parts.hosts.length === 0)
        fail(url, 'list at least one server: memcached://h1:11211,h2:11211');
      return {
        type: 'memcached',
        servers: parts.hosts.map((h) => withPort(url, h, 11211)),
        ...credentials(parts),
        ...params,
      } as CacheConfig;
    }
    case 'proxy+unix':
      if (parts.path === '') fail(url, 'expected proxy+unix:///path/to/socket');
      return {
        type: 'proxy',
        transport: { socketPath: parts.path },
        ...(parts.password ? { token: parts.password } : {}),
        ...params,
      } as CacheConfig;
    case 'proxy+tcp': {
      if (parts.hosts.length !== 1) fail(url, 'expected proxy+tcp://host:port');
      const { host, port } = hostPort(url, parts.hosts[0]!, 0);
      if (port === 0) fail(url, 'proxy+tcp:// needs a port');
      return {
        type: 'proxy',
        transport: { host, port },
        ...(parts.password ? { token: parts.password } : {}),
        ...params,
      } as CacheConfig;
    }
    case 'proxy+ipc':
      return { type: 'proxy', transport: 'ipc', ...params } as CacheConfig;
    default:
      return fail(
        url,
        `unknown scheme '${parts.scheme}'; use memory, file, redis, rediss, redis+cluster, redis+sentinel, memcached, proxy+unix, proxy+tcp or proxy+ipc`,
      );
  }
}
