import { randomBytes } from 'node:crypto';
import type { StoreCache } from '@pywatt/cache-core';
import { type Command, formatMs, parseCount } from '../command.js';
import { ProgressBar } from '../terminal.js';

/** One measured phase. */
export interface PhaseResult {
  readonly phase: string;
  readonly operations: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Runs `operations` calls of `call(i)` over `workers` concurrent loops, timing each. */
async function measure(
  phase: string,
  operations: number,
  workers: number,
  call: (i: number) => Promise<unknown>,
  bar: ProgressBar,
): Promise<PhaseResult> {
  const latencies = new Float64Array(operations);
  let next = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    for (let i = next++; i < operations; i = next++) {
      const t0 = performance.now();
      await call(i);
      latencies[i] = performance.now() - t0;
      bar.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, operations) }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return {
    phase,
    operations,
    opsPerSecond: operations / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function runPhases(
  cache: StoreCache,
  prefix: string,
  operations: number,
  concurrency: number,
  value: Uint8Array,
  bar: ProgressBar,
): Promise<PhaseResult[]> {
  const key = (i: number): string => `${prefix}:${i}`;
  const set = (i: number): Promise<void> => cache.set(key(i), value, { ttlMs: 600_000 });
  const get = (i: number): Promise<unknown> => cache.get(key(i));
  return [
    await measure('set, sequential', operations, 1, set, bar),
    await measure('get, sequential', operations, 1, get, bar),
    await measure(`set, ${concurrency} concurrent`, operations, concurrency, set, bar),
    await measure(`get, ${concurrency} concurrent`, operations, concurrency, get, bar),
  ];
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'a quick latency and throughput check',
  help: `Usage: pywatt-cache bench [URL] [--ops N] [--concurrency C] [--value-bytes B] [--json]

Times set and get, one at a time and then C at a time, and prints operations
per second with the median (p50) and 99th-percentile (p99) latency of each.
It writes its own keys under a random "pywatt-cache-bench-…:" prefix (with a
10-minute TTL) and clears that prefix when done.

  --ops N           operations per phase (default 2000)
  --concurrency C   calls in flight in the concurrent phases (default 32)
  --value-bytes B   size of each value (default 100)
  --json            the results as JSON`,
  options: {
    ops: { type: 'string' },
    concurrency: { type: 'string' },
    'value-bytes': { type: 'string' },
    json: { type: 'boolean' },
  },
  args: { min: 0, max: 0 },
  async run({ terminal, values, shownUrl, open }) {
    const operations = parseCount(values.ops, '--ops', 2000);
    const concurrency = parseCount(values.concurrency, '--concurrency', 32);
    const valueBytes = parseCount(values['value-bytes'], '--value-bytes', 100, 0);
    const cache = await open();
    const prefix = `pywatt-cache-bench-${randomBytes(4).toString('hex')}`;
    const bar = new ProgressBar(terminal, 'bench', operations * 4);
    let results: PhaseResult[];
    try {
      results = await runPhases(
        cache,
        prefix,
        operations,
        concurrency,
        randomBytes(valueBytes),
        bar,
      );
    } finally {
      bar.finish();
      await cache.clear(prefix);
    }
    if (values.json === true) {
      terminal.out(
        JSON.stringify({ url: shownUrl, type: cache.type, valueBytes, results }, null, 2),
      );
      return;
    }
    terminal.out(terminal.paint('bold', `${shownUrl} (${cache.type}), ${valueBytes}-byte values`));
    const rows = results.map((r) => [
      r.phase,
      `${Math.round(r.opsPerSecond)} ops/s`,
      `p50 ${formatMs(r.p50Ms)}`,
      `p99 ${formatMs(r.p99Ms)}`,
    ]);
    const widths = [0, 1, 2, 3].map((c) =>
      Math.max(...rows.map((row) => (row[c] as string).length)),
    );
    for (const row of rows)
      terminal.out(
        `  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ')}`,
      );
  },
};
