import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CacheError, describeError } from '@pywatt/cache-core';
import { HostedCache, type Servable } from '../server/hosted-cache.js';
import { METRICS_CONTENT_TYPE, type ServerMetrics } from '../server/server-metrics.js';
import { loadAdminAssets } from './admin-assets.js';
import { LiveStats } from './live-stats.js';

/** Where the environment gives `pywatt-cache-server` its admin token. */
export const ADMIN_TOKEN_ENV = 'PYWATT_CACHE_ADMIN_TOKEN';

/** One line of the admin audit log. Never carries the token. */
export interface AdminEvent {
  /** `clear`: a namespace was cleared; `refused`: a request without a valid admin token. */
  event: 'clear' | 'refused';
  /** The peer's address. */
  remoteAddress: string;
  method: string;
  /** The URL path (never its query). */
  path: string;
  /** The HTTP status answered. */
  status: number;
  /** The namespace cleared. */
  namespace?: string | undefined;
  /** The name the operator typed when signing in to the page (self-declared, for the log). */
  operator?: string | undefined;
}

/** Options of {@link serveAdmin}. */
export interface AdminOptions {
  /** The secret every data request must carry as `Authorization: Bearer <token>`; at least 16 characters. */
  token: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to bind. Default `127.0.0.1`: the page is for the machine's own operators. */
  host?: string | undefined;
  /** The server's counters (pass the same to `startCacheServer`): served at `/metrics`, followed for the charts. */
  metrics: ServerMetrics;
  /** The token namespaces (each gets its own series, row and clear action). */
  namespaces: readonly string[];
  /** One chart point per this many ms. Default 1000. */
  intervalMs?: number | undefined;
  /** The cache the server serves: for clearing a namespace and reading hot keys. */
  cache: Servable;
  /** Called once per audited request (clears, refusals). */
  log?: ((event: AdminEvent) => void) | undefined;
}

/** A running admin endpoint. */
export interface AdminEndpoint {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly host: string;
  /** Stops serving and stops the live figures. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const MAX_BODY_BYTES = 4096;
const HOT_KEYS_SHOWN = 12;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response
    .writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' })
    .end(JSON.stringify(body));
};

/**
 * Serves the admin dashboard of a cache server: the page and its assets
 * (no secrets in them, so served to anyone who can reach the port), and,
 * only with `Authorization: Bearer <admin token>` (401 without, 403 with a
 * wrong one; compared in constant time): `GET /api/stats`, `GET /metrics`
 * and `POST /api/clear`. Rejects with CONFIGURATION for a short token or a
 * port in use.
 */
export async function serveAdmin(options: AdminOptions): Promise<AdminEndpoint> {
  const fail = (message: string, cause?: unknown): never => {
    throw new CacheError('CONFIGURATION', `admin endpoint: ${message}`, {
      operation: 'serveAdmin',
      backend: 'proxy',
      cause,
    });
  };
  if (typeof options.token !== 'string' || options.token.length < 16)
    fail(`the admin token must be a string of at least 16 characters (set ${ADMIN_TOKEN_ENV})`);
  const expected = digest(options.token);
  const host = options.host ?? '127.0.0.1';
  const assets = loadAdminAssets();
  const hosted = new HostedCache(options.cache);
  const { metrics, log } = options;
  const stats = new LiveStats({
    metrics,
    namespaces: options.namespaces,
    store: hosted.store,
    intervalMs: options.intervalMs,
  });

  const authorized = (request: IncomingMessage): 401 | 403 | undefined => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer (\S+)$/i.exec(header.trim());
    if (match === null) return 401;
    return timingSafeEqual(digest(match[1] as string), expected) ? undefined : 403;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] as string;
    const method = request.method ?? 'GET';
    const asset = assets.get(path === '/index.html' ? '/' : path);
    if (asset !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD', 'use GET');
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType });
      response.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    const route = `${method} ${path}`;
    if (!['GET /api/stats', 'GET /metrics', 'POST /api/clear'].includes(route))
      throw new HttpError(404, 'NOT_FOUND', `no ${route} here`);
    const refused = authorized(request);
    if (refused !== undefined) {
      log?.({ event: 'refused', remoteAddress: peer(request), method, path, status: refused });
      response.setHeader('www-authenticate', 'Bearer realm="pywatt-cache-server admin"');
      throw new HttpError(
        refused,
        'UNAUTHORIZED',
        refused === 401
          ? 'send the admin token as "Authorization: Bearer <token>"'
          : 'this is not the admin token',
      );
    }
    if (route === 'GET /metrics') {
      response
        .writeHead(200, { ...SECURITY_HEADERS, 'content-type': METRICS_CONTENT_TYPE })
        .end(metrics.render());
    } else if (route === 'GET /api/stats') {
      const since = Number(new URL(request.url ?? '/', 'http://admin').searchParams.get('since'));
      json(response, 200, {
        backend: hosted.type,
        namespaces: stats.namespaces,
        samples: stats.samplesSince(Number.isFinite(since) ? since : 0),
        totals: stats.totals(),
        hotKeys: hotKeys(hosted, stats.namespaces),
        errors: stats.recentErrors(),
      });
    } else {
      const body = await readJson(request);
      const namespace = body.namespace;
      if (typeof namespace !== 'string' || !stats.namespaces.includes(namespace))
        throw new HttpError(404, 'UNKNOWN_NAMESPACE', 'no token has this namespace');
      if (body.confirm !== namespace)
        throw new HttpError(
          400,
          'CONFIRMATION_REQUIRED',
          'to clear a namespace, send "confirm" equal to its name',
        );
      const operator =
        typeof body.operator === 'string' && body.operator.length <= 64 ? body.operator : undefined;
      await hosted.store.clear(hosted.key(`${namespace}:`, ''));
      const at = new Date().toISOString();
      log?.({
        event: 'clear',
        remoteAddress: peer(request),
        method,
        path,
        status: 200,
        namespace,
        operator,
      });
      json(response, 200, { cleared: namespace, at });
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      if (error instanceof HttpError)
        json(response, error.status, { error: { code: error.code, message: error.message } });
      else {
        const e = hosted.wrap(error, 'admin');
        json(response, 500, { error: { code: e.code, message: e.message } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      stats.close();
      reject(
        new CacheError(
          'CONFIGURATION',
          `admin endpoint cannot listen on ${host}:${options.port}: ${describeError(error)}`,
          { operation: 'serveAdmin', backend: 'proxy', cause: error },
        ),
      );
    });
    server.listen(options.port, host, resolve);
  });
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        stats.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const peer = (request: IncomingMessage): string => request.socket.remoteAddress ?? '?';

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
    throw new HttpError(415, 'BAD_REQUEST', 'send a JSON body (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'BAD_REQUEST', 'the body is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'BAD_REQUEST', 'the body must be a JSON object');
}

interface HotKeyReader {
  hotKeys?: (limit: number) => ReadonlyArray<{ key: string; estimate: number }> | null;
}

/** The served store's hottest keys by token namespace, or null when it cannot estimate them. */
function hotKeys(
  hosted: HostedCache,
  namespaces: readonly string[],
): Array<{ namespace: string; key: string; estimate: number }> | null {
  const reader = hosted.store as HotKeyReader;
  if (typeof reader.hotKeys !== 'function') return null;
  let hot: ReturnType<NonNullable<HotKeyReader['hotKeys']>>;
  try {
    hot = reader.hotKeys(HOT_KEYS_SHOWN);
  } catch {
    return null;
  }
  if (hot === null) return null;
  const prefix = hosted.key('', '');
  const out: Array<{ namespace: string; key: string; estimate: number }> = [];
  for (const { key, estimate } of hot) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const namespace = namespaces.find((ns) => rest.startsWith(`${ns}:`));
    if (namespace !== undefined)
      out.push({ namespace, key: rest.slice(namespace.length + 1), estimate });
  }
  return out;
}
