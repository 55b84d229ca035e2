import type { Awaitable, BackendStats } from '@pywatt/cache-core';
import { OP_NAMES, Op } from '../protocol/constants.js';
import type { ConnectionEvent } from '../server/connection.js';
import type { RequestRecord, ServerMetrics } from '../server/server-metrics.js';
import { LatencyHistogram } from './latency-histogram.js';

/** The figures of one interval, for one token namespace or for the whole server. */
export interface IntervalFigures {
  opsPerSec: number;
  /** Hits over hits + misses of `get` and `getMany` keys; null when none ran. */
  hitRatio: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errorsPerSec: number;
  /** Authenticated connections open at the end of the interval. */
  connections: number;
}

/** One point of the dashboard's charts. */
export interface LiveSample {
  /** When the interval ended, in ms since the epoch. */
  t: number;
  overall: IntervalFigures;
  namespaces: Record<string, IntervalFigures>;
  memory: {
    rssBytes: number;
    heapUsedBytes: number;
    /** What the served store reports holding (null when it does not tell). */
    storeBytes: number | null;
    storeItems: number | null;
  };
}

/** One entry of the recent-errors list. */
export interface RecentError {
  t: number;
  code: string;
  message: string;
  namespace?: string | undefined;
  op?: string | undefined;
}

/** Options of {@link LiveStats}. */
export interface LiveStatsOptions {
  metrics: ServerMetrics;
  /** The token namespaces (each gets its own row and series). */
  namespaces: readonly string[];
  /** The served store, asked for its memory figures once per interval. */
  store?: { stats(): Awaitable<BackendStats> } | undefined;
  /** Length of one interval in ms. Default 1000. */
  intervalMs?: number | undefined;
  /** Intervals kept for the charts. Default 300 (five minutes). */
  keepSamples?: number | undefined;
  /** Recent errors kept. Default 50. */
  keepErrors?: number | undefined;
}

class Counters {
  requests = 0;
  hits = 0;
  misses = 0;
  errors = 0;
  connections = 0;
  totalRequests = 0;
  totalErrors = 0;
  readonly histogram = new LatencyHistogram();

  figures(seconds: number): IntervalFigures {
    const reads = this.hits + this.misses;
    return {
      opsPerSec: this.requests / seconds,
      hitRatio: reads === 0 ? null : this.hits / reads,
      p50Ms: this.histogram.quantileMs(0.5) ?? null,
      p99Ms: this.histogram.quantileMs(0.99) ?? null,
      errorsPerSec: this.errors / seconds,
      connections: this.connections,
    };
  }

  restart(): void {
    this.requests = this.hits = this.misses = this.errors = 0;
    this.histogram.reset();
  }
}

/**
 * The live figures behind the admin dashboard: follows a {@link ServerMetrics}
 * and, once per interval, turns its counts into one {@link LiveSample}
 * (operations/s, hit ratio, latency p50/p99 from a log-linear histogram,
 * connections, memory), overall and per token namespace. Keeps the last
 * samples and errors in bounded rings; its timer never keeps the process alive.
 */
export class LiveStats {
  readonly #byNamespace = new Map<string, Counters>();
  readonly #connectionNamespace = new Map<number, string>();
  readonly #samples: LiveSample[] = [];
  readonly #errors: RecentError[] = [];
  readonly #keepSamples: number;
  readonly #keepErrors: number;
  readonly #store: LiveStatsOptions['store'];
  readonly #stopObserving: () => void;
  readonly #timer: NodeJS.Timeout;
  #intervalStart = performance.now();
  #storeFigures: { bytes: number | null; items: number | null } = { bytes: null, items: null };
  #storeAsked = false;

  constructor(options: LiveStatsOptions) {
    for (const ns of options.namespaces) this.#byNamespace.set(ns, new Counters());
    this.#keepSamples = options.keepSamples ?? 300;
    this.#keepErrors = options.keepErrors ?? 50;
    this.#store = options.store;
    this.#stopObserving = options.metrics.observe({
      request: (record) => this.#request(record),
      connection: (event) => this.#connection(event),
    });
    this.#timer = setInterval(() => this.sample(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** The token namespaces, in the order given. */
  get namespaces(): string[] {
    return [...this.#byNamespace.keys()];
  }

  /** Samples that ended after `sinceMs` (ms since the epoch), oldest first. */
  samplesSince(sinceMs = 0): LiveSample[] {
    return this.#samples.filter((s) => s.t > sinceMs);
  }

  /** The most recent errors, newest first. */
  recentErrors(): RecentError[] {
    return [...this.#errors].reverse();
  }

  /** Requests and errors per token namespace since the start. */
  totals(): Record<string, { requests: number; errors: number }> {
    const out: Record<string, { requests: number; errors: number }> = {};
    for (const [ns, c] of this.#byNamespace)
      out[ns] = { requests: c.totalRequests, errors: c.totalErrors };
    return out;
  }

  /** Closes the current interval now (the timer calls this once per interval). */
  sample(): LiveSample {
    const now = performance.now();
    const seconds = Math.max((now - this.#intervalStart) / 1000, 0.001);
    this.#intervalStart = now;
    const all = new Counters();
    const namespaces: Record<string, IntervalFigures> = {};
    for (const [ns, c] of this.#byNamespace) {
      namespaces[ns] = c.figures(seconds);
      all.requests += c.requests;
      all.hits += c.hits;
      all.misses += c.misses;
      all.errors += c.errors;
      all.connections += c.connections;
      all.histogram.add(c.histogram);
      c.restart();
    }
    const memory = process.memoryUsage();
    this.#askStore();
    const sample: LiveSample = {
      t: Date.now(),
      overall: all.figures(seconds),
      namespaces,
      memory: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        storeBytes: this.#storeFigures.bytes,
        storeItems: this.#storeFigures.items,
      },
    };
    this.#samples.push(sample);
    if (this.#samples.length > this.#keepSamples) this.#samples.shift();
    return sample;
  }

  /** Stops following the server and the timer. */
  close(): void {
    clearInterval(this.#timer);
    this.#stopObserving();
  }

  // The store's stats() may be a network round trip: never awaited by the sample, one at a time.
  #askStore(): void {
    if (this.#store === undefined || this.#storeAsked) return;
    this.#storeAsked = true;
    Promise.resolve()
      .then(() => this.#store?.stats())
      .then(
        (stats) => {
          this.#storeFigures = {
            bytes: stats?.memoryUsedBytes ?? null,
            items: stats?.itemCount ?? null,
          };
        },
        () => {
          this.#storeFigures = { bytes: null, items: null };
        },
      )
      .finally(() => {
        this.#storeAsked = false;
      });
  }

  #request(record: RequestRecord): void {
    const c = this.#byNamespace.get(record.tokenNamespace);
    if (c === undefined) return;
    c.requests++;
    c.totalRequests++;
    c.histogram.record(record.durationMs);
    if (record.error !== undefined) {
      c.errors++;
      c.totalErrors++;
      this.#pushError({
        t: Date.now(),
        code: record.error.code,
        message: record.error.message.slice(0, 300),
        namespace: record.tokenNamespace,
        op: OP_NAMES.get(record.opCode),
      });
    } else if (record.opCode === Op.get) {
      if (record.result === undefined) c.misses++;
      else c.hits++;
    } else if (record.opCode === Op.getMany && Array.isArray(record.result)) {
      for (const value of record.result) {
        if (value === null || value === undefined) c.misses++;
        else c.hits++;
      }
    }
  }

  #connection(event: ConnectionEvent): void {
    if (event.event === 'authenticated' && event.namespace !== undefined) {
      const ns = this.#tokenNamespaceOf(event.namespace);
      if (ns === undefined) return;
      this.#connectionNamespace.set(event.connectionId, ns);
      (this.#byNamespace.get(ns) as Counters).connections++;
      return;
    }
    if (event.event !== 'closed' && event.event !== 'rejected') return;
    const ns = this.#connectionNamespace.get(event.connectionId);
    if (ns !== undefined) {
      this.#connectionNamespace.delete(event.connectionId);
      (this.#byNamespace.get(ns) as Counters).connections--;
    }
    if (event.code !== undefined)
      this.#pushError({
        t: Date.now(),
        code: event.code,
        message: `${event.event} ${event.transport}: ${event.reason ?? ''}`.slice(0, 300),
        namespace: ns,
      });
  }

  // Namespaces never nest (the token table refuses it), so at most one matches.
  #tokenNamespaceOf(namespace: string): string | undefined {
    for (const ns of this.#byNamespace.keys())
      if (namespace === ns || namespace.startsWith(`${ns}:`)) return ns;
    return undefined;
  }

  #pushError(error: RecentError): void {
    this.#errors.push(error);
    if (this.#errors.length > this.#keepErrors) this.#errors.shift();
  }
}
