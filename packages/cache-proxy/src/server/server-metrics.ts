import { createServer, type Server } from 'node:http';
import { CacheError, describeError } from '@pywatt/cache-core';
import type { ConnectionEvent } from './connection.js';

/** One answered request, as the server reports it to {@link ServerMetrics.record}. */
export interface RequestRecord {
  /** The namespace of the token the client authenticated with. */
  readonly tokenNamespace: string;
  /** The protocol's operation code (see PROTOCOL.md). */
  readonly opCode: number;
  /** From the request's arrival to its answer being ready, in milliseconds. */
  readonly durationMs: number;
  /** What the request resolved with (undefined also when it failed). */
  readonly result?: unknown;
  /** Why it failed, when it did. */
  readonly error?: CacheError | undefined;
}

/** Something that follows a server's requests and connections (the admin dashboard's live figures). */
export interface MetricsObserver {
  request?(record: RequestRecord): void;
  connection?(event: ConnectionEvent): void;
}

/** The Prometheus text exposition content type (format 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/**
 * The counters of one cache server, rendered in the Prometheus text format.
 * Pass it to `startCacheServer({ metrics })`; it learns from the connection
 * events and from each answered request. Labels hold token namespaces and
 * error codes only (never tokens or keys), so their number is bounded by the
 * token table.
 */
export class ServerMetrics {
  #opened = 0;
  #open = 0;
  #authFailures = 0;
  /** Connections closed by a protocol violation, by code (PROTOCOL, TIMEOUT, VALUE_TOO_LARGE, …). */
  readonly #frameErrors = new Map<string, number>();
  /** Requests answered, by `namespace\0outcome` (outcome: `ok` or an error code). */
  readonly #requests = new Map<string, number>();
  readonly #observers = new Set<MetricsObserver>();

  /** Calls `observer` for every later request and connection event; returns the way to stop. */
  observe(observer: MetricsObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Counts one answered request and hands it to the observers. */
  record(record: RequestRecord): void {
    this.request(record.tokenNamespace, record.error?.code);
    for (const observer of this.#observers) observer.request?.(record);
  }

  /** Counts one connection event. */
  connection(event: ConnectionEvent): void {
    for (const observer of this.#observers) observer.connection?.(event);
    if (event.event === 'open') {
      this.#opened++;
      this.#open++;
    } else if (event.event === 'rejected') {
      this.#authFailures++;
      this.#open--;
    } else if (event.event === 'closed') {
      this.#open--;
      if (event.code !== undefined) bump(this.#frameErrors, event.code);
    }
  }

  /** Counts one answered request of a token's namespace; `errorCode` undefined for success. */
  request(tokenNamespace: string, errorCode: string | undefined): void {
    bump(this.#requests, `${tokenNamespace}\0${errorCode ?? 'ok'}`);
  }

  /** The current values in the Prometheus text exposition format. */
  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    metric('pywatt_cache_server_connections_total', 'counter', 'Connections accepted.');
    lines.push(`pywatt_cache_server_connections_total ${this.#opened}`);
    metric('pywatt_cache_server_connections', 'gauge', 'Connections open now.');
    lines.push(`pywatt_cache_server_connections ${this.#open}`);
    metric(
      'pywatt_cache_server_auth_failures_total',
      'counter',
      'Handshakes with an unknown token.',
    );
    lines.push(`pywatt_cache_server_auth_failures_total ${this.#authFailures}`);
    metric(
      'pywatt_cache_server_frame_errors_total',
      'counter',
      'Connections closed for a bad, oversized or stalled frame, by code.',
    );
    for (const [code, n] of this.#frameErrors)
      lines.push(`pywatt_cache_server_frame_errors_total{code="${escapeLabel(code)}"} ${n}`);
    metric(
      'pywatt_cache_server_requests_total',
      'counter',
      'Requests answered, by token namespace and outcome (ok or the error code).',
    );
    for (const [key, n] of this.#requests) {
      const [namespace = '', outcome = ''] = key.split('\0');
      lines.push(
        `pywatt_cache_server_requests_total{namespace="${escapeLabel(namespace)}",outcome="${escapeLabel(outcome)}"} ${n}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `metrics.render()` at `GET /metrics` on a loopback `host`:`port`
 * (404 elsewhere). Rejects with CONFIGURATION when the port is taken.
 */
export async function serveMetrics(
  metrics: ServerMetrics,
  port: number,
  host = '127.0.0.1',
): Promise<MetricsEndpoint> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(metrics.render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new CacheError(
          'CONFIGURATION',
          `metrics endpoint cannot listen on ${host}:${port}: ${describeError(error)}`,
          {
            operation: 'serveMetrics',
            backend: 'proxy',
            cause: error,
          },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
