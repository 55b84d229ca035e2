import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CacheError } from '@pywatt/cache-core';
import { ADMIN_TOKEN_ENV } from '../admin/admin-server.js';
import type { TokenGrant } from '../server/auth.js';
import type { ListenTarget } from '../server/cache-server.js';

/** What the command line and config file resolve to. */
export interface CliOptions {
  listen: ListenTarget[];
  tokens: TokenGrant[];
  /** Options for createMemoryCache (when no `url` is given). */
  memory: Record<string, unknown>;
  /** A backend URL for @pywatt/cache-all's createCacheService (any backend). */
  url?: string;
  /** Server limits (maxFrameBytes, maxInFlight, ...). */
  server: Record<string, unknown>;
  /** Serve Prometheus metrics at http://127.0.0.1:<port>/metrics. */
  metricsPort?: number;
  /** Serve the admin dashboard (never printed: it holds the admin token). */
  admin?: { port: number; host: string; token: string };
}

/** The usage text. */
export const USAGE = `Usage: pywatt-cache-server [options]

Serves a PyWatt cache to other processes (protocol: PROTOCOL.md): the memory
backend by default, or any backend by URL (needs @pywatt/cache-all and that
backend installed where the command runs).

  --socket PATH          listen on a Unix socket (created with mode 0600)
  --port N               listen on TCP (loopback only)
  --host HOST            TCP host (default 127.0.0.1; must be loopback)
  --ipc                  also serve the parent over the IPC channel (when started with fork())
  --metrics-port N       serve Prometheus metrics at http://127.0.0.1:N/metrics (0: a free port)
  --admin-port N         serve the admin dashboard at http://127.0.0.1:N/ (0: a free port); needs an admin token
  --admin-host HOST      bind the dashboard elsewhere (default 127.0.0.1; it speaks plain HTTP)
  --admin-token-file F   the admin token (at least 16 characters), else PYWATT_CACHE_ADMIN_TOKEN
  --tokens-file FILE     JSON [{"token": "...", "namespace": "..."}] or lines "namespace token"
  --url URL              serve this backend instead, e.g. redis://127.0.0.1:6379 or file:///var/cache/app
  --config FILE          JSON { "listen": [...], "tokensFile": "...", "url": "...", "memory": {...}, "server": {...} }
  --max-items N          memory backend bound (entries)
  --max-size-bytes N     memory backend bound (bytes)
  --policy P             lru | fifo | mru | lfu | none
  --default-ttl-ms N     TTL of writes that give none
  --hot-keys N           memory backend: follow the N hottest keys for the dashboard (policy lfu or tinylfu)
  --help                 this text

Tokens may also come from PYWATT_CACHE_TOKENS (same formats as the file).
SIGTERM or SIGINT: stop accepting, finish running requests, exit 0.`;

const fail = (message: string): never => {
  throw new CacheError('CONFIGURATION', `pywatt-cache-server: ${message}`, {
    operation: 'cli',
    backend: 'proxy',
  });
};

/** Parses tokens from JSON or "namespace token" lines (blank lines and # comments skipped). */
export function parseTokens(text: string, source: string): TokenGrant[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as TokenGrant[];
    } catch (error) {
      return fail(`${source} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, i) => {
      const [namespace, token, ...rest] = line.split(/\s+/);
      if (namespace === undefined || token === undefined || rest.length > 0)
        fail(`${source} line ${i + 1} must be "namespace token"`);
      return { namespace: namespace as string, token: token as string };
    });
}

const integer = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) fail(`${flag} must be a whole number, got '${value}'`);
  return n;
};

const readJson = (path: string): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return fail(`cannot read config file ${path}: ${(error as Error).message}`);
  }
};

const readText = (path: string, what: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
};

function adminOptions(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): Pick<CliOptions, 'admin'> {
  const port = integer(values['admin-port'] as string | undefined, '--admin-port');
  if (port === undefined) {
    if (values['admin-host'] !== undefined || values['admin-token-file'] !== undefined)
      fail('--admin-host and --admin-token-file need --admin-port');
    return {};
  }
  const file = values['admin-token-file'] as string | undefined;
  const token =
    file === undefined ? env[ADMIN_TOKEN_ENV] : readText(file, 'admin token file').trim();
  if (token === undefined || token === '')
    fail(
      `--admin-port needs an admin token: give --admin-token-file FILE or set ${ADMIN_TOKEN_ENV}`,
    );
  if ((token as string).length < 16) fail('the admin token must be at least 16 characters');
  return {
    admin: {
      port,
      host: (values['admin-host'] as string | undefined) ?? '127.0.0.1',
      token: token as string,
    },
  };
}

/** Resolves argv, the config file and the environment into {@link CliOptions}; undefined for --help. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'tokens-file': { type: 'string' },
      config: { type: 'string' },
      url: { type: 'string' },
      'max-items': { type: 'string' },
      'max-size-bytes': { type: 'string' },
      policy: { type: 'string' },
      'default-ttl-ms': { type: 'string' },
      help: { type: 'boolean' },
      ipc: { type: 'boolean' },
      'metrics-port': { type: 'string' },
      'admin-port': { type: 'string' },
      'admin-host': { type: 'string' },
      'admin-token-file': { type: 'string' },
      'hot-keys': { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const file = values.config === undefined ? {} : readJson(values.config);
  const listen: ListenTarget[] = Array.isArray(file.listen)
    ? [...(file.listen as ListenTarget[])]
    : [];
  if (values.socket !== undefined) listen.push({ socketPath: values.socket });
  const port = integer(values.port, '--port');
  if (port !== undefined) listen.push({ host: values.host ?? '127.0.0.1', port });
  if (values.ipc === true) {
    if (process.send === undefined)
      fail('--ipc needs a parent that started this process with fork()');
    listen.push({ ipc: process });
  }
  if (listen.length === 0) fail('give --socket PATH or --port N (or "listen" in --config)');

  const tokensFile =
    values['tokens-file'] ?? (typeof file.tokensFile === 'string' ? file.tokensFile : undefined);
  let tokens: TokenGrant[];
  if (tokensFile !== undefined) {
    tokens = parseTokens(readText(tokensFile, 'tokens file'), tokensFile);
  } else if (env.PYWATT_CACHE_TOKENS !== undefined)
    tokens = parseTokens(env.PYWATT_CACHE_TOKENS, 'PYWATT_CACHE_TOKENS');
  else return fail('no tokens: give --tokens-file FILE or set PYWATT_CACHE_TOKENS');

  const memory: Record<string, unknown> = {
    ...((file.memory as Record<string, unknown> | undefined) ?? {}),
  };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) memory[key] = value;
  };
  set('maxItems', integer(values['max-items'], '--max-items'));
  set('maxSizeBytes', integer(values['max-size-bytes'], '--max-size-bytes'));
  set('policy', values.policy);
  set('defaultTtlMs', integer(values['default-ttl-ms'], '--default-ttl-ms'));
  set('hotKeys', integer(values['hot-keys'], '--hot-keys'));
  const url = values.url ?? (typeof file.url === 'string' ? file.url : undefined);
  const metricsPort = integer(values['metrics-port'], '--metrics-port');
  if (url !== undefined && Object.keys(memory).length > 0)
    fail('--url and the memory options (--max-items, --policy, ..., "memory") exclude each other');
  return {
    listen,
    tokens,
    memory,
    ...(url === undefined ? {} : { url }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...adminOptions(values, env),
    server: { ...((file.server as Record<string, unknown> | undefined) ?? {}) },
  };
}
